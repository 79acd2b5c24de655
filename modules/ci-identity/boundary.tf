# The most a role that a deploy role creates (the stack's writer role) may ever do. One boundary
# per environment, naming only that environment's log groups, bucket prefix and key: a deploy
# role that widens its own writer role's policy still cannot reach another environment.

data "aws_iam_policy_document" "boundary" {
  for_each = var.environments

  statement {
    sid       = "FunctionLogs"
    effect    = "Allow"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_arn}:/aws/lambda/${each.value.stack_name}-*:*"]
  }

  statement {
    sid       = "PutTexts"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["arn:${local.partition}:s3:::${each.value.stack_name}-*/${each.value.key_prefix}*"]

    condition {
      test     = "StringEquals"
      variable = "s3:ResourceAccount"
      values   = [local.account]
    }
  }

  # The writer's lookup after a retried create-only write (modules/lambda): one version entry per
  # call, under the environment's key prefix only.
  statement {
    sid       = "ListOneVersionEntry"
    effect    = "Allow"
    actions   = ["s3:ListBucketVersions"]
    resources = ["arn:${local.partition}:s3:::${each.value.stack_name}-*"]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${each.value.key_prefix}*"]
    }

    condition {
      test     = "NumericLessThanEquals"
      variable = "s3:max-keys"
      values   = ["1"]
    }

    condition {
      test     = "StringEquals"
      variable = "s3:ResourceAccount"
      values   = [local.account]
    }
  }

  # X-Ray, only for an environment whose stack traces (writer.tracing_mode): the function's trace
  # uploads. X-Ray grants these actions on no resource narrower than "*" (service authorization
  # reference), so the switch is the only scope.
  dynamic "statement" {
    for_each = each.value.tracing ? ["on"] : []

    content {
      sid       = "UploadTraces"
      effect    = "Allow"
      actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      resources = ["*"]
    }
  }

  # SSE-KMS: only the environment's own bucket key, and only through S3.
  dynamic "statement" {
    for_each = each.value.kms_key_arn == null ? [] : [each.value.kms_key_arn]

    content {
      sid       = "EncryptTextsThroughS3"
      effect    = "Allow"
      actions   = ["kms:GenerateDataKey"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${local.region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_policy" "boundary" {
  for_each = var.environments

  name        = "${var.name_prefix}-boundary-${each.key}"
  description = "Permissions boundary of every role the ${each.key} deploy role creates (stack ${each.value.stack_name})."
  policy      = data.aws_iam_policy_document.boundary[each.key].json
  tags        = var.tags
}
