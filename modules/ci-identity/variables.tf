variable "name_prefix" {
  type        = string
  description = "Prefix of the identity's own resources: roles <prefix>-plan-<env> and <prefix>-deploy-<env>, policy <prefix>-boundary, user <prefix>-ci. Must not be the prefix of a stack name, so a stack's deploy role can never touch them."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-32 characters of a-z, 0-9 and '-', starting with a letter and ending with a letter or digit."
  }
}

variable "ci_provider" {
  type        = string
  description = "The CI system whose OIDC tokens may assume the plan and deploy roles: \"circleci\" (the default; circleci_org_id, circleci_project_id and vcs_origin are then required) or \"github\" (GitHub Actions; github_repository is then required and the CircleCI inputs must be left null)."
  default     = "circleci"
  nullable    = false

  validation {
    condition     = contains(["circleci", "github"], var.ci_provider)
    error_message = "ci_provider must be \"circleci\" or \"github\"."
  }
}

variable "circleci_org_id" {
  type        = string
  description = "CircleCI organization id (a UUID, Organization Settings > Overview). The OIDC issuer is https://oidc.circleci.com/org/<id> and the audience is the id. Required with ci_provider circleci, null with github."
  default     = null

  validation {
    condition     = (var.circleci_org_id != null) == (var.ci_provider == "circleci")
    error_message = "circleci_org_id is required when ci_provider is circleci and must be null when it is github."
  }

  validation {
    condition     = var.circleci_org_id == null || can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.circleci_org_id))
    error_message = "circleci_org_id must be a lower-case UUID."
  }
}

variable "circleci_project_id" {
  type        = string
  description = "CircleCI project id (a UUID, Project Settings > Overview). Only tokens of this project may assume the roles. Required with ci_provider circleci, null with github."
  default     = null

  validation {
    condition     = (var.circleci_project_id != null) == (var.ci_provider == "circleci")
    error_message = "circleci_project_id is required when ci_provider is circleci and must be null when it is github."
  }

  validation {
    condition     = var.circleci_project_id == null || can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.circleci_project_id))
    error_message = "circleci_project_id must be a lower-case UUID."
  }
}

variable "vcs_origin" {
  type        = string
  description = "The repository CircleCI builds, as the OIDC V2 subject names it: <host>/<owner>/<repo>, e.g. github.com/acme/scribe. Only builds of this origin may assume the roles; a fork's build carries the fork's origin and is refused. Required with ci_provider circleci, null with github (github_repository names the repository there)."
  default     = null

  validation {
    condition     = (var.vcs_origin != null) == (var.ci_provider == "circleci")
    error_message = "vcs_origin is required when ci_provider is circleci and must be null when it is github (set github_repository instead)."
  }

  validation {
    condition     = var.vcs_origin == null || can(regex("^[a-z0-9][a-z0-9.-]*\\.[a-z]{2,}(/[A-Za-z0-9_.-]+){2,}$", var.vcs_origin))
    error_message = "vcs_origin must be <host>/<owner>/<repo> such as github.com/acme/scribe, with no wildcard."
  }
}

variable "github_repository" {
  type        = string
  description = "With ci_provider github: the repository whose GitHub Actions workflows may assume the roles, <owner>/<repo> as GitHub spells it (e.g. acme/scribe; the subject compares it case-sensitively). Only its tokens match: another repository, a fork, a repository whose name extends this one (acme/scribe-fork) and pull requests are refused. Null with circleci."
  default     = null

  validation {
    condition     = (var.github_repository != null) == (var.ci_provider == "github")
    error_message = "github_repository is required when ci_provider is github and must be null when it is circleci."
  }

  validation {
    condition     = var.github_repository == null || can(regex("^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$", var.github_repository)) && !can(regex("/\\.{1,2}$", var.github_repository))
    error_message = "github_repository must be <owner>/<repo> such as acme/scribe: an owner of letters, digits and '-', a repository name of letters, digits, '.', '_' and '-', with no wildcard and no ':'."
  }
}

variable "oidc_provider_arn" {
  type        = string
  description = "ARN of an existing IAM OIDC provider of the chosen CI system: https://oidc.circleci.com/org/<org id> (circleci) or https://token.actions.githubusercontent.com (github). Null (the default) creates one (an account can hold only one per URL)."
  default     = null

  validation {
    condition = var.oidc_provider_arn == null || can(regex(
      var.ci_provider == "github" ? "^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/token\\.actions\\.githubusercontent\\.com$" : "^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/oidc\\.circleci\\.com/org/[0-9a-f-]{36}$",
      var.oidc_provider_arn
    ))
    error_message = "oidc_provider_arn must be null or the ARN of the chosen CI system's provider: oidc.circleci.com/org/<org id> (circleci) or token.actions.githubusercontent.com (github)."
  }
}

variable "environments" {
  type = map(object({
    stack_name  = string
    vcs_ref     = optional(string, "refs/heads/*")
    state_key   = string
    key_prefix  = optional(string, "incoming/")
    api_id      = optional(string)
    kms_key_arn = optional(string)
    tracing     = optional(bool, false)

    alarms = optional(object({
      create_topic = optional(bool, false)
      topic_arns   = optional(list(string), [])
    }))
    log_kms_key_arns = optional(list(string), [])
    domain = optional(object({
      name           = string
      hosted_zone_id = string
    }))
    access_log_bucket = optional(string)

    protected = optional(bool, false)

    github_subject      = optional(string)
    github_environments = optional(list(string))
  }))
  description = <<-EOT
    One plan role and one deploy role per environment. stack_name is the stack root's `name` (its resources are named <stack_name>-*, its roles live under the IAM path /<stack_name>/); vcs_ref is the git ref allowed to deploy, exact ("refs/heads/main" for prod) or ending in one '*' ("refs/heads/*", the default: any branch, no tag, no pull-request ref); state_key is the environment's key in the state bucket; key_prefix is the writer's key prefix (the smoke test reads <key_prefix>smoke/* only). api_id names the environment's HTTP API (`make create-api` creates it and prints the id): the roles reach that one API and everything below it (stages, routes, integrations, smoke invocations), and no API at all while api_id is null, since routes and integrations carry no tags IAM could check (docs/deploying.md: why the administrator creates the API). kms_key_arn names the bucket's SSE-KMS key, the only key the stack's roles may use. tracing (default false) lets the stack's roles upload X-Ray traces: set it when the stack sets writer.tracing_mode, whose trace uploads the boundary otherwise denies. The stack's optional features, each granted only where set (modules/ci-identity/features.tf; README: what each adds): alarms when the stack sets writer.alarms or api.alarms (create_topic when either creates its topic, named <stack_name>-*; topic_arns the topics outside the stack its alarms may notify, besides <stack_name>-*); log_kms_key_arns the keys of writer.log_kms_key_arn and api.access_log_kms_key_arn; domain the name and Route 53 zone of api.domain (a DNS-validated certificate and alias records in that zone); access_log_bucket the log bucket of bucket.access_logging (not the stack's: its name may not start with <stack_name>-). protected (default false) gates the environment's deploy role by what AWS can check: with ci_provider github only a job that names the environment's GitHub environment (github_environments) in the workflow github_workflow_ref; with circleci only the pipelines that circleci_release_user_ids trigger on vcs_ref, which must then be exact (refs/heads/main). Its plan role still trusts every job of vcs_ref, and the CI user reaches neither role. With ci_provider github, github_subject chooses the token subject an unprotected environment's roles trust: "ref" (the default: repo:<owner>/<repo>:ref:<vcs_ref>, for jobs that name no GitHub environment) or "environment" (repo:<owner>/<repo>:environment:<name> for each name of github_environments, default [<the environment's key>]: only jobs that name one of those GitHub environments, whose protection rules GitHub enforces first; vcs_ref is then unused). A protected environment's deploy role always trusts the environment subject.
  EOT

  validation {
    condition     = length(var.environments) > 0 && alltrue([for env, cfg in var.environments : can(regex("^[a-z][a-z0-9]{0,15}$", env))])
    error_message = "environments must hold at least one environment, each named with 1-16 characters of a-z and 0-9 (starting with a letter)."
  }

  validation {
    condition     = alltrue([for cfg in values(var.environments) : can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", cfg.stack_name))])
    error_message = "Each stack_name must be a valid stack name (3-32 characters of a-z, 0-9 and '-')."
  }

  validation {
    condition     = alltrue([for cfg in values(var.environments) : can(regex("^refs/(heads|tags)/([A-Za-z0-9._/-]+|[A-Za-z0-9._/-]*\\*)$", cfg.vcs_ref))])
    error_message = "Each vcs_ref must be a branch or tag ref, exact (refs/heads/main) or with one trailing '*' (refs/heads/*, refs/tags/v*); '?' and inner '*' are refused."
  }

  validation {
    condition     = alltrue([for cfg in values(var.environments) : can(regex("^[A-Za-z0-9._/-]+\\.tfstate$", cfg.state_key)) && !startswith(cfg.state_key, "/")])
    error_message = "Each state_key must be a relative S3 key ending in .tfstate, e.g. scribe/dev.tfstate."
  }

  validation {
    condition     = length(distinct([for cfg in values(var.environments) : cfg.state_key])) == length(var.environments)
    error_message = "Each environment needs its own state_key."
  }

  validation {
    condition     = alltrue([for cfg in values(var.environments) : can(regex("^([A-Za-z0-9!_.'()-]+/)*$", cfg.key_prefix))])
    error_message = "Each key_prefix must be empty or end with '/', without '*' or '?' (it is part of an IAM resource ARN)."
  }

  validation {
    condition     = alltrue([for cfg in values(var.environments) : cfg.api_id == null || can(regex("^[a-z0-9]{10}$", cfg.api_id))])
    error_message = "Each api_id must be null or an HTTP API id: 10 characters of a-z and 0-9."
  }

  validation {
    condition     = alltrue([for cfg in values(var.environments) : cfg.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/([0-9a-f-]{36}|mrk-[0-9a-f]{32})$", cfg.kms_key_arn))])
    error_message = "Each kms_key_arn must be null or a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>)."
  }

  validation {
    condition = alltrue([for cfg in values(var.environments) : cfg.alarms == null || alltrue([
      for arn in try(cfg.alarms.topic_arns, []) : can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", arn))
    ])])
    error_message = "Each alarms.topic_arns must list SNS topic ARNs (arn:aws:sns:<region>:<account>:<topic>), without wildcards."
  }

  validation {
    condition = alltrue([for cfg in values(var.environments) : alltrue([
      for arn in cfg.log_kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/([0-9a-f-]{36}|mrk-[0-9a-f]{32})$", arn))
    ])])
    error_message = "Each log_kms_key_arns must list KMS key ARNs (arn:aws:kms:<region>:<account>:key/<key id>), not aliases."
  }

  validation {
    condition = alltrue([for cfg in values(var.environments) : cfg.domain == null || (
      can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", try(cfg.domain.name, ""))) &&
      can(regex("^[A-Z0-9]{1,32}$", try(cfg.domain.hosted_zone_id, "")))
    )])
    error_message = "Each domain must name one lower-case DNS name without wildcard (texts.example.com) and the id of the Route 53 hosted zone that holds it (upper-case letters and digits, e.g. Z0123456789EXAMPLE0, without /hostedzone/)."
  }

  validation {
    condition = alltrue([for cfg in values(var.environments) : cfg.access_log_bucket == null || (
      can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", coalesce(cfg.access_log_bucket, "x"))) &&
      !startswith(coalesce(cfg.access_log_bucket, "x"), "${cfg.stack_name}-")
    )])
    error_message = "Each access_log_bucket must be null or a bucket name that is not the stack's own (not <stack_name>-*): the deploy role may not reach the log bucket."
  }

  validation {
    condition     = alltrue([for cfg in values(var.environments) : cfg.github_subject == null || contains(["ref", "environment"], coalesce(cfg.github_subject, "ref"))])
    error_message = "Each github_subject must be null, \"ref\" or \"environment\"."
  }

  validation {
    condition     = alltrue([for cfg in values(var.environments) : !(cfg.protected && cfg.github_subject == "ref")])
    error_message = "A protected environment's deploy role trusts only jobs of its GitHub environment: leave github_subject unset (or \"environment\") where protected is true."
  }

  validation {
    condition     = alltrue([for cfg in values(var.environments) : !cfg.protected || !endswith(cfg.vcs_ref, "*")])
    error_message = "A protected environment deploys from one ref: set its vcs_ref exactly, e.g. \"refs/heads/main\"."
  }

  validation {
    condition     = var.ci_provider == "github" || alltrue([for cfg in values(var.environments) : cfg.github_subject == null && cfg.github_environments == null])
    error_message = "github_subject \"environment\" and github_environments need ci_provider github (CircleCI tokens name no GitHub environment)."
  }

  validation {
    condition     = alltrue([for cfg in values(var.environments) : cfg.github_environments == null || cfg.github_subject == "environment" || (cfg.protected && cfg.github_subject == null)])
    error_message = "github_environments is used only with github_subject \"environment\" or by a protected environment: set both, or neither."
  }

  # GitHub environment names go into the subject verbatim: no wildcard, no ':' (GitHub sends it as
  # %3A), nothing a StringEquals could read otherwise.
  validation {
    condition = alltrue([for cfg in values(var.environments) : cfg.github_environments == null || (
      length(coalesce(cfg.github_environments, ["x"])) > 0 &&
      alltrue([for name in coalesce(cfg.github_environments, ["x"]) : can(regex("^[A-Za-z0-9._-]{1,255}$", name))])
    )])
    error_message = "Each github_environments must be null or a non-empty list of GitHub environment names of letters, digits, '.', '_' and '-' (no wildcard, no ':')."
  }

  # A stack's deploy role reaches every name <stack_name>-*: no stack name may cover another's.
  validation {
    condition = alltrue(flatten([for a, x in var.environments : [for b, y in var.environments :
    a == b || !startswith("${y.stack_name}-", "${x.stack_name}-")]]))
    error_message = "Stack names overlap: a stack_name equal to another or followed by '-' at the start of another (scribe and scribe-prod) would let one environment's role manage the other's resources."
  }

  validation {
    condition = alltrue([for cfg in values(var.environments) :
    !startswith("${var.name_prefix}-", "${cfg.stack_name}-") && !startswith("${cfg.stack_name}-", "${var.name_prefix}-")])
    error_message = "A stack_name and name_prefix overlap (one is the other followed by '-'): the stack's deploy role would reach the CI identity's own roles and policies."
  }

  validation {
    condition     = alltrue([for cfg in values(var.environments) : !startswith(var.state_bucket_name, "${cfg.stack_name}-")])
    error_message = "The state bucket's name starts with a stack_name followed by '-': that stack's deploy role would manage the state bucket. Rename one."
  }
}

variable "state_bucket_name" {
  type        = string
  description = "Bucket that holds the Terraform states (see bootstrap/). Each role may read and write only its own state key and lock file. Checked with the S3 naming rule of modules/bucket's name."

  validation {
    condition = (
      length(var.state_bucket_name) >= 3 && length(var.state_bucket_name) <= 63 &&
      can(regex("^[a-z0-9][a-z0-9.-]*[a-z0-9]$", var.state_bucket_name)) &&
      !strcontains(var.state_bucket_name, "..") &&
      !can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$", var.state_bucket_name)) &&
      !can(regex("^(xn--|sthree-|amzn-s3-demo-)", var.state_bucket_name)) &&
      !can(regex("(-s3alias|--ol-s3|\\.mrap|--x-s3|--table-s3|-an)$", var.state_bucket_name))
    )
    error_message = "state_bucket_name must be 3-63 characters of a-z, 0-9, '-' and '.', start and end with a letter or digit, contain no '..', not look like an IP address, not start with a prefix S3 reserves (xn--, sthree-, amzn-s3-demo-) and not end with a suffix it reserves (-s3alias, --ol-s3, .mrap, --x-s3, --table-s3, -an)."
  }
}

variable "circleci_release_user_ids" {
  type        = list(string)
  description = "With ci_provider circleci: the CircleCI user ids (UUIDs, the user/<id> of the OIDC subject: who triggered the pipeline or re-ran the job) of the release managers, the only users whose pipelines on vcs_ref may assume a protected environment's deploy role. Required when an environment is protected; empty with github."
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for id in var.circleci_release_user_ids : can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", id))])
    error_message = "Each circleci_release_user_ids entry must be a lower-case UUID (a CircleCI user id)."
  }

  validation {
    condition     = var.ci_provider == "circleci" || length(var.circleci_release_user_ids) == 0
    error_message = "circleci_release_user_ids is for ci_provider circleci: with github, a protected environment is gated by its GitHub environment."
  }

  validation {
    condition     = var.ci_provider != "circleci" || length(var.circleci_release_user_ids) > 0 || !anytrue([for cfg in values(var.environments) : cfg.protected])
    error_message = "A protected environment needs circleci_release_user_ids: CircleCI tokens carry no approval, so AWS can gate the deploy role only by who triggered the pipeline."
  }
}

variable "github_workflow_ref" {
  type        = string
  description = "With ci_provider github: the job_workflow_ref claim (<owner>/<repo>/<workflow path>@<ref>) of the only workflow whose jobs may assume a protected environment's roles. Null (the default) means <github_repository>/.github/workflows/deploy.yml@refs/heads/main. Must be null with circleci."
  default     = null

  validation {
    condition     = var.github_workflow_ref == null || var.ci_provider == "github"
    error_message = "github_workflow_ref is for ci_provider github; leave it null with circleci."
  }

  validation {
    condition = var.github_workflow_ref == null || (
      startswith(coalesce(var.github_workflow_ref, "-"), "${coalesce(var.github_repository, "-")}/.github/workflows/") &&
      can(regex("^[^*?:]+/\\.github/workflows/[A-Za-z0-9._/-]+\\.ya?ml@refs/(heads|tags)/[A-Za-z0-9._/-]+$", var.github_workflow_ref))
    )
    error_message = "github_workflow_ref must be <github_repository>/.github/workflows/<file>.yml@refs/heads/<branch> (or @refs/tags/<tag>), with no wildcard."
  }
}

variable "create_ci_user" {
  type        = bool
  description = "Also create an IAM user <prefix>-ci whose only permission is sts:AssumeRole on the plan and deploy roles of the unprotected environments, from ci_user_source_cidrs only (for CI systems without OIDC). Terraform never creates its access key: an admin does, outside Terraform state."
  default     = false
  nullable    = false

  validation {
    condition     = !var.create_ci_user || !alltrue([for cfg in values(var.environments) : cfg.protected])
    error_message = "create_ci_user with every environment protected: the CI user never reaches a protected environment, so it would reach nothing. Leave create_ci_user false."
  }
}

variable "ci_user_per_environment" {
  type        = bool
  description = "With create_ci_user: one IAM user per unprotected environment (<prefix>-ci-<env>, reaching only that environment's roles) instead of one user for all of them. Store each key only where that environment's jobs run."
  default     = false
  nullable    = false
}

variable "ci_user_source_cidrs" {
  type        = list(string)
  description = "The CI system's egress addresses (CIDRs). The IAM user's key works only from these (aws:SourceIp, in its policy and in every role's trust): a leaked key is useless elsewhere. Required when create_ci_user is true."
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for cidr in var.ci_user_source_cidrs : can(cidrhost(cidr, 0)) && !contains(["0.0.0.0/0", "::/0"], cidr)])
    error_message = "Each ci_user_source_cidrs entry must be a CIDR such as 203.0.113.0/24, and not 0.0.0.0/0 or ::/0."
  }

  validation {
    condition     = !var.create_ci_user || length(var.ci_user_source_cidrs) > 0
    error_message = "create_ci_user needs ci_user_source_cidrs: the addresses the CI system calls AWS from."
  }

}

variable "max_session_duration" {
  type        = number
  description = "Longest session, in seconds, that a plan or deploy role hands out (3600-43200)."
  default     = 3600
  nullable    = false

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200 && floor(var.max_session_duration) == var.max_session_duration
    error_message = "max_session_duration must be a whole number of seconds between 3600 and 43200."
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
