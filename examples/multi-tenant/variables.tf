variable "name" {
  type        = string
  description = "Name prefix of every resource: the bucket <name>-<account>-<region>, and <name>-<tenant> for each tenant's function and API."
  default     = "scribe-tenants"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.name))
    error_message = "name must be 3-24 characters of a-z, 0-9 and '-', starting with a letter."
  }
}

variable "region" {
  type        = string
  description = "AWS region to deploy to."
  default     = "eu-west-1"
  nullable    = false
}

variable "tenants" {
  type = map(object({
    authorization_type   = optional(string)
    max_body_bytes       = optional(number)
    reserved_concurrency = optional(number)
  }))
  description = "One writer and one HTTP API per tenant, keyed by tenant name (the name is in the key prefix tenants/<name>/). authorization_type (modules/api, default AWS_IAM) NONE makes that tenant's API PUBLIC (insecure); max_body_bytes and reserved_concurrency go to modules/lambda. An attribute left out (or null) takes the module's default."

  validation {
    condition     = length(var.tenants) > 0 && alltrue([for tenant in keys(var.tenants) : can(regex("^[a-z][a-z0-9-]{0,15}$", tenant))])
    error_message = "tenants must hold at least one tenant, each named with 1-16 characters of a-z, 0-9 and '-', starting with a letter."
  }
}

variable "force_destroy" {
  type        = bool
  description = "Let destroy delete the shared bucket with every tenant's texts. Keep false where the texts matter."
  default     = false
  nullable    = false
}

variable "package_path" {
  type        = string
  description = "Path of the Lambda zip built from the same release (`make package` in a checkout of the tag)."
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource that supports tags (each tenant's also get Tenant = <name>)."
  default     = {}
  nullable    = false
}
