variable "name_prefix" {
  type        = string
  description = "Prefix of the identity's own resources: roles <prefix>-deploy-<env>, policy <prefix>-boundary, user <prefix>-ci. Must not be the prefix of a stack name, so a stack's deploy role can never touch them."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-32 characters of a-z, 0-9 and '-', starting with a letter and ending with a letter or digit."
  }
}

variable "circleci_org_id" {
  type        = string
  description = "CircleCI organization id (a UUID, Organization Settings > Overview). The OIDC issuer is https://oidc.circleci.com/org/<id> and the audience is the id."

  validation {
    condition     = can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.circleci_org_id))
    error_message = "circleci_org_id must be a lower-case UUID."
  }
}

variable "circleci_project_id" {
  type        = string
  description = "CircleCI project id (a UUID, Project Settings > Overview). Only tokens of this project may assume the roles."

  validation {
    condition     = can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.circleci_project_id))
    error_message = "circleci_project_id must be a lower-case UUID."
  }
}

variable "oidc_provider_arn" {
  type        = string
  description = "ARN of an existing IAM OIDC provider for https://oidc.circleci.com/org/<org id>. Null (the default) creates one (an account can hold only one per URL)."
  default     = null

  validation {
    condition     = var.oidc_provider_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/oidc\\.circleci\\.com/org/[0-9a-f-]{36}$", var.oidc_provider_arn))
    error_message = "oidc_provider_arn must be null or the ARN of an oidc.circleci.com/org/<org id> provider."
  }
}

variable "environments" {
  type = map(object({
    stack_name = string
    vcs_ref    = optional(string, "*")
    state_key  = string
    key_prefix = optional(string, "incoming/")
  }))
  description = "One deploy role per environment. stack_name is the root's `name` (its resources are named <stack_name>-*); vcs_ref binds the role to a git ref of the CircleCI OIDC v2 subject (\"refs/heads/main\" for prod; \"*\" = any); state_key is the environment's key in the state bucket; the smoke test may read <key_prefix>smoke/* only."

  validation {
    condition     = length(var.environments) > 0 && alltrue([for env, cfg in var.environments : can(regex("^[a-z][a-z0-9]{0,15}$", env))])
    error_message = "environments must hold at least one environment, each named with 1-16 characters of a-z and 0-9 (starting with a letter)."
  }

  validation {
    condition     = alltrue([for cfg in values(var.environments) : can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", cfg.stack_name))])
    error_message = "Each stack_name must be a valid stack name (3-32 characters of a-z, 0-9 and '-')."
  }

  validation {
    condition     = alltrue([for cfg in values(var.environments) : cfg.vcs_ref == "*" || can(regex("^refs/(heads|tags)/[A-Za-z0-9._/*-]+$", cfg.vcs_ref))])
    error_message = "Each vcs_ref must be \"*\" or a git ref such as refs/heads/main or refs/tags/v*."
  }

  validation {
    condition     = alltrue([for cfg in values(var.environments) : can(regex("^[A-Za-z0-9._/-]+\\.tfstate$", cfg.state_key)) && !startswith(cfg.state_key, "/")])
    error_message = "Each state_key must be a relative S3 key ending in .tfstate, e.g. scribe/dev.tfstate."
  }

  validation {
    condition     = length(distinct([for cfg in values(var.environments) : cfg.state_key])) == length(var.environments)
    error_message = "Each environment needs its own state_key."
  }
}

variable "state_bucket_name" {
  type        = string
  description = "Bucket that holds the Terraform states (see bootstrap/). Each role may read and write only its own state key and lock file."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_bucket_name))
    error_message = "state_bucket_name must be a valid S3 bucket name."
  }
}

variable "create_ci_user" {
  type        = bool
  description = "Also create an IAM user <prefix>-ci whose only permission is sts:AssumeRole on the deploy roles (for CI systems without OIDC). Terraform never creates its access key: an admin does, outside Terraform state."
  default     = false
}

variable "max_session_duration" {
  type        = number
  description = "Longest session, in seconds, that a deploy role hands out (3600-43200)."
  default     = 3600

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200 && floor(var.max_session_duration) == var.max_session_duration
    error_message = "max_session_duration must be a whole number of seconds between 3600 and 43200."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource of the module that supports tags."
  default     = {}
}
