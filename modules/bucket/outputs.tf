output "bucket_name" {
  description = "Name of the bucket. Known at plan time (it is the `name` input), so plans show the writer's environment and role policy in full; it still depends on the bucket resource."
  value       = aws_s3_bucket.this.bucket

  # A caller that names this bucket (a writer, or a bucket logging into it) acts once its policy
  # (TLS-only, log delivery) is in place.
  depends_on = [aws_s3_bucket_policy.tls_only]
}

output "bucket_arn" {
  description = "ARN of the bucket."
  value       = aws_s3_bucket.this.arn
}

output "kms_key_arn" {
  description = "KMS key that encrypts the objects, or null for SSE-S3."
  value       = var.kms_key_arn
}
