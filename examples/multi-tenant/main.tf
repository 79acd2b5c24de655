# Several tenants share one bucket; each gets its own writer, role and HTTP API, created with
# for_each. A tenant's role may only put objects under its own prefix (tenants/<tenant>/), so one
# tenant's API can never write into another tenant's texts.
#
# Under test the modules come from this repository by relative path; a consumer pins a release:
#   source = "git::https://github.com/<org>/scribe.git//modules/lambda?ref=v0.3.0"

data "aws_caller_identity" "current" {}

module "bucket" {
  source = "../../modules/bucket"

  name          = "${var.name}-${data.aws_caller_identity.current.account_id}-${var.region}"
  force_destroy = var.force_destroy
  tags          = var.tags
}

module "writer" {
  source   = "../../modules/lambda"
  for_each = var.tenants

  function_name        = "${var.name}-${each.key}"
  package_path         = var.package_path
  bucket_name          = module.bucket.bucket_name
  key_prefix           = "tenants/${each.key}/"
  max_body_bytes       = each.value.max_body_bytes
  reserved_concurrency = each.value.reserved_concurrency
  tags                 = merge(var.tags, { Tenant = each.key })
}

module "api" {
  #checkov:skip=CKV_AWS_309:routes default to AWS_IAM (modules/api's default, taken when a tenant's authorization_type is null, which checkov cannot resolve); NONE is an explicit, documented opt-out
  source   = "../../modules/api"
  for_each = var.tenants

  name                = "${var.name}-${each.key}"
  function_name       = module.writer[each.key].function_name
  function_invoke_arn = module.writer[each.key].invoke_arn
  authorization_type  = each.value.authorization_type
  tags                = merge(var.tags, { Tenant = each.key })
}
