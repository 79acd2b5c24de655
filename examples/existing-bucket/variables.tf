variable "name" {
  type        = string
  description = "Name prefix of the writer function, its role and the HTTP API."
  default     = "scribe-existing"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name))
    error_message = "name must be 3-32 characters of a-z, 0-9 and '-', starting with a letter."
  }
}

variable "region" {
  type        = string
  description = "AWS region of the bucket (the function must run in the same region)."
}

variable "bucket_name" {
  type        = string
  description = "Name of the existing bucket the texts go to. Its bucket policy must not deny the writer's role s3:PutObject under key_prefix."
}

variable "bucket_kms_key_arn" {
  type        = string
  description = "ARN of the KMS key of the bucket's default SSE-KMS encryption, so the role may use it. Null when the bucket uses SSE-S3."
  default     = null
}

variable "key_prefix" {
  type        = string
  description = "Prefix the texts are stored under, '/'-terminated, e.g. \"scribe/\". Keeps the writer away from the rest of the bucket."
  default     = "scribe/"
  nullable    = false
}

variable "authorization_type" {
  type        = string
  description = "AWS_IAM (default: SigV4-signed callers), or NONE for a PUBLIC API (insecure: anyone with the URL writes into the bucket)."
  default     = "AWS_IAM"
  nullable    = false

  validation {
    condition     = contains(["AWS_IAM", "NONE"], var.authorization_type)
    error_message = "authorization_type must be AWS_IAM or NONE (JWT: use modules/api directly with jwt_authorizer)."
  }
}

variable "package_path" {
  type        = string
  description = "Path of the Lambda zip built from the same release (`make package` in a checkout of the tag)."
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource that supports tags."
  default     = {}
  nullable    = false
}
