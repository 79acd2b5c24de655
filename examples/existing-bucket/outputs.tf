output "api_id" {
  description = "Id of the HTTP API (the host label of api_url)."
  value       = module.api.api_id
}

output "api_url" {
  description = "URL to POST texts to."
  value       = module.api.api_url
}

output "bucket_name" {
  description = "The existing bucket the texts are stored in."
  value       = data.aws_s3_bucket.existing.bucket
}

output "key_prefix" {
  description = "Prefix every text is stored under."
  value       = module.writer.key_prefix
}

output "function_name" {
  description = "Name of the writer function."
  value       = module.writer.function_name
}

output "role_arn" {
  description = "ARN of the writer's role, for the bucket owner's policy or KMS key policy."
  value       = module.writer.role_arn
}
