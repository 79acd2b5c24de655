output "bucket_name" {
  description = "The bucket shared by the tenants."
  value       = module.bucket.bucket_name
}

output "api_ids" {
  description = "Id of the HTTP API, per tenant."
  value       = { for tenant, api in module.api : tenant => api.api_id }
}

output "api_urls" {
  description = "URL to POST to, per tenant."
  value       = { for tenant, api in module.api : tenant => api.api_url }
}

output "function_names" {
  description = "Writer function, per tenant."
  value       = { for tenant, writer in module.writer : tenant => writer.function_name }
}

output "key_prefixes" {
  description = "Key prefix each tenant's texts are stored under."
  value       = { for tenant, writer in module.writer : tenant => writer.key_prefix }
}
