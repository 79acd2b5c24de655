# Keyless CI: CircleCI's OIDC tokens assume one deploy role per environment. Each role may
# manage only its stack's resources (named <stack_name>-*, the API by its Stack tag), may create
# roles only under the permissions boundary defined here, may pass roles only to Lambda, may
# read/write only its own state key and lock file, and may not touch this identity itself.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.name
  account   = data.aws_caller_identity.current.account_id

  issuer       = "oidc.circleci.com/org/${var.circleci_org_id}"
  provider_arn = coalesce(var.oidc_provider_arn, "arn:${local.partition}:iam::${local.account}:oidc-provider/${local.issuer}")
  boundary_arn = "arn:${local.partition}:iam::${local.account}:policy/${var.name_prefix}-boundary"
  ci_user_arn  = "arn:${local.partition}:iam::${local.account}:user/${var.name_prefix}-ci"
  role_arns    = { for env in keys(var.environments) : env => "arn:${local.partition}:iam::${local.account}:role/${var.name_prefix}-deploy-${env}" }

  stack_names = sort(distinct([for cfg in values(var.environments) : cfg.stack_name]))
  log_arn     = "arn:${local.partition}:logs:${local.region}:${local.account}:log-group"
  state_arn   = "arn:${local.partition}:s3:::${var.state_bucket_name}"
}

resource "aws_iam_openid_connect_provider" "circleci" {
  count = var.oidc_provider_arn == null ? 1 : 0

  url            = "https://${local.issuer}"
  client_id_list = [var.circleci_org_id]
  tags           = var.tags
}

resource "aws_iam_user" "ci" {
  count = var.create_ci_user ? 1 : 0

  name = "${var.name_prefix}-ci"
  tags = var.tags
}

data "aws_iam_policy_document" "ci_user" {
  statement {
    sid       = "AssumeDeployRolesOnly"
    effect    = "Allow"
    actions   = ["sts:AssumeRole"]
    resources = values(local.role_arns)
  }
}

resource "aws_iam_user_policy" "ci" {
  count = var.create_ci_user ? 1 : 0

  name   = "assume-deploy-roles"
  user   = aws_iam_user.ci[0].name
  policy = data.aws_iam_policy_document.ci_user.json
}

# --- who may assume each deploy role ---------------------------------------------------------

data "aws_iam_policy_document" "trust" {
  for_each = var.environments

  statement {
    sid     = "CircleCiOidc"
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:aud"
      values   = [var.circleci_org_id]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:oidc.circleci.com/project-id"
      values   = [var.circleci_project_id]
    }

    # The V2 token subject: org/<org>/project/<project>/user/<user>/vcs-origin/<origin>/vcs-ref/<ref>
    condition {
      test     = "StringLike"
      variable = "${local.issuer}:sub"
      values   = ["org/${var.circleci_org_id}/project/${var.circleci_project_id}/user/*/vcs-origin/*/vcs-ref/${each.value.vcs_ref}"]
    }
  }

  dynamic "statement" {
    for_each = var.create_ci_user ? [local.ci_user_arn] : []

    content {
      sid     = "CiUser"
      effect  = "Allow"
      actions = ["sts:AssumeRole"]

      principals {
        type        = "AWS"
        identifiers = [statement.value]
      }
    }
  }
}

resource "aws_iam_role" "deploy" {
  for_each = var.environments

  name                 = "${var.name_prefix}-deploy-${each.key}"
  description          = "CircleCI deploys stack ${each.value.stack_name} (${each.key})."
  assume_role_policy   = data.aws_iam_policy_document.trust[each.key].json
  max_session_duration = var.max_session_duration
  tags                 = var.tags

  # The user must exist before a trust policy may name it.
  depends_on = [aws_iam_user.ci, aws_iam_openid_connect_provider.circleci]
}

# --- the most a stack's own roles (the Lambda role) may ever do -------------------------------

data "aws_iam_policy_document" "boundary" {
  statement {
    sid       = "FunctionLogs"
    effect    = "Allow"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [for stack in local.stack_names : "${local.log_arn}:/aws/lambda/${stack}-*:*"]
  }

  statement {
    sid       = "PutTexts"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = [for stack in local.stack_names : "arn:${local.partition}:s3:::${stack}-*/*"]
  }

  statement {
    sid       = "EncryptTexts"
    effect    = "Allow"
    actions   = ["kms:GenerateDataKey"]
    resources = ["arn:${local.partition}:kms:${local.region}:${local.account}:key/*"]
  }
}

resource "aws_iam_policy" "boundary" {
  name        = "${var.name_prefix}-boundary"
  description = "Permissions boundary of every role the scribe deploy roles create."
  policy      = data.aws_iam_policy_document.boundary.json
  tags        = var.tags
}

# --- what each deploy role may do ---------------------------------------------------------------

data "aws_iam_policy_document" "deploy" {
  for_each = var.environments

  statement {
    sid    = "StackBucket"
    effect = "Allow"
    actions = [
      "s3:CreateBucket", "s3:DeleteBucket", "s3:ListBucket", "s3:ListBucketVersions",
      "s3:GetBucket*", "s3:GetAccelerateConfiguration", "s3:GetLifecycleConfiguration",
      "s3:GetReplicationConfiguration", "s3:GetEncryptionConfiguration",
      "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketVersioning",
      "s3:PutEncryptionConfiguration", "s3:PutBucketPublicAccessBlock",
      "s3:PutBucketOwnershipControls", "s3:PutLifecycleConfiguration", "s3:PutBucketTagging",
    ]
    resources = ["arn:${local.partition}:s3:::${each.value.stack_name}-*"]
  }

  statement {
    sid       = "EmptyStackBucketOnDestroy"
    effect    = "Allow"
    actions   = ["s3:DeleteObject", "s3:DeleteObjectVersion"]
    resources = ["arn:${local.partition}:s3:::${each.value.stack_name}-*/*"]
  }

  statement {
    sid       = "ReadSmokeTexts"
    effect    = "Allow"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["arn:${local.partition}:s3:::${each.value.stack_name}-*/${each.value.key_prefix}smoke/*"]
  }

  statement {
    sid       = "PostSmokeTexts"
    effect    = "Allow"
    actions   = ["execute-api:Invoke"]
    resources = ["arn:${local.partition}:execute-api:${local.region}:${local.account}:*/$default/POST/smoke/*"]
  }

  statement {
    sid    = "StackFunction"
    effect = "Allow"
    actions = [
      "lambda:CreateFunction", "lambda:DeleteFunction", "lambda:GetFunction",
      "lambda:GetFunctionConfiguration", "lambda:GetFunctionCodeSigningConfig",
      "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration",
      "lambda:ListVersionsByFunction", "lambda:GetPolicy", "lambda:AddPermission",
      "lambda:RemovePermission", "lambda:PutFunctionConcurrency",
      "lambda:DeleteFunctionConcurrency", "lambda:TagResource", "lambda:UntagResource",
      "lambda:ListTags",
    ]
    resources = ["arn:${local.partition}:lambda:${local.region}:${local.account}:function:${each.value.stack_name}-*"]
  }

  statement {
    sid    = "StackLogGroups"
    effect = "Allow"
    actions = [
      "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy",
      "logs:DeleteRetentionPolicy", "logs:TagResource", "logs:UntagResource",
      "logs:ListTagsForResource", "logs:TagLogGroup", "logs:UntagLogGroup",
      "logs:ListTagsLogGroup",
    ]
    resources = flatten([for group in ["/aws/lambda", "/aws/apigateway"] : [
      "${local.log_arn}:${group}/${each.value.stack_name}-*",
      "${local.log_arn}:${group}/${each.value.stack_name}-*:*",
    ]])
  }

  # Actions whose only resource type is "*" (AWS does not scope them); nothing else is unscoped.
  statement {
    sid    = "AwsRequiresAnyResource"
    effect = "Allow"
    actions = [
      "sts:GetCallerIdentity", "logs:DescribeLogGroups", "logs:CreateLogDelivery",
      "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "CreateStackRolesUnderBoundary"
    effect    = "Allow"
    actions   = ["iam:CreateRole", "iam:PutRolePolicy", "iam:PutRolePermissionsBoundary"]
    resources = ["arn:${local.partition}:iam::${local.account}:role/${each.value.stack_name}-*"]

    condition {
      test     = "StringEquals"
      variable = "iam:PermissionsBoundary"
      values   = [local.boundary_arn]
    }
  }

  statement {
    sid    = "ManageStackRoles"
    effect = "Allow"
    actions = [
      "iam:GetRole", "iam:DeleteRole", "iam:TagRole", "iam:UntagRole",
      "iam:UpdateAssumeRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy",
      "iam:ListRolePolicies", "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole", "iam:ListRoleTags",
    ]
    resources = ["arn:${local.partition}:iam::${local.account}:role/${each.value.stack_name}-*"]
  }

  statement {
    sid       = "PassStackRolesToLambdaOnly"
    effect    = "Allow"
    actions   = ["iam:PassRole"]
    resources = ["arn:${local.partition}:iam::${local.account}:role/${each.value.stack_name}-*"]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["lambda.amazonaws.com"]
    }
  }

  # API Gateway v2 resources carry generated ids, not names: scope them by the Stack tag that
  # the stack's provider sets on everything (default_tags).
  statement {
    sid       = "CreateStackApi"
    effect    = "Allow"
    actions   = ["apigateway:POST"]
    resources = ["arn:${local.partition}:apigateway:${local.region}::/apis"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Stack"
      values   = [each.value.stack_name]
    }
  }

  statement {
    sid       = "ManageStackApi"
    effect    = "Allow"
    actions   = ["apigateway:GET", "apigateway:POST", "apigateway:PUT", "apigateway:PATCH", "apigateway:DELETE"]
    resources = ["arn:${local.partition}:apigateway:${local.region}::/apis/*", "arn:${local.partition}:apigateway:${local.region}::/tags/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Stack"
      values   = [each.value.stack_name]
    }
  }

  statement {
    sid       = "ListOwnState"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [local.state_arn]

    condition {
      test     = "StringEquals"
      variable = "s3:prefix"
      values   = [each.value.state_key, "${each.value.state_key}.tflock"]
    }
  }

  statement {
    sid       = "ReadWriteOwnState"
    effect    = "Allow"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${local.state_arn}/${each.value.state_key}"]
  }

  statement {
    sid       = "LockOwnState"
    effect    = "Allow"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.state_arn}/${each.value.state_key}.tflock"]
  }

  statement {
    sid    = "DenyLeavingTheBoundary"
    effect = "Deny"
    actions = [
      "iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary",
      "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion",
      "iam:SetDefaultPolicyVersion",
    ]
    resources = ["*"]
  }

  statement {
    sid    = "DenyChangingTheCiIdentity"
    effect = "Deny"
    actions = [
      "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy",
      "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy",
      "iam:DeleteRole", "iam:PutRolePermissionsBoundary", "iam:TagRole", "iam:UntagRole",
      "iam:PutUserPolicy", "iam:DeleteUserPolicy", "iam:AttachUserPolicy",
      "iam:CreateAccessKey", "iam:DeleteUser",
    ]
    resources = concat(values(local.role_arns), [local.ci_user_arn])
  }
}

resource "aws_iam_role_policy" "deploy" {
  for_each = var.environments

  name   = "deploy-${each.value.stack_name}"
  role   = aws_iam_role.deploy[each.key].id
  policy = data.aws_iam_policy_document.deploy[each.key].json
}
