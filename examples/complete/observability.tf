# Observability of examples/complete: one customer-managed key for the two log groups and the alarm
# topic, and a log bucket for the text bucket's S3 server access logs.

locals {
  access_log_prefix = "s3/${local.bucket_name}/"
  account_id        = data.aws_caller_identity.current.account_id
  partition         = data.aws_partition.current.partition
}

data "aws_iam_policy_document" "observability_key" {
  #checkov:skip=CKV_AWS_109:in a key policy Resource "*" is this key only; the account statement is AWS's default key policy (the account's IAM decides)
  #checkov:skip=CKV_AWS_111:in a key policy Resource "*" is this key only; the service statements are scoped by encryption context and source account
  #checkov:skip=CKV_AWS_356:in a key policy Resource "*" is this key only; the service statements are scoped by encryption context and source account
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  # CloudWatch Logs encrypts a group's events with the group's key, only for this account's groups
  # (the encryption context names the group).
  statement {
    sid       = "CloudWatchLogsEncryptsTheGroups"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${var.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:*"]
    }
  }

  # CloudWatch alarms publish to the encrypted topic: the AWS-managed alias/aws/sns would refuse it.
  statement {
    sid       = "CloudWatchAlarmsPublishToTheTopic"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

# The policy is given at creation, so the key already lets CloudWatch Logs use it when the log
# groups are created.
resource "aws_kms_key" "observability" {
  description             = "${var.name}: encrypts the log groups and the alarm topic"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.observability_key.json
  tags                    = local.tags
}

# The log bucket: SSE-S3 (the module's default), private, versioned, TLS-only, and the S3 logging
# service may deliver the text bucket's access logs under access_log_prefix.
module "log_bucket" {
  source = "../../modules/bucket"

  name                               = "${var.name}-logs-${local.account_id}"
  noncurrent_version_expiration_days = 90
  tags                               = local.tags

  log_delivery = {
    source_bucket_arns = ["arn:${local.partition}:s3:::${local.bucket_name}"]
    target_prefix      = local.access_log_prefix
  }
}
