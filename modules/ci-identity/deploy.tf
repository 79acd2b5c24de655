# What each deploy role may do: create, change and delete its own stack's resources (named
# <stack_name>-*, roles under /<stack_name>/, the HTTP API by its Stack tag or pinned id), read
# and write its own state key and lock, post and read back smoke texts, read the account's Lambda
# concurrency (make preflight). Nothing of another environment, nothing outside its boundary,
# nothing of this identity.

locals {
  # HTTP API ids are generated. Until an environment pins its api_id, the API and its stages
  # are scoped by their Stack tag; routes and integrations carry no tags, so they cannot be
  # scoped at all and a Deny keeps other stacks' tagged APIs out of reach. Once api_id is set,
  # everything (routes, integrations, smoke invocations) names that one API.
  api_paths = {
    for env, cfg in var.environments : env => cfg.api_id == null ? null : {
      api  = "${local.apigateway_arn}/apis/${cfg.api_id}"
      tags = "${local.apigateway_arn}/tags/${urlencode("${local.apigateway_arn}/apis/${cfg.api_id}")}"
    }
  }
  http_methods = ["apigateway:GET", "apigateway:POST", "apigateway:PUT", "apigateway:PATCH", "apigateway:DELETE"]
}

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

  # Ten single-character wildcards: an API id, which can hold no '/'. Pin api_id to name one API.
  statement {
    sid       = "PostSmokeTexts"
    effect    = "Allow"
    actions   = ["execute-api:Invoke"]
    resources = ["arn:${local.partition}:execute-api:${local.region}:${local.account}:${coalesce(each.value.api_id, "??????????")}/$default/POST/smoke/*"]
  }

  statement {
    sid    = "StackFunction"
    effect = "Allow"
    actions = [
      "lambda:CreateFunction", "lambda:DeleteFunction", "lambda:GetFunction",
      "lambda:GetFunctionConfiguration", "lambda:GetFunctionCodeSigningConfig",
      "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration",
      "lambda:ListVersionsByFunction", "lambda:GetPolicy", "lambda:RemovePermission",
      "lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency",
      "lambda:GetFunctionConcurrency", "lambda:TagResource", "lambda:UntagResource",
      "lambda:ListTags",
    ]
    resources = ["arn:${local.partition}:lambda:${local.region}:${local.account}:function:${each.value.stack_name}-*"]
  }

  statement {
    sid       = "LetOnlyApiGatewayInvokeStackFunctions"
    effect    = "Allow"
    actions   = ["lambda:AddPermission"]
    resources = ["arn:${local.partition}:lambda:${local.region}:${local.account}:function:${each.value.stack_name}-*"]

    condition {
      test     = "StringEquals"
      variable = "lambda:Principal"
      values   = ["apigateway.amazonaws.com"]
    }
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
  # lambda:GetAccountSettings: make preflight reads the account's concurrency quota.
  statement {
    sid    = "AwsRequiresAnyResource"
    effect = "Allow"
    actions = [
      "sts:GetCallerIdentity", "lambda:GetAccountSettings", "logs:DescribeLogGroups", "logs:CreateLogDelivery",
      "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies",
    ]
    resources = ["*"]
  }

  # Every IAM action that supports iam:PermissionsBoundary requires this environment's boundary.
  statement {
    sid    = "ManageStackRolesUnderBoundary"
    effect = "Allow"
    actions = [
      "iam:CreateRole", "iam:DeleteRole", "iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy",
      "iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary",
    ]
    resources = ["${local.iam}:role${local.role_paths[each.key]}*"]

    condition {
      test     = "StringEquals"
      variable = "iam:PermissionsBoundary"
      values   = [local.boundary_arns[each.key]]
    }
  }

  # The path alone scopes these (AWS offers no boundary key for them); only this environment's
  # role can create a role under it.
  statement {
    sid    = "ReadAndTagStackRoles"
    effect = "Allow"
    actions = [
      "iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole", "iam:ListRoleTags", "iam:TagRole", "iam:UntagRole",
    ]
    resources = ["${local.iam}:role${local.role_paths[each.key]}*"]
  }

  statement {
    sid       = "PassStackRolesToLambdaOnly"
    effect    = "Allow"
    actions   = ["iam:PassRole"]
    resources = ["${local.iam}:role${local.role_paths[each.key]}*"]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["lambda.amazonaws.com"]
    }
  }

  # Creating a tagged API or stage also tags it through /tags/<arn>, before it has any tag.
  statement {
    sid     = "CreateStackApiTagged"
    effect  = "Allow"
    actions = ["apigateway:POST"]
    resources = concat(
      ["${local.apigateway_arn}/apis", "${local.apigateway_arn}/tags/*"],
      local.api_paths[each.key] == null ? ["${local.apigateway_arn}/apis/*/stages"] : [],
    )

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Stack"
      values   = [each.value.stack_name]
    }
  }

  dynamic "statement" {
    for_each = local.api_paths[each.key] == null ? [1] : []

    content {
      sid       = "ManageStackApiByTag"
      effect    = "Allow"
      actions   = local.http_methods
      resources = ["${local.apigateway_arn}/apis/*", "${local.apigateway_arn}/tags/*"]

      condition {
        test     = "StringEquals"
        variable = "aws:ResourceTag/Stack"
        values   = [each.value.stack_name]
      }
    }
  }

  dynamic "statement" {
    for_each = local.api_paths[each.key] == null ? [1] : []

    content {
      sid     = "ManageUntaggableRoutesAndIntegrations"
      effect  = "Allow"
      actions = local.http_methods
      resources = flatten([for part in ["routes", "integrations"] : [
        "${local.apigateway_arn}/apis/*/${part}",
        "${local.apigateway_arn}/apis/*/${part}/*",
      ]])
    }
  }

  dynamic "statement" {
    for_each = local.api_paths[each.key] == null ? [] : [local.api_paths[each.key]]

    content {
      sid       = "ManagePinnedStackApi"
      effect    = "Allow"
      actions   = local.http_methods
      resources = [statement.value.api, "${statement.value.api}/*", "${statement.value.tags}*"]
    }
  }

  # Where AWS supplies an API's or stage's Stack tag, another stack's are out of reach whatever
  # else allows (a re-tag included). Both conditions: a missing key makes StringNotEquals (and
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
      "iam:CreateAccessKey", "iam:DeleteUser", "iam:DeleteOpenIDConnectProvider",
      "iam:UpdateOpenIDConnectProviderThumbprint", "iam:AddClientIDToOpenIDConnectProvider",
    ]
    resources = concat(values(local.role_arns), [local.ci_user_arn, local.provider_arn])
  }
}

resource "aws_iam_role_policy" "deploy" {
  for_each = var.environments

  name   = "deploy-${each.value.stack_name}"
  role   = aws_iam_role.deploy[each.key].id
  policy = data.aws_iam_policy_document.deploy[each.key].json
}
