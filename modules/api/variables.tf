variable "name" {
  type        = string
  description = "Name of the HTTP API; also names its access-log group (/aws/vendedlogs/apigateway/<name>)."

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,128}$", var.name))
    error_message = "name must be 1-128 characters of letters, digits, '-' and '_'."
  }
}

variable "function_name" {
  type        = string
  description = "Name of the Lambda function the routes invoke (it receives the invoke permission)."

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be 1-64 characters of letters, digits, '-' and '_'."
  }
}

variable "function_invoke_arn" {
  type        = string
  description = "invoke_arn of that Lambda function (output `invoke_arn` of modules/lambda)."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:apigateway:[a-z0-9-]+:lambda:path/", var.function_invoke_arn))
    error_message = "function_invoke_arn must be a Lambda invoke ARN (arn:aws:apigateway:<region>:lambda:path/...)."
  }
}

variable "authorization_type" {
  type        = string
  description = "Who may call the routes. AWS_IAM (the default) requires SigV4-signed requests from principals allowed execute-api:Invoke. JWT requires a bearer token accepted by jwt_authorizer. NONE makes the API PUBLIC: anyone with the URL can write to the bucket — INSECURE, meant for local emulation."
  default     = "AWS_IAM"
  nullable    = false

  validation {
    condition     = contains(["AWS_IAM", "JWT", "NONE"], var.authorization_type)
    error_message = "authorization_type must be AWS_IAM (secure default), JWT (with jwt_authorizer) or NONE (public, insecure)."
  }
}

variable "jwt_authorizer" {
  type = object({
    issuer   = string
    audience = list(string)
    scopes   = optional(list(string), [])
  })
  description = "JWT authorizer for authorization_type = \"JWT\": the token issuer (https URL of an OIDC provider, e.g. a Cognito user pool), the accepted audiences (client ids) and the OAuth scopes a token must carry on the routes (empty or null: any). Null (the default) creates no authorizer: it must be null unless authorization_type is JWT."
  default     = null

  validation {
    condition     = (var.jwt_authorizer != null) == (var.authorization_type == "JWT")
    error_message = "jwt_authorizer must be set when, and only when, authorization_type is JWT."
  }

  validation {
    condition     = var.jwt_authorizer == null || try(startswith(var.jwt_authorizer.issuer, "https://") && length(var.jwt_authorizer.audience) > 0, false)
    error_message = "jwt_authorizer.issuer must be an https:// URL and jwt_authorizer.audience must list at least one audience."
  }
}

variable "cors" {
  type = object({
    allow_origins     = optional(list(string))
    allow_methods     = optional(list(string))
    allow_headers     = optional(list(string))
    expose_headers    = optional(list(string))
    max_age           = optional(number)
    allow_credentials = optional(bool)
  })
  description = "CORS for browsers calling the API from other origins: allow_origins (at least one; \"*\" or scheme://host[:port], no path), allow_methods (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS or \"*\"), allow_headers and expose_headers (header names or \"*\"), max_age (seconds a browser may cache a preflight, -1 to 86400) and allow_credentials (never with a \"*\" origin). API Gateway then answers preflight OPTIONS requests itself, before any authorization, and replaces the CORS headers of the function's responses. An attribute left out (or null) is not sent, and API Gateway's default applies (none allowed, no max age, no credentials). Null (the default): no CORS configuration."
  default     = null

  validation {
    condition     = var.cors == null || try(length(var.cors.allow_origins) > 0 && alltrue([for origin in var.cors.allow_origins : origin == "*" || can(regex("^[a-z][a-z0-9+.-]*://(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*)(:[0-9]{1,5})?$", origin))]), false)
    error_message = "cors.allow_origins must list at least one origin, each \"*\" or scheme://host[:port] (e.g. https://app.example.com, http://localhost:3000), with no path, query or trailing slash."
  }

  validation {
    condition     = !try(var.cors.allow_credentials == true && contains(var.cors.allow_origins, "*"), false)
    error_message = "cors.allow_credentials = true cannot go with the \"*\" origin: browsers refuse credentials for any origin, so list the origins that may send them."
  }

  validation {
    condition     = try(alltrue([for method in var.cors.allow_methods : contains(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "*"], method)]), true)
    error_message = "cors.allow_methods must hold only GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS (upper case) or \"*\"."
  }

  validation {
    condition     = try(alltrue([for name in concat(var.cors.allow_headers == null ? [] : var.cors.allow_headers, var.cors.expose_headers == null ? [] : var.cors.expose_headers) : can(regex("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", name))]), true)
    error_message = "cors.allow_headers and cors.expose_headers must hold header names (HTTP tokens such as content-type or x-amz-date) or \"*\"."
  }

  validation {
    condition     = try(var.cors.max_age == null || (var.cors.max_age >= -1 && var.cors.max_age <= 86400 && floor(var.cors.max_age) == var.cors.max_age), true)
    error_message = "cors.max_age must be a whole number of seconds from -1 to 86400 (API Gateway's range)."
  }
}

variable "throttling" {
  type = object({
    burst_limit = optional(number, 50)
    rate_limit  = optional(number, 25)
  })
  description = "Stage-wide throttling: burst_limit requests at once (default 50) and rate_limit requests per second on average (default 25). Null, or an attribute left out or null, takes that default."
  default     = {}
  nullable    = false

  validation {
    condition = (
      var.throttling.burst_limit >= 1 && var.throttling.burst_limit <= 5000 && floor(var.throttling.burst_limit) == var.throttling.burst_limit &&
      var.throttling.rate_limit > 0 && var.throttling.rate_limit <= 10000
    )
    error_message = "throttling.burst_limit must be a whole number from 1 to 5000 and throttling.rate_limit a number above 0 and at most 10000."
  }
}

variable "access_log_retention_days" {
  type        = number
  description = "Retention of the API's access-log group, in days (one of the values CloudWatch Logs accepts)."
  default     = 30
  nullable    = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.access_log_retention_days)
    error_message = "access_log_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "access_log_kms_key_arn" {
  type        = string
  description = "KMS key that encrypts the access-log group. Its key policy must let the service principal logs.<region>.amazonaws.com use it (kms:Encrypt*, kms:Decrypt*, kms:ReEncrypt*, kms:GenerateDataKey*, kms:Describe*), or CloudWatch Logs refuses the group. Null (the default): CloudWatch Logs' own encryption at rest."
  default     = null

  validation {
    condition     = var.access_log_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.access_log_kms_key_arn))
    error_message = "access_log_kms_key_arn must be null or a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>)."
  }
}

variable "alarms" {
  type = object({
    server_error_rate  = optional(number, 0.01)
    client_error_rate  = optional(number, 0.1)
    period             = optional(number, 300)
    evaluation_periods = optional(number, 1)
    topic_arn          = optional(string)
    create_topic       = optional(bool, false)
    topic_kms_key_arn  = optional(string)
  })
  description = "CloudWatch alarms on the $default stage, to one SNS topic (alarm and OK actions): <name>-5xx-rate (5xx / Count above server_error_rate, default 0.01) and <name>-4xx-rate (4xx / Count above client_error_rate, default 0.1), shares of the requests summed over period seconds (60 or a multiple of 60; default 300) for evaluation_periods periods (default 1); a period without requests is not breaching. The topic is topic_arn, or, with create_topic = true, a topic <name>-alarms created here and encrypted with topic_kms_key_arn: a customer-managed key whose policy lets cloudwatch.amazonaws.com use kms:Decrypt and kms:GenerateDataKey* (CloudWatch cannot publish to a topic under the AWS-managed alias/aws/sns). Exactly one of topic_arn and create_topic. Null (the default): no alarm, no topic."
  default     = null

  validation {
    condition     = var.alarms == null || try(var.alarms.server_error_rate > 0 && var.alarms.server_error_rate <= 1 && var.alarms.client_error_rate > 0 && var.alarms.client_error_rate <= 1, false)
    error_message = "alarms.server_error_rate and alarms.client_error_rate must be shares of the requests above 0 and at most 1 (e.g. 0.01 for 1%)."
  }

  validation {
    condition     = var.alarms == null || try(var.alarms.period >= 60 && var.alarms.period % 60 == 0, false)
    error_message = "alarms.period must be a multiple of 60 seconds (API Gateway sends its metrics every minute)."
  }

  validation {
    condition     = var.alarms == null || try(var.alarms.evaluation_periods >= 1 && floor(var.alarms.evaluation_periods) == var.alarms.evaluation_periods && var.alarms.evaluation_periods * var.alarms.period <= 86400, false)
    error_message = "alarms.evaluation_periods must be a whole number, at least 1, covering at most one day (evaluation_periods * period <= 86400)."
  }

  validation {
    condition     = var.alarms == null || try((var.alarms.topic_arn != null) != var.alarms.create_topic, false)
    error_message = "alarms needs exactly one topic: topic_arn (an existing SNS topic) or create_topic = true, not both and not neither."
  }

  validation {
    condition     = try(var.alarms.topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", var.alarms.topic_arn)), true)
    error_message = "alarms.topic_arn must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic name>)."
  }

  validation {
    condition     = var.alarms == null || try(var.alarms.create_topic == (var.alarms.topic_kms_key_arn != null) && (var.alarms.topic_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.alarms.topic_kms_key_arn))), false)
    error_message = "alarms.topic_kms_key_arn is required with create_topic = true, and only then: a customer-managed KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>) whose policy lets cloudwatch.amazonaws.com use it (alias/aws/sns would silence the alarms)."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource of the module that supports tags."
  default     = {}
  nullable    = false

  # AWS's tag rules (https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html): 50 tags
  # per resource, keys of 1-128 characters, values of at most 256, the prefix aws: reserved.
  validation {
    condition     = length(var.tags) <= 50 && alltrue([for key, value in var.tags : length(key) >= 1 && length(key) <= 128 && length(value) <= 256 && !startswith(lower(key), "aws:")])
    error_message = "tags must hold at most 50 tags, each key of 1-128 characters and not starting with aws: (AWS reserves it), each value of at most 256 characters."
  }
}

variable "domain" {
  type = object({
    name                         = string
    certificate_arn              = optional(string)
    hosted_zone_id               = optional(string)
    create_alias_records         = optional(bool)
    api_mapping_key              = optional(string)
    disable_execute_api_endpoint = optional(bool, false)
    ip_address_type              = optional(string, "dualstack")
  })
  description = "Custom domain of the API (regional endpoint, security policy TLS_1_2), mapped to the $default stage: name is its FQDN (e.g. api.example.com). The certificate is certificate_arn, an existing ACM certificate in the API's region covering name, or, without it, one the module requests for name with DNS validation in hosted_zone_id (a Route 53 public zone of name's parent domain): the module writes the validation record, waits until ACM issues the certificate, and only then creates the domain. ip_address_type is who may reach the domain: \"dualstack\" (the default, as AWS recommends) IPv4 and IPv6, \"ipv4\" IPv4 only (AWS's own default for a custom domain). With hosted_zone_id the module also writes alias records for name to the domain's regional target, an A record and, when dualstack, an AAAA record, unless create_alias_records = false (then point your own DNS at the domain_target_* outputs); create_alias_records = true needs hosted_zone_id. Both certificate_arn and hosted_zone_id: the existing certificate, and the alias records in that zone. At least one of certificate_arn and hosted_zone_id. api_mapping_key (optional) serves the API under https://<name>/<key> (no leading or trailing '/', no '//'); null maps it at the root. disable_execute_api_endpoint = true (default false) turns off the default https://<api id>.execute-api... endpoint, so that only the domain serves the API. Null (the default): no domain, no certificate, no record."
  default     = null

  validation {
    condition     = var.domain == null || try(length(var.domain.name) <= 253 && can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.domain.name)), false)
    error_message = "domain.name must be a fully qualified domain name in lower case (e.g. api.example.com): labels of a-z, 0-9 and '-' (not at either end) joined by '.', no trailing dot, no wildcard, at most 253 characters."
  }

  validation {
    condition     = var.domain == null || try(var.domain.certificate_arn != null || var.domain.hosted_zone_id != null, false)
    error_message = "domain needs a certificate: certificate_arn (an existing ACM certificate for domain.name) or hosted_zone_id (the Route 53 zone in which the module validates a certificate it requests)."
  }

  validation {
    condition     = try(var.domain.certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$", var.domain.certificate_arn)), true)
    error_message = "domain.certificate_arn must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>), in the API's region."
  }

  validation {
    condition     = try(var.domain.hosted_zone_id == null || can(regex("^[A-Z0-9]{1,32}$", var.domain.hosted_zone_id)), true)
    error_message = "domain.hosted_zone_id must be a Route 53 hosted zone id (upper-case letters and digits, e.g. Z0123456789ABCDEFGHIJ), without the /hostedzone/ prefix."
  }

  validation {
    condition     = try(var.domain.create_alias_records != true || var.domain.hosted_zone_id != null, true)
    error_message = "domain.create_alias_records = true needs domain.hosted_zone_id, the zone the alias records go in (without a zone, point your DNS at the domain_target_* outputs)."
  }

  validation {
    condition     = try(contains(["dualstack", "ipv4"], var.domain.ip_address_type), true)
    error_message = "domain.ip_address_type must be \"dualstack\" (IPv4 and IPv6, the default) or \"ipv4\"."
  }

  validation {
    condition     = try(var.domain.api_mapping_key == null || (length(var.domain.api_mapping_key) <= 256 && can(regex("^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$", var.domain.api_mapping_key))), true)
    error_message = "domain.api_mapping_key must be null or a path as API Gateway accepts it: segments of letters, digits, '.', '_' and '-' joined by single '/', with no leading or trailing '/' (e.g. v1 or texts/v1)."
  }

  # ACM limits a certificate's domain name (its common name) to 64 characters
  # (https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html).
  validation {
    condition     = try(var.domain.certificate_arn != null || length(var.domain.name) <= 64, true)
    error_message = "domain.name must be at most 64 characters when the module requests its certificate (no certificate_arn): ACM refuses a longer common name. Pass certificate_arn of a certificate that covers the name as a subject alternative name."
  }
}
