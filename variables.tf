variable "name" {
  type        = string
  description = "Name of the stack, e.g. \"scribe-dev\". Prefixes every resource name (function, role, API, log groups) and, by default, the bucket name."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name))
    error_message = "name must be 3-32 characters of a-z, 0-9 and '-', starting with a letter and ending with a letter or digit."
  }
}

variable "region" {
  type        = string
  description = "AWS region to deploy into, e.g. \"eu-west-1\"."

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1 or us-east-1."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource (through the provider's default_tags), besides Stack and ManagedBy."
  default     = {}
  nullable    = false

  # AWS's tag rules (https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html): 50 tags
  # per resource, keys of 1-128 characters, values of at most 256, the prefix aws: reserved.
  validation {
    condition     = length(var.tags) <= 48 && alltrue([for key, value in var.tags : length(key) >= 1 && length(key) <= 128 && length(value) <= 256 && !startswith(lower(key), "aws:")])
    error_message = "tags must hold at most 48 tags (the stack adds Stack and ManagedBy to AWS's 50), each key of 1-128 characters and not starting with aws: (AWS reserves it), each value of at most 256 characters."
  }
}

variable "package_path" {
  type        = string
  description = "Path of the Lambda zip. Null (the default) means build/scribe.zip in this root, which `make package` writes."
  default     = null
}

variable "bucket" {
  type = object({
    name                               = optional(string)
    force_destroy                      = optional(bool)
    enforce_tls                        = optional(bool)
    kms_key_arn                        = optional(string)
    noncurrent_version_expiration_days = optional(number)
    access_logging = optional(object({
      target_bucket = string
      target_prefix = optional(string)
    }))
  })
  description = "The bucket (modules/bucket). name defaults to <name>-<account id>-<region>; force_destroy lets destroy empty it (module default false: keep it where data matters); enforce_tls = false is INSECURE, for emulators only (module default true); kms_key_arn null means SSE-S3; noncurrent_version_expiration_days null keeps every version; access_logging (target_bucket, target_prefix) sends S3 server access logs to a log bucket of yours, null none. An attribute left out (or null) takes the module's default; the module validates every field."
  default     = {}
  nullable    = false
}

variable "writer" {
  type = object({
    key_prefix           = optional(string)
    max_body_bytes       = optional(number)
    memory_size          = optional(number)
    timeout              = optional(number)
    runtime              = optional(string)
    architecture         = optional(string)
    reserved_concurrency = optional(number)
    log_retention_days   = optional(number)
    tracing_mode         = optional(string)
    log_kms_key_arn      = optional(string)
    alarms = optional(object({
      errors_threshold   = optional(number)
      duration_share     = optional(number)
      period             = optional(number)
      evaluation_periods = optional(number)
      topic_arn          = optional(string)
      create_topic       = optional(bool)
      topic_kms_key_arn  = optional(string)
    }))
  })
  description = "The writer function (modules/lambda): key prefix, body limit, memory, timeout, runtime, architecture, concurrency cap, log retention, X-Ray tracing, log encryption and alarms. An attribute left out (or null) takes the module's default (key_prefix \"incoming/\", max_body_bytes 1048576, memory_size 128, timeout 28, runtime python3.13, architecture arm64, log_retention_days 30); reserved_concurrency null leaves the function unreserved; tracing_mode null sets no tracing (\"Active\" traces, and gives the role X-Ray write permissions); log_kms_key_arn null keeps CloudWatch Logs' own encryption; alarms null creates none (errors, throttles, p99 duration above duration_share of the timeout, to topic_arn or a created topic encrypted with topic_kms_key_arn). The module validates every field."
  default     = {}
  nullable    = false
}

variable "permissions_boundary_policy_name" {
  type        = string
  description = "Name of the IAM policy that bounds the roles this stack creates (the CI identity's <prefix>-boundary-<env>, see bootstrap/). Null: no boundary."
  default     = null

  validation {
    condition     = var.permissions_boundary_policy_name == null || can(regex("^[A-Za-z0-9+=,.@_-]{1,128}$", var.permissions_boundary_policy_name))
    error_message = "permissions_boundary_policy_name must be null or an IAM policy name."
  }
}

variable "role_path" {
  type        = string
  description = "IAM path of the stack's roles. Deployed by the CI identity, it must be /<name>/ (bootstrap output stack_role_paths); \"/\" otherwise."
  default     = "/"
  nullable    = false

  validation {
    condition     = can(regex("^/([A-Za-z0-9+=,.@_-]+/)*$", var.role_path))
    error_message = "role_path must start and end with '/', e.g. /scribe-dev/."
  }
}

variable "api" {
  type = object({
    authorization_type = optional(string)
    throttling = optional(object({
      burst_limit = optional(number)
      rate_limit  = optional(number)
    }))
    access_log_retention_days = optional(number)
    jwt_authorizer = optional(object({
      issuer   = string
      audience = list(string)
      scopes   = optional(list(string))
    }))
    cors = optional(object({
      allow_origins     = optional(list(string))
      allow_methods     = optional(list(string))
      allow_headers     = optional(list(string))
      expose_headers    = optional(list(string))
      max_age           = optional(number)
      allow_credentials = optional(bool)
    }))
    access_log_kms_key_arn = optional(string)
    alarms = optional(object({
      server_error_rate  = optional(number)
      client_error_rate  = optional(number)
      period             = optional(number)
      evaluation_periods = optional(number)
      topic_arn          = optional(string)
      create_topic       = optional(bool)
      topic_kms_key_arn  = optional(string)
    }))
    domain = optional(object({
      name                         = string
      certificate_arn              = optional(string)
      hosted_zone_id               = optional(string)
      create_alias_records         = optional(bool)
      api_mapping_key              = optional(string)
      disable_execute_api_endpoint = optional(bool)
      ip_address_type              = optional(string)
    }))
  })
  description = "The HTTP API (modules/api). authorization_type AWS_IAM (the module's default) requires SigV4; JWT requires jwt_authorizer (issuer, audience, scopes); NONE makes the API public and is INSECURE. cors (allow_origins, allow_methods, allow_headers, expose_headers, max_age, allow_credentials) lets browsers on those origins call the API: API Gateway answers their preflight OPTIONS itself. access_log_kms_key_arn encrypts the access-log group; alarms (server_error_rate, client_error_rate, ...) alarm on the 5xx and 4xx shares of requests, to topic_arn or a created topic. domain (name, certificate_arn or hosted_zone_id, create_alias_records, api_mapping_key, disable_execute_api_endpoint, ip_address_type) serves the API on a custom domain (regional, TLS 1.2, IPv4 and IPv6 unless ip_address_type = \"ipv4\") with an existing ACM certificate or one validated by DNS in that Route 53 zone; with disable_execute_api_endpoint = true the api_url output is the domain's URL. An attribute left out (or null) takes the module's default (throttling burst_limit 50 and rate_limit 25, access_log_retention_days 30, no jwt_authorizer, no CORS, no access-log key, no alarms, no domain); the module validates every field."
  default     = {}
  nullable    = false
}
