variable "region" {
  type        = string
  description = "AWS region of the state bucket and of the stacks the deploy roles manage."

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

variable "state_bucket_name" {
  type        = string
  description = "Name of the bucket that will hold every environment's Terraform state (globally unique)."
}

variable "enforce_tls" {
  type        = bool
  description = "TLS-only policy on the state bucket. Keep it on: false is INSECURE and only for emulators (moto) that cannot evaluate aws:SecureTransport."
  default     = true
}

variable "name_prefix" {
  type        = string
  description = "Prefix of the CI identity's resources (deploy roles, boundary, optional user)."
  default     = "scribe-ci"
}

variable "circleci_org_id" {
  type        = string
  description = "CircleCI organization id (UUID)."
}

variable "circleci_project_id" {
  type        = string
  description = "CircleCI project id (UUID)."
}

variable "oidc_provider_arn" {
  type        = string
  description = "Existing CircleCI OIDC provider of the account, if any (null creates it)."
  default     = null
}

variable "environments" {
  type = map(object({
    stack_name = string
    vcs_ref    = optional(string, "*")
    state_key  = string
    key_prefix = optional(string, "incoming/")
  }))
  description = "Environments deployed from CircleCI: the stack name, the git ref allowed to deploy, the state key."
}

variable "create_ci_user" {
  type        = bool
  description = "Also create an IAM user that may only assume the deploy roles (no access key is created)."
  default     = false
}

variable "max_session_duration" {
  type        = number
  description = "Longest deploy-role session, in seconds."
  default     = 3600
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = {}
}
