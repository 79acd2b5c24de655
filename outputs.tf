output "api_id" {
  description = "Id of the HTTP API (the host label of api_url), as IAM policies and execute-api ARNs name it."
  value       = module.api.api_id
}

output "api_url" {
  description = "URL to POST texts to, without a trailing slash: POST <api_url> for a generated key, POST <api_url>/<name> for a named one. The execute-api URL, or the custom domain's URL (domain_url) when api.domain.disable_execute_api_endpoint is true."
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

output "domain_url" {
  description = "https://<api.domain.name>[/<api_mapping_key>], the API on its custom domain; null without api.domain."
  value       = module.api.domain_url
}

output "domain_target_domain_name" {
  description = "Regional target of the custom domain, for a CNAME or alias record (when api.domain has no hosted_zone_id); null without api.domain."
  value       = module.api.domain_target_domain_name
}

output "domain_target_hosted_zone_id" {
  description = "Route 53 hosted zone id of that target, for an alias record; null without api.domain."
  value       = module.api.domain_target_hosted_zone_id
}
