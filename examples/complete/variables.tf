variable "name" {
  type        = string
  description = "Stack name: prefixes every resource (3-32 characters of a-z, 0-9 and '-')."
  default     = "scribe-complete"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name))
    error_message = "name must be 3-32 characters of a-z, 0-9 and '-', starting with a letter."
  }
}

variable "region" {
  type        = string
  description = "AWS region to deploy to."
  default     = "eu-west-1"
  nullable    = false
}

variable "package_path" {
  type        = string
  description = "Path of the Lambda zip built from the same release (`make package` in a checkout of the tag)."
}

variable "reserved_concurrency" {
  type        = number
  description = "Reserved concurrent executions of the writer, a cap on cost and on load on S3 (e.g. 20). Null (the default) leaves it unreserved: Lambda refuses a reservation that leaves the account fewer than 100 unreserved executions, and a new account's quota can be as low as 10 (check with make preflight's rule, README \"Reserved concurrency and the account's quota\")."
  default     = null
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource that supports tags."
  default     = {}
  nullable    = false
}

variable "domain" {
  type = object({
    name                         = string
    hosted_zone_id               = string
    api_mapping_key              = optional(string)
    disable_execute_api_endpoint = optional(bool, true)
  })
  description = "Custom domain of the API: name (e.g. texts.example.com) in the Route 53 public zone hosted_zone_id, where modules/api validates an ACM certificate by DNS and writes the A and AAAA alias records (the domain is dualstack); api_mapping_key (optional) serves the API under https://<name>/<key>; disable_execute_api_endpoint (default true here) leaves the domain the only way in, and api_url its URL. Null (the default): no domain, api_url is the execute-api URL."
  default     = null
}
