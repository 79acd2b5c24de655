# A private, versioned, encrypted bucket. Every default is the secure one; the only insecure
# switch (enforce_tls = false) is named as such in its description. Optional: server access logs
# to another bucket (access_logging), and, for a bucket that receives them, the S3 logging
# service's permission to deliver (log_delivery).

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_18:access_logging sends server access logs to the bucket the caller names; the default (null) logs none (a log bucket is the caller's), and scribe's writes arrive through the API, whose access logs are kept
  #checkov:skip=CKV_AWS_144:cross-region replication needs a bucket and a replication role in another region, left to the user; versioning (always on) keeps every overwritten object
  #checkov:skip=CKV2_AWS_62:nothing consumes object events; a user who needs them adds an aws_s3_bucket_notification of their own
  bucket        = var.name
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket = aws_s3_bucket.this.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = var.kms_key_arn != null
  }
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  count  = var.noncurrent_version_expiration_days == null ? 0 : 1
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

data "aws_iam_policy_document" "tls_only" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

# A log bucket: the S3 logging service may put objects under the prefix, only for the named source
# buckets of this account (the bucket policy AWS recommends for server access logging, with
# aws:SourceArn and aws:SourceAccount).
data "aws_iam_policy_document" "log_delivery" {
  count = var.log_delivery == null ? 0 : 1

  statement {
    sid       = "S3ServerAccessLogsDelivery"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.this.arn}/${var.log_delivery.target_prefix}*"]

    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = var.log_delivery.source_bucket_arns
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

# The bucket's one policy: TLS-only (enforce_tls) and, for a log bucket, the log delivery.
data "aws_iam_policy_document" "bucket" {
  source_policy_documents = concat(
    var.enforce_tls ? [data.aws_iam_policy_document.tls_only.json] : [],
    data.aws_iam_policy_document.log_delivery[*].json,
  )
}

resource "aws_s3_bucket_policy" "tls_only" {
  count  = var.enforce_tls || var.log_delivery != null ? 1 : 0
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.bucket.json

  # A bucket policy is refused while the public access block is being written.
  depends_on = [aws_s3_bucket_public_access_block.this]
}

resource "aws_s3_bucket_logging" "this" {
  count = var.access_logging == null ? 0 : 1

  bucket        = aws_s3_bucket.this.id
  target_bucket = var.access_logging.target_bucket
  target_prefix = var.access_logging.target_prefix
}

data "aws_caller_identity" "current" {}
