# What each plan role may do: read its own stack's resources (the same names and tags that scope
# the deploy role), read its own state key and take and release that key's lock. Nothing else:
# no write to AWS and no write to the state, so a job that only plans (every branch's plan-dev,
# plan-prod before the approval) holds no credential that can change an environment.

locals {
  # What a plan reads of each kind of the stack's resources (the pipeline test records it): the
  # plan role's grant, and the read part of the deploy role's, whose applies refresh the same
  # (deploy.tf adds the reads only applies and destroys make, and the writes).
  stack_reads = {
    bucket = [
      "s3:ListBucket", "s3:GetBucket*", "s3:GetAccelerateConfiguration",
      "s3:GetLifecycleConfiguration", "s3:GetReplicationConfiguration",
      "s3:GetEncryptionConfiguration",
    ]
    function  = ["lambda:GetFunction", "lambda:GetFunctionCodeSigningConfig", "lambda:ListVersionsByFunction", "lambda:GetPolicy", "lambda:ListTags"]
    log_group = ["logs:ListTagsForResource"]
    role      = ["iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"]
    # Reads whose only resource type is "*" (AWS does not scope them).
    any = ["sts:GetCallerIdentity", "logs:DescribeLogGroups"]
  }
  # make preflight, the first step of each plan job: the account's Lambda concurrency quota
  # ("*" only) and the function's reservation. Only the plan role runs it.
  preflight_reads = {
    any      = ["lambda:GetAccountSettings"]
    function = ["lambda:GetFunctionConcurrency"]
  }
  # The stack's log groups: the function's, the API's access logs (modules/api), and until the next
  # release the access-log group of 0.3.0 (/aws/apigateway/), which the upgrade's apply deletes.
  log_group_arns = { for env, cfg in var.environments : env => flatten([for group in ["/aws/lambda", "/aws/vendedlogs/apigateway", "/aws/apigateway"] : [
    "${local.log_arn}:${group}/${cfg.stack_name}-*",
    "${local.log_arn}:${group}/${cfg.stack_name}-*:*",
  ]]) }
}

data "aws_iam_policy_document" "plan" {
  for_each = var.environments

  # DenyOtherStacksApis, ListOwnState, LockOwnState (main.tf); the stack's optional features
  # (features.tf).
  source_policy_documents = [
    data.aws_iam_policy_document.both_roles[each.key].json,
    data.aws_iam_policy_document.features_plan[each.key].json,
  ]

  statement {
    sid       = "ReadStackBucket"
    effect    = "Allow"
    actions   = local.stack_reads.bucket
    resources = ["arn:${local.partition}:s3:::${each.value.stack_name}-*"]

    condition {
      test     = "StringEquals"
      variable = "s3:ResourceAccount"
      values   = [local.account]
    }
  }

  statement {
    sid       = "ReadStackFunction"
    effect    = "Allow"
    actions   = concat(local.stack_reads.function, local.preflight_reads.function)
    resources = ["arn:${local.partition}:lambda:${local.region}:${local.account}:function:${each.value.stack_name}-*"]
  }

  statement {
    sid       = "ReadStackLogGroups"
    effect    = "Allow"
    actions   = local.stack_reads.log_group
    resources = local.log_group_arns[each.key]
  }

  statement {
    sid       = "AwsRequiresAnyResource"
    effect    = "Allow"
    actions   = concat(local.stack_reads.any, local.preflight_reads.any)
    resources = ["*"]
  }

  statement {
    sid       = "ReadStackRoles"
    effect    = "Allow"
    actions   = local.stack_reads.role
    resources = [local.stack_role_arns[each.key]]
  }

  # The API where the deploy role reaches it (deploy.tf: pinned_api_arns), GET only.
  dynamic "statement" {
    for_each = contains(keys(local.pinned_api_arns), each.key) ? [local.pinned_api_arns[each.key]] : []

    content {
      sid       = "ReadPinnedStackApi"
      effect    = "Allow"
      actions   = ["apigateway:GET"]
      resources = statement.value
    }
  }

  statement {
    sid       = "ReadOwnState"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["${local.state_arn}/${each.value.state_key}"]

    condition {
      test     = "StringEquals"
      variable = "s3:ResourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_iam_role" "plan" {
  for_each = var.environments

  name                 = "${var.name_prefix}-plan-${each.key}"
  description          = "${local.github ? "GitHub Actions" : "CircleCI"} plans stack ${each.value.stack_name} (${each.key}): reads only."
  assume_role_policy   = data.aws_iam_policy_document.trust["${each.key}/plan"].json
  max_session_duration = var.max_session_duration
  tags                 = var.tags

  depends_on = [aws_iam_user.ci, aws_iam_openid_connect_provider.circleci, aws_iam_openid_connect_provider.github]
}

resource "aws_iam_role_policy" "plan" {
  for_each = var.environments

  name   = "plan-${each.value.stack_name}"
  role   = aws_iam_role.plan[each.key].id
  policy = data.aws_iam_policy_document.plan[each.key].json
}
