# What each deploy role may do: create, change and delete its own stack's resources (named
# <stack_name>-*, roles under /<stack_name>/, the HTTP API by its pinned id), read
# and write its own state key and lock, post and read back smoke texts. Nothing of another
# environment, nothing outside its boundary, nothing of this identity. make preflight runs in the
# plan jobs, as the plan role (plan.tf).

locals {
  # HTTP API ids are generated, and an HTTP API's routes and integrations carry no tags (AWS
  # supplies no aws:ResourceTag for them, nor for /tags/<arn>, which tagging on create needs):
  # no condition can tell this stack's API from another stack's or another project's. So an
  # environment's roles reach an API only once its api_id is pinned, and then only that API
  # and everything below it. The administrator who applies bootstrap/ creates it first
  # (make create-api) and pins its id; until then the roles have no API Gateway right at all.
  # The pinned API, everything below it and its tags (the deploy role with every method, the
  # plan role with GET); no entry, and no statement, for an environment without api_id.
  pinned_apis = { for env, cfg in var.environments : env => "${local.apigateway_arn}/apis/${cfg.api_id}" if cfg.api_id != null }
  pinned_api_arns = {
    for env, api in local.pinned_apis : env => [
      api, "${api}/*", "${local.apigateway_arn}/tags/${urlencode(api)}", "${local.apigateway_arn}/tags/${urlencode(api)}%2F*",
    ]
  }
  http_methods = ["apigateway:GET", "apigateway:POST", "apigateway:PUT", "apigateway:PATCH", "apigateway:DELETE"]
}

data "aws_iam_policy_document" "deploy" {
  for_each = var.environments

  # DenyOtherStacksApis, ListOwnState, LockOwnState (main.tf); the stack's optional features
  # (features.tf).
  source_policy_documents = [
    data.aws_iam_policy_document.both_roles[each.key].json,
    data.aws_iam_policy_document.features_deploy[each.key].json,
  ]

  statement {
    sid    = "StackBucket"
    effect = "Allow"
    actions = concat(local.stack_reads.bucket, [
      "s3:ListBucketVersions", "s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy",
      "s3:PutBucketVersioning", "s3:PutEncryptionConfiguration", "s3:PutBucketPublicAccessBlock",
      "s3:PutBucketOwnershipControls", "s3:PutLifecycleConfiguration", "s3:PutBucketTagging",
    ])
    resources = ["arn:${local.partition}:s3:::${each.value.stack_name}-*"]

    condition {
      test     = "StringEquals"
      variable = "s3:ResourceAccount"
      values   = [local.account]
    }
  }

  statement {
    sid       = "EmptyStackBucketOnDestroy"
    effect    = "Allow"
    actions   = ["s3:DeleteObject", "s3:DeleteObjectVersion"]
    resources = ["arn:${local.partition}:s3:::${each.value.stack_name}-*/*"]

    condition {
      test     = "StringEquals"
      variable = "s3:ResourceAccount"
      values   = [local.account]
    }
  }

  statement {
    sid       = "ReadSmokeTexts"
    effect    = "Allow"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["arn:${local.partition}:s3:::${each.value.stack_name}-*/${each.value.key_prefix}smoke/*"]

    condition {
      test     = "StringEquals"
      variable = "s3:ResourceAccount"
      values   = [local.account]
    }
  }

  # Only once api_id names the environment's API: an unpinned role invokes nothing.
  dynamic "statement" {
    for_each = each.value.api_id == null ? [] : [each.value.api_id]

    content {
      sid       = "PostSmokeTexts"
      effect    = "Allow"
      actions   = ["execute-api:Invoke"]
      resources = ["arn:${local.partition}:execute-api:${local.region}:${local.account}:${statement.value}/$default/POST/smoke/*"]
    }
  }

  statement {
    sid    = "StackFunction"
    effect = "Allow"
    actions = concat(local.stack_reads.function, [
      "lambda:GetFunctionConfiguration", "lambda:CreateFunction", "lambda:DeleteFunction", "lambda:UpdateFunctionCode",
      "lambda:UpdateFunctionConfiguration", "lambda:RemovePermission",
      "lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency", "lambda:TagResource",
      "lambda:UntagResource",
    ])
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
    actions = concat(local.stack_reads.log_group, [
      "logs:ListTagsLogGroup", "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy",
      "logs:DeleteRetentionPolicy", "logs:TagResource", "logs:UntagResource", "logs:TagLogGroup",
      "logs:UntagLogGroup",
    ])
    resources = local.log_group_arns[each.key]
  }

  # Actions whose only resource type is "*" (AWS does not scope them); nothing else is unscoped.
  # s3:ListAllMyBuckets: make recover reads the stack bucket's creation time, which only
  # ListBuckets reports (the evidence for adopting a bucket a killed run left untagged).
  statement {
    sid    = "AwsRequiresAnyResource"
    effect = "Allow"
    actions = concat(local.stack_reads.any, [
      "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies", "s3:ListAllMyBuckets",
    ])
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
    resources = [local.stack_role_arns[each.key]]

    condition {
      test     = "StringEquals"
      variable = "iam:PermissionsBoundary"
      values   = [local.boundary_arns[each.key]]
    }
  }

  # The exact role name scopes these (AWS offers no boundary key for them); only this
  # environment's deploy role can create that role.
  statement {
    sid    = "ReadAndTagStackRoles"
    effect = "Allow"
    actions = concat(local.stack_reads.role, [
      "iam:ListInstanceProfilesForRole", "iam:ListRoleTags", "iam:TagRole", "iam:UntagRole",
    ])
    resources = [local.stack_role_arns[each.key]]
  }

  statement {
    sid       = "PassStackRolesToLambdaOnly"
    effect    = "Allow"
    actions   = ["iam:PassRole"]
    resources = [local.stack_role_arns[each.key]]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["lambda.amazonaws.com"]
    }
  }

  # A stage's access logs go only to the stack's own access-log group (modules/api:
  # /aws/vendedlogs/apigateway/<stack>-api): not into another stack's group, where they would mix with its
  # records or fill it. AWS supplies the destination on CreateStage and UpdateStage.
  statement {
    sid       = "DenyAccessLogsElsewhere"
    effect    = "Deny"
    actions   = ["apigateway:POST", "apigateway:PATCH"]
    resources = ["${local.apigateway_arn}/apis/*/stages", "${local.apigateway_arn}/apis/*/stages/*"]

    condition {
      test     = "Null"
      variable = "apigateway:Request/AccessLoggingDestination"
      values   = ["false"]
    }

    condition {
      test     = "StringNotEquals"
      variable = "apigateway:Request/AccessLoggingDestination"
      values   = ["${local.log_arn}:/aws/vendedlogs/apigateway/${each.value.stack_name}-api", "${local.log_arn}:/aws/vendedlogs/apigateway/${each.value.stack_name}-api:*"]
    }
  }

  dynamic "statement" {
    for_each = contains(keys(local.pinned_api_arns), each.key) ? [local.pinned_api_arns[each.key]] : []

    content {
      sid       = "ManagePinnedStackApi"
      effect    = "Allow"
      actions   = local.http_methods
      resources = statement.value
    }
  }

  # make apply's record of intent next to the state (<state key>.intents/<run id>.json, written
  # before the apply, removed after it), which make recover reads and removes: only this
  # environment's.
  statement {
    sid       = "OwnRecordsOfIntent"
    effect    = "Allow"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.state_arn}/${each.value.state_key}.intents/*"]

    condition {
      test     = "StringEquals"
      variable = "s3:ResourceAccount"
      values   = [local.account]
    }
  }

  statement {
    sid       = "ListOwnRecordsOfIntent"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [local.state_arn]

    condition {
      test     = "StringEquals"
      variable = "s3:prefix"
      values   = ["${each.value.state_key}.intents/"]
    }

    condition {
      test     = "StringEquals"
      variable = "s3:ResourceAccount"
      values   = [local.account]
    }
  }

  statement {
    sid       = "ReadWriteOwnState"
    effect    = "Allow"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${local.state_arn}/${each.value.state_key}"]

    condition {
      test     = "StringEquals"
      variable = "s3:ResourceAccount"
      values   = [local.account]
    }
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
    resources = concat(values(local.role_arns), values(local.plan_arns), values(local.ci_user_arns), [local.provider_arn])
  }
}

resource "aws_iam_role_policy" "deploy" {
  for_each = var.environments

  name   = "deploy-${each.value.stack_name}"
  role   = aws_iam_role.deploy[each.key].id
  policy = data.aws_iam_policy_document.deploy[each.key].json
}
