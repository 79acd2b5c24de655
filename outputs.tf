output "api_id" {
  description = "Id of the HTTP API (the host label of api_url), as IAM policies and execute-api ARNs name it."
  value       = module.api.api_id
}

output "api_url" {
  description = "URL to POST texts to, without a trailing slash: POST <api_url> for a generated key, POST <api_url>/<name> for a named one."
  value       = module.api.api_url
}

output "bucket_name" {
  description = "Bucket the texts are stored in."
  value       = module.bucket.bucket_name
}

output "function_name" {
  description = "Name of the writer Lambda function."
  value       = module.writer.function_name
}

output "key_prefix" {
  description = "Key prefix every text is stored under."
  value       = module.writer.key_prefix
}
