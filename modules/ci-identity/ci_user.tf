# Optional: an IAM user for CI systems without OIDC. It may only assume the plan and deploy roles of
# the unprotected environments (its key skips every ref rule), and only from the CI system's
# addresses (ci_user_source_cidrs, checked here and in each trust).
# Terraform never creates its access key: a key in state would be a secret in state.

resource "aws_iam_user" "ci" {
  count = var.create_ci_user ? 1 : 0

  name = "${var.name_prefix}-ci"
  tags = var.tags
}

data "aws_iam_policy_document" "ci_user" {
  count = var.create_ci_user ? 1 : 0

  statement {
    sid       = "AssumeDeployRolesFromCiAddresses"
    effect    = "Allow"
    actions   = ["sts:AssumeRole"]
    resources = flatten([for env, cfg in var.environments : cfg.protected ? [] : [local.plan_arns[env], local.role_arns[env]]])

    condition {
      test     = "IpAddress"
      variable = "aws:SourceIp"
      values   = var.ci_user_source_cidrs
    }
  }
}

resource "aws_iam_user_policy" "ci" {
  count = var.create_ci_user ? 1 : 0

  name   = "assume-deploy-roles"
  user   = aws_iam_user.ci[0].name
  policy = data.aws_iam_policy_document.ci_user[0].json
}
