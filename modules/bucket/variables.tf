variable "name" {
  type        = string
  description = "Bucket name. S3 rules: 3-63 characters of lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, no '..', not shaped like an IP address, none of the prefixes (xn--, sthree-, amzn-s3-demo-) and suffixes (-s3alias, --ol-s3, .mrap, --x-s3, --table-s3, -an) S3 reserves (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html; modules/lambda bucket_name and modules/ci-identity state_bucket_name check the same rule)."

  validation {
    condition = (
      length(var.name) >= 3 && length(var.name) <= 63 &&
      can(regex("^[a-z0-9][a-z0-9.-]*[a-z0-9]$", var.name)) &&
      !strcontains(var.name, "..") &&
      !can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$", var.name)) &&
      !can(regex("^(xn--|sthree-|amzn-s3-demo-)", var.name)) &&
      !can(regex("(-s3alias|--ol-s3|\\.mrap|--x-s3|--table-s3|-an)$", var.name))
    )
    error_message = "name (the bucket name) must be 3-63 characters of a-z, 0-9, '-' and '.', start and end with a letter or digit, contain no '..', not look like an IP address, not start with a prefix S3 reserves (xn--, sthree-, amzn-s3-demo-) and not end with a suffix it reserves (-s3alias, --ol-s3, .mrap, --x-s3, --table-s3, -an)."
  }
}

variable "force_destroy" {
  type        = bool
  description = "Let `terraform destroy` delete the bucket with every object and version in it. Convenient for throw-away environments; keep it false where the data matters."
  default     = false
  nullable    = false
}

variable "kms_key_arn" {
  type        = string
  description = "ARN of a customer-managed KMS key for SSE-KMS (with an S3 bucket key). Null (the default) uses SSE-S3 (AES256)."
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be null or a KMS key ARN like arn:aws:kms:eu-west-1:123456789012:key/<key id>."
  }
}

variable "enforce_tls" {
  type        = bool
  description = "Attach a bucket policy that denies every request made without TLS (aws:SecureTransport = false). On by default. Turning it off is INSECURE and only meant for emulators such as moto that cannot evaluate the condition."
  default     = true
  nullable    = false
}

variable "noncurrent_version_expiration_days" {
  type        = number
  description = "Days after which versions replaced by an overwrite are deleted. Null (the default) keeps every version forever."
  default     = null

  validation {
    condition     = var.noncurrent_version_expiration_days == null || try(var.noncurrent_version_expiration_days >= 1 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days, false)
    error_message = "noncurrent_version_expiration_days must be null or a whole number of days, at least 1."
  }
}

variable "access_logging" {
  type = object({
    target_bucket = string
    target_prefix = optional(string, "")
  })
  description = "Server access logs of this bucket, delivered by S3 to target_bucket (an existing bucket of the same account and region, encrypted with SSE-S3 as S3's server access logging guide asks) under target_prefix (empty, or ending in '/', e.g. \"s3/texts/\"). The target's bucket policy must let logging.s3.amazonaws.com put objects there: a bucket of this module does with log_delivery. Null (the default): no access logs."
  default     = null

  validation {
    condition = var.access_logging == null || try(
      length(var.access_logging.target_bucket) >= 3 && length(var.access_logging.target_bucket) <= 63 &&
      can(regex("^[a-z0-9][a-z0-9.-]*[a-z0-9]$", var.access_logging.target_bucket)) &&
      (var.access_logging.target_prefix == "" || can(regex("^[A-Za-z0-9!_.*'()/-]{0,511}/$", var.access_logging.target_prefix))),
      false
    )
    error_message = "access_logging.target_bucket must be a bucket name (3-63 characters of a-z, 0-9, '-' and '.') and access_logging.target_prefix empty or a key prefix ending in '/'."
  }

  validation {
    condition     = try(var.access_logging.target_bucket != var.name, true)
    error_message = "access_logging.target_bucket must be another bucket: a bucket logging into itself logs its own log deliveries without end."
  }
}

variable "log_delivery" {
  type = object({
    source_bucket_arns = list(string)
    target_prefix      = optional(string, "")
  })
  description = "Make this bucket a target of server access logs: its policy lets the S3 logging service (logging.s3.amazonaws.com) put objects under target_prefix (empty, or ending in '/'), only for the source buckets listed (ARNs, '*' wildcards allowed) of this account. Keep such a bucket on SSE-S3 (kms_key_arn null): S3's server access logging guide documents default encryption of a target bucket with SSE-S3 only. Null (the default): no such permission."
  default     = null

  validation {
    condition = var.log_delivery == null || try(
      length(var.log_delivery.source_bucket_arns) > 0 &&
      alltrue([for arn in var.log_delivery.source_bucket_arns : can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9*?][a-z0-9.*?-]*$", arn))]) &&
      (var.log_delivery.target_prefix == "" || can(regex("^[A-Za-z0-9!_.*'()/-]{0,511}/$", var.log_delivery.target_prefix))),
      false
    )
    error_message = "log_delivery.source_bucket_arns must list at least one bucket ARN (arn:aws:s3:::<bucket>, no key) and log_delivery.target_prefix must be empty or a key prefix ending in '/'."
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
