output "api_id" {
  description = "Id of the HTTP API (the host label of api_url)."
  value       = module.api.api_id
}

output "api_url" {
  description = "URL to POST texts to (SigV4-signed, by a principal with the callers policy)."
  value       = module.api.api_url
}

output "bucket_name" {
  description = "Bucket the texts are stored in."
  value       = module.bucket.bucket_name
}

output "function_name" {
  description = "Name of the writer function."
  value       = module.writer.function_name
}

output "kms_key_arn" {
  description = "ARN of the KMS key that encrypts the texts."
  value       = aws_kms_key.texts.arn
}

output "callers_policy_arn" {
  description = "ARN of the IAM policy to attach to the principals allowed to POST."
  value       = aws_iam_policy.callers.arn
}

output "alarm_topic_arn" {
  description = "SNS topic every alarm notifies (subscribe your on-call to it)."
  value       = module.writer.alarm_topic_arn
}

output "alarm_names" {
  description = "Names of the CloudWatch alarms: the function's and the API's."
  value       = concat(module.writer.alarm_names, module.api.alarm_names)
}

output "log_bucket_name" {
  description = "Bucket that receives the text bucket's S3 server access logs."
  value       = module.log_bucket.bucket_name
}
