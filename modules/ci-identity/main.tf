# Keyless CI: the OIDC tokens of CircleCI (the default) or of GitHub Actions (ci_provider) assume
# two roles per environment: a plan role that only reads, and the deploy role that applies.
#   trust.tf    who may assume each role: this project's origin or repository, a ref (or, on
#               GitHub, an environment), nothing a '/' or ':' can fake
#   plan.tf     the plan role: reads of its own stack and state, and its own lock object
#   deploy.tf   what each deploy role may do: its own stack's resources and state, nothing of
#               another's
#   features.tf what each optional feature of the stack (alarms, encrypted logs, custom domain,
#               access logging) adds to both roles, only where an environment turns it on
#   boundary.tf the most a role the stack creates may ever do: one boundary per environment
#   ci_user.tf  the optional IAM users for CI systems without OIDC
# Every statement is evaluated by a real IAM evaluator against an attack table (make iam).

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.id
  account   = data.aws_caller_identity.current.account_id
  iam       = "arn:${local.partition}:iam::${local.account}"

  # Only the chosen provider's inputs are read: the other branch of each conditional is never
  # evaluated, so the CircleCI ids may be null when GitHub is chosen.
  github       = var.ci_provider == "github"
  issuer       = local.github ? "token.actions.githubusercontent.com" : "oidc.circleci.com/org/${var.circleci_org_id}"
  provider_arn = coalesce(var.oidc_provider_arn, "${local.iam}:oidc-provider/${local.issuer}")
  role_arns    = { for env in keys(var.environments) : env => "${local.iam}:role/${var.name_prefix}-deploy-${env}" }
  plan_arns    = { for env in keys(var.environments) : env => "${local.iam}:role/${var.name_prefix}-plan-${env}" }

  # Each environment's roles live under the IAM path /<stack_name>/ and carry its own boundary:
  # a role elsewhere (say one an administrator named <stack>-admin) is out of the deploy role's
  # reach, and so is every other environment's role.
  role_paths = { for env, cfg in var.environments : env => "/${cfg.stack_name}/" }
  # The one role a stack creates, by its exact name (modules/lambda names it <function>-role; the
  # stack's function is <stack>-writer): role names are unique per account whatever the path, so
  # a role that could create any name under its path could take another stack's name first.
  stack_role_arns = { for env, cfg in var.environments : env => "${local.iam}:role/${cfg.stack_name}/${cfg.stack_name}-writer-role" }
  boundary_arns   = { for env in keys(var.environments) : env => "${local.iam}:policy/${var.name_prefix}-boundary-${env}" }
  log_arn         = "arn:${local.partition}:logs:${local.region}:${local.account}:log-group"
  state_arn       = "arn:${local.partition}:s3:::${var.state_bucket_name}"
  apigateway_arn  = "arn:${local.partition}:apigateway:${local.region}::"
}

resource "aws_iam_openid_connect_provider" "circleci" {
  count = var.oidc_provider_arn == null && !local.github ? 1 : 0

  url            = "https://${local.issuer}"
  client_id_list = [var.circleci_org_id]
  tags           = var.tags
}

# GitHub's issuer is one URL for every repository: an account holds one provider for it, which
# every role that trusts GitHub Actions shares (pass oidc_provider_arn when it exists already).
# The audience is AWS's, as aws-actions/configure-aws-credentials requests it.
resource "aws_iam_openid_connect_provider" "github" {
  count = var.oidc_provider_arn == null && local.github ? 1 : 0

  url            = "https://${local.issuer}"
  client_id_list = [local.github_audience]
  tags           = var.tags
}

# Bucket names are global: "<stack>-*" also names a bucket that an outsider creates in another
# account (scribe-dev-exfil). Every S3 grant of this module (roles and boundaries) therefore
# names this account as the bucket owner, s3:ResourceAccount, which AWS supplies on every S3
# action granted here (the evaluator checks that against the service authorization reference).
# A grant, not a Deny: moto ignores every condition operator but StringEquals, so a Deny on s3:*
# would refuse everything there.

# Statements both roles of an environment carry (plan.tf and deploy.tf take them in).
data "aws_iam_policy_document" "both_roles" {
  for_each = var.environments

  # Where AWS supplies an API's or stage's Stack tag, another stack's are out of reach whatever
  # else allows. It supplies none on /tags/<arn> (tags are scoped by the pinned api_id instead,
  # deploy.tf). Both conditions: a missing key makes StringNotEquals (and
  # any IfExists) true, which would deny every untagged route and every create.
  statement {
    sid       = "DenyOtherStacksApis"
    effect    = "Deny"
    actions   = ["apigateway:*"]
    resources = ["${local.apigateway_arn}/apis/*", "${local.apigateway_arn}/tags/*"]

    condition {
      test     = "Null"
      variable = "aws:ResourceTag/Stack"
      values   = ["false"]
    }

    condition {
      test     = "StringNotEquals"
      variable = "aws:ResourceTag/Stack"
      values   = [each.value.stack_name]
    }
  }

  # S3 answers a read of a missing key (the first plan of a new environment) with 403 instead
  # of 404 unless the caller may list the bucket; that check carries no s3:prefix, hence
  # IfExists. A listing that names a prefix must name this environment's key, or env:/ where
  # Terraform looks for other workspaces (it has none here: an empty answer).
  statement {
    sid       = "ListOwnState"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [local.state_arn]

    condition {
      test     = "StringEqualsIfExists"
      variable = "s3:prefix"
      values   = [each.value.state_key, "${each.value.state_key}.tflock", "env:/"]
    }

    condition {
      test     = "StringEquals"
      variable = "s3:ResourceAccount"
      values   = [local.account]
    }
  }

  # A plan or an apply holds the state lock while it runs: it writes the lock object and deletes
  # it.
  statement {
    sid       = "LockOwnState"
    effect    = "Allow"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.state_arn}/${each.value.state_key}.tflock"]

    condition {
      test     = "StringEquals"
      variable = "s3:ResourceAccount"
      values   = [local.account]
    }
  }
}
