# The writer function: its log group (made before the function, so Lambda never creates it at run
# time), a role that may only append to that log group, put objects under the key prefix and list
# one version entry at a time under it, and the function itself. Optional: X-Ray tracing (with the
# role's X-Ray write permissions only then), a KMS key for the log group, and CloudWatch alarms
# (errors, throttles, duration near the timeout) to an SNS topic given or created here.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition      = data.aws_partition.current.partition
  log_group_name = "/aws/lambda/${var.function_name}"
  # Built from names rather than taken from the resources, so the policy is known at plan time
  # and a reviewer (or a plan test) sees exactly what the role may do.
  log_group_arn = "arn:${local.partition}:logs:${data.aws_region.current.id}:${data.aws_caller_identity.current.account_id}:log-group:${local.log_group_name}"
  bucket_arn    = "arn:${local.partition}:s3:::${var.bucket_name}"
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:with log_kms_key_arn set the group is encrypted with that key; the default (null) leaves CloudWatch Logs' own encryption at rest, which checkov cannot tell from a variable
  #checkov:skip=CKV_AWS_338:retention is log_retention_days (default 30); keeping logs a year is a cost decision left to the user
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

data "aws_iam_policy_document" "assume" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = "${var.function_name}-role"
  path                 = var.role_path
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

data "aws_iam_policy_document" "permissions" {
  statement {
    sid       = "WriteOwnLogs"
    effect    = "Allow"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arn}:*"]
  }

  statement {
    sid       = "PutObjectsUnderPrefix"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["${local.bucket_arn}/${var.key_prefix}*"]
  }

  # After a retried create-only PutObject finds its name taken, the function lists the latest
  # version of that one key (ListObjectVersions, Prefix=key, MaxKeys=1) to tell its own lost write
  # from another writer's: names, sizes and ETags under the prefix, one entry per call, never the
  # content. s3:prefix and s3:max-keys are condition keys of s3:ListBucketVersions (Service
  # Authorization Reference, Amazon S3); a request without them does not match.
  statement {
    sid       = "ListOneVersionEntryUnderPrefix"
    effect    = "Allow"
    actions   = ["s3:ListBucketVersions"]
    resources = [local.bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.key_prefix}*"]
    }

    condition {
      test     = "NumericLessThanEquals"
      variable = "s3:max-keys"
      values   = ["1"]
    }
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]

    content {
      sid       = "EncryptWithBucketKey"
      effect    = "Allow"
      actions   = ["kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }

  # With tracing on, the function's X-Ray daemon uploads segments and telemetry with the role's
  # credentials. Neither action has a resource type in the Service Authorization Reference for
  # AWS X-Ray, so "*" is the only Resource they accept; the sampling reads of AWS's
  # AWSXRayDaemonWriteAccess are left out: in Lambda, Lambda makes the sampling decision.
  dynamic "statement" {
    for_each = var.tracing_mode == null ? [] : [var.tracing_mode]

    content {
      sid       = "WriteXRayTraces"
      effect    = "Allow"
      actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      resources = ["*"]
    }
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "write-logs-and-objects"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.permissions.json
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:invoked synchronously by the HTTP API only; a DLQ applies to asynchronous invocations
  #checkov:skip=CKV_AWS_117:the function calls only S3 and CloudWatch Logs; a VPC would add NAT or VPC endpoints for no isolation gain
  #checkov:skip=CKV_AWS_272:no code signing; the zip is built reproducibly by make package and deployed only by the CI deploy role
  #checkov:skip=CKV_AWS_173:the environment holds only the bucket name, key prefix and size limit (no secrets); Lambda encrypts it at rest with its AWS-managed key
  #checkov:skip=CKV_AWS_50:tracing_mode "Active" turns X-Ray on; the default (null) leaves it off as a cost decision, and the API access logs record integration status, errors and latency
  function_name                  = var.function_name
  role                           = aws_iam_role.this.arn
  handler                        = var.handler
  runtime                        = var.runtime
  architectures                  = [var.architecture]
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrency == null ? -1 : var.reserved_concurrency
  filename                       = var.package_path
  source_code_hash               = filebase64sha256(var.package_path)
  tags                           = var.tags

  environment {
    variables = {
      BUCKET_NAME    = var.bucket_name
      KEY_PREFIX     = var.key_prefix
      MAX_BODY_BYTES = tostring(var.max_body_bytes)
    }
  }

  dynamic "tracing_config" {
    for_each = var.tracing_mode == null ? [] : [var.tracing_mode]

    content {
      mode = tracing_config.value
    }
  }

  depends_on = [aws_cloudwatch_log_group.this, aws_iam_role_policy.this]
}
