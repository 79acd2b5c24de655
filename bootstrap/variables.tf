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
  nullable    = false
}

variable "name_prefix" {
  type        = string
  description = "Prefix of the CI identity's resources (plan and deploy roles, boundary, optional user)."
  default     = "scribe-ci"
  nullable    = false
}

variable "ci_provider" {
  type        = string
  description = "CI system whose OIDC tokens may deploy: \"circleci\" (CircleCI, the default) or \"github\" (GitHub Actions)."
  default     = "circleci"
  nullable    = false
}

variable "circleci_org_id" {
  type        = string
  description = "CircleCI organization id (UUID). Required with ci_provider circleci, left out with github."
  default     = null
}

variable "circleci_project_id" {
  type        = string
  description = "CircleCI project id (UUID). Required with ci_provider circleci, left out with github."
  default     = null
}

variable "vcs_origin" {
  type        = string
  description = "The repository CircleCI builds, <host>/<owner>/<repo> (e.g. github.com/acme/scribe): only its builds may deploy. Required with ci_provider circleci, left out with github."
  default     = null
}

variable "github_repository" {
  type        = string
  description = "With ci_provider github: the repository whose workflows may deploy, <owner>/<repo> (e.g. acme/scribe)."
  default     = null
}

variable "oidc_provider_arn" {
  type        = string
  description = "Existing OIDC provider of the chosen CI system in the account, if any (null creates it)."
  default     = null
}

variable "environments" {
  type = map(object({
    stack_name  = string
    vcs_ref     = optional(string)
    state_key   = string
    key_prefix  = optional(string)
    api_id      = optional(string)
    kms_key_arn = optional(string)
    tracing     = optional(bool)
    protected   = optional(bool)

    alarms = optional(object({
      create_topic = optional(bool)
      topic_arns   = optional(list(string))
    }))
    log_kms_key_arns = optional(list(string))
    domain = optional(object({
      name           = string
      hosted_zone_id = string
    }))
    access_log_bucket = optional(string)

    github_subject      = optional(string)
    github_environments = optional(list(string))
  }))
  description = "Environments deployed from CI (this account's only, in the account-per-environment layout): the stack name, the git ref allowed to deploy, the state key, and once known the HTTP API id and the bucket's KMS key; tracing when the stack turns X-Ray on; alarms, log_kms_key_arns, domain and access_log_bucket when the stack turns those features on (each adds its grants to that environment's roles only); protected for an environment whose deploy role only the approved job may assume (prod); with GitHub, the subject the role trusts (\"ref\" or \"environment\") and the GitHub environments (modules/ci-identity explains each). vcs_ref, key_prefix, tracing and github_subject left out (or null) take the module's defaults, refs/heads/*, incoming/, false, false and ref (environment where protected)."
}

variable "circleci_release_user_ids" {
  type        = list(string)
  description = "CircleCI: the release managers' user ids, the only users whose pipelines may assume a protected environment's deploy role (modules/ci-identity explains)."
  default     = []
  nullable    = false
}

variable "github_workflow_ref" {
  type        = string
  description = "GitHub Actions: the job_workflow_ref of the only workflow that may assume a protected environment's roles (null: <repository>/.github/workflows/deploy.yml@refs/heads/main)."
  default     = null
}

variable "block_public_access_for_account" {
  type        = bool
  description = "Turn on S3 Block Public Access for the whole account (all four settings): a deploy role that writes a public policy or ACL on its bucket is refused by S3. false leaves the account setting to whoever manages it elsewhere (one setting per account): INSECURE when nobody does."
  default     = true
  nullable    = false
}

variable "create_apigateway_service_linked_role" {
  type        = bool
  description = "Create API Gateway's service-linked role (AWSServiceRoleForAPIGateway, for custom domains and VPC links) here, so that no CI role needs iam:CreateServiceLinkedRole. false when the account has it already (creating it again fails)."
  default     = true
  nullable    = false
}

variable "create_ci_user" {
  type        = bool
  description = "Also create an IAM user that may only assume the plan and deploy roles, from ci_user_source_cidrs (no access key is created)."
  default     = false
  nullable    = false
}

variable "ci_user_per_environment" {
  type        = bool
  description = "With create_ci_user: one IAM user per unprotected environment (<name_prefix>-ci-<env>, reaching only that environment's roles) instead of one for all."
  default     = false
  nullable    = false
}

variable "ci_user_source_cidrs" {
  type        = list(string)
  description = "The CI system's egress CIDRs: the only addresses the IAM user's key works from. Required with create_ci_user."
  default     = []
  nullable    = false
}

variable "max_session_duration" {
  type        = number
  description = "Longest deploy-role session, in seconds."
  default     = 3600
  nullable    = false
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = {}
  nullable    = false
}
