# A writer and its HTTP API storing texts in a bucket the consumer already owns (made by another
# stack, or by hand). This configuration never manages the bucket: destroying it leaves the bucket
# and every object in it alone. The writer's role may only put objects under key_prefix.
#
# Under test the modules come from this repository by relative path; a consumer pins a release:
#   source = "git::https://github.com/<org>/scribe.git//modules/lambda?ref=v0.3.0"

# Fails at plan time, with the bucket's name in the error, when the bucket does not exist.
data "aws_s3_bucket" "existing" {
  bucket = var.bucket_name
}

module "writer" {
  source = "../../modules/lambda"

  function_name = "${var.name}-writer"
  package_path  = var.package_path
  bucket_name   = data.aws_s3_bucket.existing.bucket
  kms_key_arn   = var.bucket_kms_key_arn
  key_prefix    = var.key_prefix
  tags          = var.tags
}

module "api" {
  source = "../../modules/api"

  name                = "${var.name}-api"
  function_name       = module.writer.function_name
  function_invoke_arn = module.writer.invoke_arn
  authorization_type  = var.authorization_type
  tags                = var.tags
}
