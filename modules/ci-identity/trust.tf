# Who may assume each deploy role.
#
# CircleCI's V2 token subject is org/<org>/project/<project>/user/<user>/vcs-origin/<origin>/
# vcs-ref/<ref>. In IAM's StringLike both '*' and '?' also match '/', so a wildcard before the
# ref would let a branch named x/vcs-ref/refs/heads/main pass for main. The pattern below has
# no '*' before the ref: the user id (a UUID) is 36 single-character wildcards, the origin is
# spelled out, and the only '*' allowed is a trailing one inside vcs_ref (refs/heads/*), which
# can only lengthen the ref of this project's own origin. A fork's build carries the fork's
# origin and is refused.
#
# GitHub Actions' default subject is repo:<owner>/<repo>:ref:<ref> for a job without an
# environment, repo:<owner>/<repo>:environment:<name> for a job that names one, and
# repo:<owner>/<repo>:pull_request for a pull request's jobs. The repository is spelled out and
# ends in ':', which no owner, repository, branch or tag name can hold (GitHub escapes a ':' in an
# environment name as %3A), so a repository whose name extends this one (acme/scribe-fork) never
# matches, and neither does a branch that embeds another subject. The only wildcard is vcs_ref's
# trailing '*' (refs/heads/*): it can only lengthen a ref of this repository. Exact refs and
# environments are compared with StringEquals; a pull request's subject names no ref and matches
# no pattern here.

locals {
  any_user_id = "????????-????-????-????-????????????"
  subject     = local.github ? null : "org/${var.circleci_org_id}/project/${var.circleci_project_id}/user/${local.any_user_id}/vcs-origin/${var.vcs_origin}/vcs-ref"

  github_audience = "sts.amazonaws.com"
  # env -> {test, subjects}: the subjects GitHub may present for that environment's role.
  github_subjects = !local.github ? {} : {
    for env, cfg in var.environments : env => (
      cfg.github_subject == "environment" ? {
        test     = "StringEquals"
        subjects = [for name in coalesce(cfg.github_environments, [env]) : "repo:${var.github_repository}:environment:${name}"]
        } : {
        test     = endswith(cfg.vcs_ref, "*") ? "StringLike" : "StringEquals"
        subjects = ["repo:${var.github_repository}:ref:${cfg.vcs_ref}"]
      }
    )
  }
}

data "aws_iam_policy_document" "trust" {
  for_each = var.environments

  dynamic "statement" {
    for_each = local.github ? [] : [local.subject]

    content {
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

      condition {
        test     = "StringLike"
        variable = "${local.issuer}:sub"
        values   = ["${statement.value}/${each.value.vcs_ref}"]
      }
    }
  }

  dynamic "statement" {
    for_each = local.github ? [local.github_subjects[each.key]] : []

    content {
      sid     = "GitHubActionsOidc"
      effect  = "Allow"
      actions = ["sts:AssumeRoleWithWebIdentity"]

      principals {
        type        = "Federated"
        identifiers = [local.provider_arn]
      }

      condition {
        test     = "StringEquals"
        variable = "${local.issuer}:aud"
        values   = [local.github_audience]
      }

      condition {
        test     = statement.value.test
        variable = "${local.issuer}:sub"
        values   = statement.value.subjects
      }
    }
  }

  # The IAM user's key is a long-lived secret: it works only from the CI system's addresses.
  dynamic "statement" {
    for_each = var.create_ci_user ? [local.ci_user_arn] : []

    content {
      sid     = "CiUserFromCiAddresses"
      effect  = "Allow"
      actions = ["sts:AssumeRole"]

      principals {
        type        = "AWS"
        identifiers = [statement.value]
      }

      condition {
        test     = "IpAddress"
        variable = "aws:SourceIp"
        values   = var.ci_user_source_cidrs
      }
    }
  }
}

resource "aws_iam_role" "deploy" {
  for_each = var.environments

  name                 = "${var.name_prefix}-deploy-${each.key}"
  description          = "${local.github ? "GitHub Actions" : "CircleCI"} deploys stack ${each.value.stack_name} (${each.key})."
  assume_role_policy   = data.aws_iam_policy_document.trust[each.key].json
  max_session_duration = var.max_session_duration
  tags                 = var.tags

  # The user must exist before a trust policy may name it.
  depends_on = [aws_iam_user.ci, aws_iam_openid_connect_provider.circleci, aws_iam_openid_connect_provider.github]
}
