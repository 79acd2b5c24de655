# The whole stack from the modules, with the options a production deployment sets: a
# customer-managed KMS key for the bucket, version expiry, a reserved-concurrency cap where the
# account has room for one (var.reserved_concurrency; unreserved by default), stage throttling,
# CORS for one web app's origin, and an IAM policy that callers attach to be allowed to POST
# (routes use AWS_IAM). Observability: both log groups and the alarm topic encrypted with
# a second key (observability.tf), X-Ray tracing on the function, alarms on the function and on
# the API's error rates, and the bucket's server access logs in a log bucket. With var.domain the
# API is served on a custom domain with a DNS-validated certificate.
#
# Under test the modules come from this repository by relative path; a consumer pins a release:
#   source = "git::https://github.com/<org>/scribe.git//modules/bucket?ref=v0.3.0"

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  bucket_name = "${var.name}-${data.aws_caller_identity.current.account_id}-${var.region}"
  tags        = merge(var.tags, { Stack = var.name })
}

resource "aws_kms_key" "texts" {
  description             = "${var.name}: SSE-KMS key of the text bucket"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  tags                    = local.tags
}

data "aws_iam_policy_document" "key" {
  #checkov:skip=CKV_AWS_109:in a key policy Resource "*" is this key only; the statement is AWS's default key policy (the account's IAM decides)
  #checkov:skip=CKV_AWS_111:in a key policy Resource "*" is this key only; the statement is AWS's default key policy (the account's IAM decides)
  #checkov:skip=CKV_AWS_356:in a key policy Resource "*" is this key only; the statement is AWS's default key policy (the account's IAM decides)
  # The account administers the key; the writer's role gets kms:GenerateDataKey from
  # modules/lambda (its policy names this key), which the account statement makes effective.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

resource "aws_kms_key_policy" "texts" {
  key_id = aws_kms_key.texts.id
  policy = data.aws_iam_policy_document.key.json
}

module "bucket" {
  source = "../../modules/bucket"

  name                               = local.bucket_name
  kms_key_arn                        = aws_kms_key.texts.arn
  noncurrent_version_expiration_days = 90
  tags                               = local.tags

  access_logging = { target_bucket = module.log_bucket.bucket_name, target_prefix = local.access_log_prefix }
}

module "writer" {
  source = "../../modules/lambda"

  function_name        = "${var.name}-writer"
  package_path         = var.package_path
  bucket_name          = module.bucket.bucket_name
  kms_key_arn          = module.bucket.kms_key_arn
  key_prefix           = "incoming/"
  max_body_bytes       = 262144
  reserved_concurrency = var.reserved_concurrency
  log_retention_days   = 90
  tags                 = local.tags

  tracing_mode    = "Active"
  log_kms_key_arn = aws_kms_key.observability.arn
  # The function's alarms create the topic (encrypted with the observability key, which lets
  # CloudWatch use it); the API's alarms notify the same topic.
  alarms = {
    errors_threshold  = 5
    duration_share    = 0.8
    create_topic      = true
    topic_kms_key_arn = aws_kms_key.observability.arn
  }
}

module "api" {
  source = "../../modules/api"

  name                      = "${var.name}-api"
  function_name             = module.writer.function_name
  function_invoke_arn       = module.writer.invoke_arn
  authorization_type        = "AWS_IAM"
  throttling                = { burst_limit = 100, rate_limit = 50 }
  access_log_retention_days = 90
  access_log_kms_key_arn    = aws_kms_key.observability.arn
  tags                      = local.tags

  alarms = {
    server_error_rate = 0.01
    client_error_rate = 0.2
    topic_arn         = module.writer.alarm_topic_arn
  }

  # The team's web app may POST from its own origin, signing with SigV4 in the browser.
  cors = {
    allow_origins  = ["https://app.example.com"]
    allow_methods  = ["POST"]
    allow_headers  = ["content-type", "authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"]
    expose_headers = ["location"]
    max_age        = 3600
  }

  # The API on the team's own name: a DNS-validated certificate, alias records in the zone, and
  # (by default here) the execute-api endpoint off. Null: no domain.
  domain = var.domain
}

data "aws_iam_policy_document" "callers" {
  statement {
    sid       = "PostTexts"
    actions   = ["execute-api:Invoke"]
    resources = ["${module.api.execution_arn}/*/POST/*"]
  }
}

resource "aws_iam_policy" "callers" {
  name        = "${var.name}-callers"
  description = "Attach to the principals that may POST texts to ${var.name}."
  policy      = data.aws_iam_policy_document.callers.json
  tags        = local.tags
}
