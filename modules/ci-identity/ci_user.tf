# Optional: IAM users for CI systems without OIDC. A user may only assume the plan and deploy
# roles of unprotected environments (its key skips every ref rule), and only from the CI
# system's addresses (ci_user_source_cidrs, checked here and in each trust). One user for every
# unprotected environment (<prefix>-ci), or with ci_user_per_environment one per environment
# (<prefix>-ci-<env>): a key stored for dev's jobs then reaches dev only.
# Terraform never creates an access key: a key in state would be a secret in state.

locals {
  unprotected = [for env, cfg in var.environments : env if !cfg.protected]
  # user key => its name and the environments it reaches ("all": the one shared user).
  ci_users = !var.create_ci_user ? {} : var.ci_user_per_environment ? {
    for env in local.unprotected : env => { name = "${var.name_prefix}-ci-${env}", envs = [env] }
    } : {
    all = { name = "${var.name_prefix}-ci", envs = local.unprotected }
  }
  ci_user_arns = { for key, user in local.ci_users : key => "${local.iam}:user/${user.name}" }
  # env => the ARN of the user that reaches it (none for a protected environment).
  ci_user_of_env = merge({}, [for key, user in local.ci_users : { for env in user.envs : env => local.ci_user_arns[key] }]...)
}

moved {
  from = aws_iam_user.ci[0]
  to   = aws_iam_user.ci["all"]
}

moved {
  from = aws_iam_user_policy.ci[0]
  to   = aws_iam_user_policy.ci["all"]
}

resource "aws_iam_user" "ci" {
  #checkov:skip=CKV_AWS_273:the user is opt-in (create_ci_user, default false) for CI systems without OIDC; keyless OIDC roles are the default
  for_each = local.ci_users

  name = each.value.name
  tags = var.tags
}

data "aws_iam_policy_document" "ci_user" {
  for_each = local.ci_users

  statement {
    sid       = "AssumeDeployRolesFromCiAddresses"
    effect    = "Allow"
    actions   = ["sts:AssumeRole"]
    resources = flatten([for env in each.value.envs : [local.plan_arns[env], local.role_arns[env]]])

    condition {
      test     = "IpAddress"
      variable = "aws:SourceIp"
      values   = var.ci_user_source_cidrs
    }
  }
}

resource "aws_iam_user_policy" "ci" {
  #checkov:skip=CKV_AWS_40:the user's one inline policy allows only sts:AssumeRole on its environments' roles from the CI addresses; a group would add a resource and narrow nothing
  for_each = local.ci_users

  name   = "assume-deploy-roles"
  user   = aws_iam_user.ci[each.key].name
  policy = data.aws_iam_policy_document.ci_user[each.key].json
}
