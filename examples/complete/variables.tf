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

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource that supports tags."
  default     = {}
  nullable    = false
}
