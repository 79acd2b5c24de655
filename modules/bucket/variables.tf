variable "name" {
  type        = string
  description = "Bucket name. S3 rules: 3-63 characters of lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, no '..', not shaped like an IP address, no 'xn--' prefix and no '-s3alias' suffix (modules/lambda bucket_name and modules/ci-identity state_bucket_name check the same rule)."

  validation {
    condition = (
      length(var.name) >= 3 && length(var.name) <= 63 &&
      can(regex("^[a-z0-9][a-z0-9.-]*[a-z0-9]$", var.name)) &&
      !strcontains(var.name, "..") &&
      !can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$", var.name)) &&
      !startswith(var.name, "xn--") &&
      !endswith(var.name, "-s3alias")
    )
    error_message = "name (the bucket name) must be 3-63 characters of a-z, 0-9, '-' and '.', start and end with a letter or digit, contain no '..', not look like an IP address, and not start with 'xn--' or end with '-s3alias'."
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

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource of the module that supports tags."
  default     = {}
  nullable    = false
}
