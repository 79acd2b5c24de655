# What each deploy role may do: create, change and delete its own stack's resources (named
# <stack_name>-*, roles under /<stack_name>/, the HTTP API by its Stack tag or pinned id), read
# and write its own state key and lock, post and read back smoke texts. Nothing of another
# environment, nothing outside its boundary, nothing of this identity. make preflight runs in the
# plan jobs, as the plan role (plan.tf).

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
  # Where each environment's roles reach its API (the deploy role with every method, the plan
  # role with GET): by the Stack tag, and any API's routes and integrations, until api_id pins it.
  api_scopes = {
    for env, pinned in local.api_paths : env => pinned == null ? [
      { name = "StackApiByTag", tagged = true, resources = ["${local.apigateway_arn}/apis/*", "${local.apigateway_arn}/tags/*"] },
      { name = "UntaggableRoutesAndIntegrations", tagged = false, resources = flatten([for part in ["routes", "integrations"] : [
        "${local.apigateway_arn}/apis/*/${part}",
        "${local.apigateway_arn}/apis/*/${part}/*",
      ]]) },
      ] : [
      { name = "PinnedStackApi", tagged = false, resources = [pinned.api, "${pinned.api}/*", pinned.tags, "${pinned.tags}%2F*"] },
    ]
  }
}

data "aws_iam_policy_document" "deploy" {
  for_each = var.environments

  # DenyOtherStacksApis, ListOwnState, LockOwnState (main.tf).
  source_policy_documents = [data.aws_iam_policy_document.both_roles[each.key].json]

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
  statement {
    sid    = "AwsRequiresAnyResource"
    effect = "Allow"
    actions = concat(local.stack_reads.any, [
      "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies",
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

  # Creating a tagged API or stage also tags it through /tags/<arn>, before it has any tag. AWS
  # supplies no aws:ResourceTag on /tags/<arn>, so this grant cannot tell another stack's API from
  # one being created: once api_id is pinned, only the pinned API's tags are reachable (below).
  statement {
    sid     = "CreateStackApiTagged"
    effect  = "Allow"
    actions = ["apigateway:POST"]
    resources = concat(
      ["${local.apigateway_arn}/apis"],
      local.api_paths[each.key] == null ? ["${local.apigateway_arn}/tags/*", "${local.apigateway_arn}/apis/*/stages"] : [],
    )

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Stack"
      values   = [each.value.stack_name]
    }
  }

  # A stage's access logs go only to the stack's own access-log group (modules/api:
  # /aws/apigateway/<stack>-api): not into another stack's group, where they would mix with its
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
      values   = ["${local.log_arn}:/aws/apigateway/${each.value.stack_name}-api", "${local.log_arn}:/aws/apigateway/${each.value.stack_name}-api:*"]
    }
  }

  dynamic "statement" {
    for_each = local.api_scopes[each.key]

    content {
      sid       = "Manage${statement.value.name}"
      effect    = "Allow"
      actions   = local.http_methods
      resources = statement.value.resources

      dynamic "condition" {
        for_each = statement.value.tagged ? [each.value.stack_name] : []

        content {
          test     = "StringEquals"
          variable = "aws:ResourceTag/Stack"
          values   = [condition.value]
        }
      }
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
    resources = concat(values(local.role_arns), values(local.plan_arns), [local.ci_user_arn, local.provider_arn])
  }
}

resource "aws_iam_role_policy" "deploy" {
  for_each = var.environments

  name   = "deploy-${each.value.stack_name}"
  role   = aws_iam_role.deploy[each.key].id
  policy = data.aws_iam_policy_document.deploy[each.key].json
}
