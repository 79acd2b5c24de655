# scribe: an HTTP POST to api_url stores its body as a text object in S3.
#   client --POST--> HTTP API ($default stage) --payload 2.0--> Lambda --PutObject--> S3 bucket

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  bucket_name  = coalesce(var.bucket.name, "${var.name}-${data.aws_caller_identity.current.account_id}-${var.region}")
  package_path = coalesce(var.package_path, "${path.root}/build/scribe.zip")
  boundary_arn = var.permissions_boundary_policy_name == null ? null : "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:policy/${var.permissions_boundary_policy_name}"
}

module "bucket" {
  source = "./modules/bucket"

  name                               = local.bucket_name
  force_destroy                      = var.bucket.force_destroy
  enforce_tls                        = var.bucket.enforce_tls
  kms_key_arn                        = var.bucket.kms_key_arn
  noncurrent_version_expiration_days = var.bucket.noncurrent_version_expiration_days
  access_logging                     = var.bucket.access_logging
}

module "writer" {
  source = "./modules/lambda"

  function_name            = "${var.name}-writer"
  package_path             = local.package_path
  bucket_name              = module.bucket.bucket_name
  kms_key_arn              = module.bucket.kms_key_arn
  key_prefix               = var.writer.key_prefix
  max_body_bytes           = var.writer.max_body_bytes
  memory_size              = var.writer.memory_size
  timeout                  = var.writer.timeout
  runtime                  = var.writer.runtime
  architecture             = var.writer.architecture
  reserved_concurrency     = var.writer.reserved_concurrency
  log_retention_days       = var.writer.log_retention_days
  tracing_mode             = var.writer.tracing_mode
  log_kms_key_arn          = var.writer.log_kms_key_arn
  alarms                   = var.writer.alarms
  permissions_boundary_arn = local.boundary_arn
  role_path                = var.role_path
}

module "api" {
  #checkov:skip=CKV_AWS_309:routes default to AWS_IAM (modules/api's default, taken when var.api.authorization_type is null, which checkov cannot resolve); NONE is an explicit, documented opt-out
  source = "./modules/api"

  name                      = "${var.name}-api"
  function_name             = module.writer.function_name
  function_invoke_arn       = module.writer.invoke_arn
  authorization_type        = var.api.authorization_type
  jwt_authorizer            = var.api.jwt_authorizer
  cors                      = var.api.cors
  throttling                = var.api.throttling
  access_log_retention_days = var.api.access_log_retention_days
  access_log_kms_key_arn    = var.api.access_log_kms_key_arn
  alarms                    = var.api.alarms
  domain                    = var.api.domain
}
