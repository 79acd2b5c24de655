# Who may assume each plan and deploy role.
#
# A protected environment (prod in the examples) is gated by what AWS can check in the token,
# not by CI settings AWS never sees: on GitHub Actions its deploy role trusts only a job that
# names its GitHub environment (GitHub issues that subject only after the environment's
# protection rules pass) in the deploy workflow (job_workflow_ref); on CircleCI, whose tokens
# carry no approval, only the release managers' user ids (circleci_release_user_ids) on its ref.
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
  any_user_id  = "????????-????-????-????-????????????"
  project_path = local.github ? null : "org/${var.circleci_org_id}/project/${var.circleci_project_id}/user"

  github_audience = "sts.amazonaws.com"
  # The workflow whose jobs alone may assume a protected environment's roles (the claim
  # job_workflow_ref: <owner>/<repo>/<path>@<ref>).
  github_workflow_ref = local.github ? coalesce(var.github_workflow_ref, "${var.github_repository}/.github/workflows/deploy.yml@refs/heads/main") : null

  # "<env>/<role>" -> the GitHub subject kind that role trusts: a protected environment's plan
  # role trusts the jobs of its ref (the plan runs before the approval), its deploy role only a
  # job of its GitHub environment; the other roles what github_subject says.
  github_kinds = merge([for env, cfg in var.environments : {
    for role in ["plan", "deploy"] : "${env}/${role}" => (
      cfg.protected ? (role == "plan" ? "ref" : "environment") : coalesce(cfg.github_subject, "ref")
    )
  }]...)

  # "<env>/<role>" -> who may assume that role. A protected environment's deploy (apply) role
  # trusts only what its approval changes in the token: on GitHub the environment subject, which
  # GitHub issues only once the environment's protection rules pass, from the deploy workflow; on
  # CircleCI the release managers who trigger the pipeline (user/<uuid> of sub). Its plan role,
  # which only reads, trusts every job of vcs_ref (on GitHub: of the deploy workflow). Every other
  # role trusts what the environment's vcs_ref or GitHub environments allow.
  trusts = merge([for env, cfg in var.environments : {
    for role in ["plan", "deploy"] : "${env}/${role}" => {
      # CircleCI: the release managers' exact subjects, or any user id (36 single wildcards).
      circleci_test = cfg.protected && role == "deploy" ? "StringEquals" : "StringLike"
      circleci_subjects = local.github ? [] : [
        for user in(cfg.protected && role == "deploy" ? var.circleci_release_user_ids : [local.any_user_id]) :
        "${local.project_path}/${user}/vcs-origin/${var.vcs_origin}/vcs-ref/${cfg.vcs_ref}"
      ]
      github_test = local.github_kinds["${env}/${role}"] == "ref" && endswith(cfg.vcs_ref, "*") ? "StringLike" : "StringEquals"
      github_subjects = !local.github ? [] : (
        local.github_kinds["${env}/${role}"] == "environment"
        ? [for name in coalesce(cfg.github_environments, [env]) : "repo:${var.github_repository}:environment:${name}"]
        : ["repo:${var.github_repository}:ref:${cfg.vcs_ref}"]
      )
      github_workflow_ref = local.github && cfg.protected ? local.github_workflow_ref : null
      # An IAM user's key skips every ref rule: it never reaches a protected environment.
      ci_user = lookup(local.ci_user_of_env, env, null)
    }
  }]...)
}

data "aws_iam_policy_document" "trust" {
  for_each = local.trusts

  dynamic "statement" {
    for_each = local.github ? [] : [each.value]

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
        test     = statement.value.circleci_test
        variable = "${local.issuer}:sub"
        values   = statement.value.circleci_subjects
      }
    }
  }

  dynamic "statement" {
    for_each = local.github ? [each.value] : []

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
        test     = statement.value.github_test
        variable = "${local.issuer}:sub"
        values   = statement.value.github_subjects
      }

      dynamic "condition" {
        for_each = statement.value.github_workflow_ref == null ? [] : [statement.value.github_workflow_ref]

        content {
          test     = "StringEquals"
          variable = "${local.issuer}:job_workflow_ref"
          values   = [condition.value]
        }
      }
    }
  }

  # The IAM user's key is a long-lived secret: it works only from the CI system's addresses.
  dynamic "statement" {
    for_each = each.value.ci_user == null ? [] : [each.value.ci_user]

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
  assume_role_policy   = data.aws_iam_policy_document.trust["${each.key}/deploy"].json
  max_session_duration = var.max_session_duration
  tags                 = var.tags

  # The user must exist before a trust policy may name it.
  depends_on = [aws_iam_user.ci, aws_iam_openid_connect_provider.circleci, aws_iam_openid_connect_provider.github]
}
