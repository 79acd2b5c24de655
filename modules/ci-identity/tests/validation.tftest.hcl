# Every validation block of modules/ci-identity rejects a bad value (run by `make test`).
mock_provider "aws" {
  source = "../../tests/terraform/mocks" # the shared mock answers
}

variables {
  name_prefix         = "scribe-ci"
  circleci_org_id     = "00000000-0000-4000-8000-000000000001"
  circleci_project_id = "00000000-0000-4000-8000-000000000002"
  vcs_origin          = "github.com/acme/scribe"
  state_bucket_name   = "scribe-tfstate-test"
  environments = {
    dev  = { stack_name = "scribe-dev", state_key = "scribe/dev.tfstate" }
    prod = { stack_name = "scribe-prod", state_key = "scribe/prod.tfstate", vcs_ref = "refs/heads/main" }
  }
}

run "accepts_the_defaults" {
  command = plan
}

run "accepts_an_existing_provider_and_a_ci_user" {
  command = plan
  variables {
    oidc_provider_arn    = "arn:aws:iam::123456789012:oidc-provider/oidc.circleci.com/org/00000000-0000-4000-8000-000000000001"
    create_ci_user       = true
    ci_user_source_cidrs = ["203.0.113.0/24", "2001:db8::/32"]
  }
}

run "accepts_pinned_apis_keys_and_ref_patterns" {
  command = plan
  variables {
    environments = {
      dev  = { stack_name = "scribe-dev", state_key = "scribe/dev.tfstate", vcs_ref = "refs/tags/v*", api_id = "abc123def4" }
      prod = { stack_name = "scribe-prod", state_key = "scribe/prod.tfstate", vcs_ref = "refs/heads/main", kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-0000-4000-8000-00000000000a" }
    }
  }
}

# GitHub Actions instead of CircleCI: the CircleCI inputs are null, github_repository names the repo.
run "accepts_github_with_ref_and_environment_subjects" {
  command = plan
  variables {
    ci_provider         = "github"
    circleci_org_id     = null
    circleci_project_id = null
    vcs_origin          = null
    github_repository   = "acme/scribe"
    environments = {
      dev  = { stack_name = "scribe-dev", state_key = "scribe/dev.tfstate" }
      prod = { stack_name = "scribe-prod", state_key = "scribe/prod.tfstate", github_subject = "environment", github_environments = ["prod-plan", "prod"] }
      rel  = { stack_name = "scribe-rel", state_key = "scribe/rel.tfstate", vcs_ref = "refs/heads/main" }
    }
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.github) == 1 && length(aws_iam_openid_connect_provider.circleci) == 0
    error_message = "ci_provider github must create the GitHub provider and no CircleCI provider."
  }

  assert {
    condition = (
      aws_iam_openid_connect_provider.github[0].url == "https://token.actions.githubusercontent.com" &&
      aws_iam_openid_connect_provider.github[0].client_id_list == toset(["sts.amazonaws.com"])
    )
    error_message = "The GitHub provider must be https://token.actions.githubusercontent.com with the audience sts.amazonaws.com."
  }

  # The rendered JSON is asserted by tests/plan/test_ci_identity.py (the mock renders none).
  assert {
    condition = jsonencode({ for key, trust in local.trusts : key => { test = trust.github_test, subjects = trust.github_subjects, workflow = trust.github_workflow_ref } if endswith(key, "/deploy") }) == jsonencode({
      "dev/deploy"  = { test = "StringLike", subjects = ["repo:acme/scribe:ref:refs/heads/*"], workflow = null }
      "prod/deploy" = { test = "StringEquals", subjects = ["repo:acme/scribe:environment:prod-plan", "repo:acme/scribe:environment:prod"], workflow = null }
      "rel/deploy"  = { test = "StringEquals", subjects = ["repo:acme/scribe:ref:refs/heads/main"], workflow = null }
    })
    error_message = "Each environment must trust exactly its ref (StringLike only with a trailing '*') or its listed GitHub environments."
  }

  assert {
    condition     = aws_iam_role.deploy["dev"].description == "GitHub Actions deploys stack scribe-dev (dev)."
    error_message = "The role's description must name GitHub Actions."
  }
}

run "accepts_github_with_an_existing_provider" {
  command = plan
  variables {
    ci_provider         = "github"
    circleci_org_id     = null
    circleci_project_id = null
    vcs_origin          = null
    github_repository   = "acme/scribe"
    oidc_provider_arn   = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    environments = {
      prod = { stack_name = "scribe-prod", state_key = "scribe/prod.tfstate", github_subject = "environment" }
    }
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.github) == 0 && output.oidc_provider_arn == "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    error_message = "An existing GitHub provider must be used, not created."
  }

  assert {
    condition     = jsonencode(local.trusts["prod/deploy"].github_subjects) == jsonencode(["repo:acme/scribe:environment:prod"])
    error_message = "github_environments left null must trust the GitHub environment named like the environment's key."
  }
}

# A protected environment (prod): its deploy role trusts only what the approval changes in the
# token; its plan role every job of its ref; the CI user neither.
run "accepts_a_protected_environment_on_circleci" {
  command = plan
  variables {
    circleci_release_user_ids = ["0000000a-0000-4000-8000-000000000001", "0000000b-0000-4000-8000-000000000002"]
    create_ci_user            = true
    ci_user_source_cidrs      = ["203.0.113.0/24"]
    environments = {
      dev  = { stack_name = "scribe-dev", state_key = "scribe/dev.tfstate" }
      prod = { stack_name = "scribe-prod", state_key = "scribe/prod.tfstate", vcs_ref = "refs/heads/main", protected = true }
    }
  }

  assert {
    condition = local.trusts["prod/deploy"].circleci_test == "StringEquals" && jsonencode(local.trusts["prod/deploy"].circleci_subjects) == jsonencode([
      "org/00000000-0000-4000-8000-000000000001/project/00000000-0000-4000-8000-000000000002/user/0000000a-0000-4000-8000-000000000001/vcs-origin/github.com/acme/scribe/vcs-ref/refs/heads/main",
      "org/00000000-0000-4000-8000-000000000001/project/00000000-0000-4000-8000-000000000002/user/0000000b-0000-4000-8000-000000000002/vcs-origin/github.com/acme/scribe/vcs-ref/refs/heads/main",
    ])
    error_message = "A protected environment's deploy role must trust exactly the release managers' subjects on its ref."
  }

  assert {
    condition     = local.trusts["prod/plan"].circleci_test == "StringLike" && jsonencode(local.trusts["prod/plan"].circleci_subjects) == jsonencode(["org/00000000-0000-4000-8000-000000000001/project/00000000-0000-4000-8000-000000000002/user/????????-????-????-????-????????????/vcs-origin/github.com/acme/scribe/vcs-ref/refs/heads/main"])
    error_message = "A protected environment's plan role must trust any user's pipeline on its ref."
  }

  assert {
    condition     = local.trusts["prod/deploy"].ci_user == null && local.trusts["prod/plan"].ci_user == null && endswith(local.trusts["dev/deploy"].ci_user, ":iam::123456789012:user/scribe-ci-ci") && endswith(local.trusts["dev/plan"].ci_user, ":iam::123456789012:user/scribe-ci-ci")
    error_message = "The CI user must reach the unprotected environment's roles only."
  }
}

run "accepts_a_protected_environment_on_github" {
  command = plan
  variables {
    ci_provider         = "github"
    circleci_org_id     = null
    circleci_project_id = null
    vcs_origin          = null
    github_repository   = "acme/scribe"
    environments = {
      dev  = { stack_name = "scribe-dev", state_key = "scribe/dev.tfstate" }
      prod = { stack_name = "scribe-prod", state_key = "scribe/prod.tfstate", vcs_ref = "refs/heads/main", protected = true }
    }
  }

  assert {
    condition = jsonencode({ for key, trust in local.trusts : key => [trust.github_test, trust.github_subjects, trust.github_workflow_ref] }) == jsonencode({
      "dev/plan"    = ["StringLike", ["repo:acme/scribe:ref:refs/heads/*"], null]
      "dev/deploy"  = ["StringLike", ["repo:acme/scribe:ref:refs/heads/*"], null]
      "prod/plan"   = ["StringEquals", ["repo:acme/scribe:ref:refs/heads/main"], "acme/scribe/.github/workflows/deploy.yml@refs/heads/main"]
      "prod/deploy" = ["StringEquals", ["repo:acme/scribe:environment:prod"], "acme/scribe/.github/workflows/deploy.yml@refs/heads/main"]
    })
    error_message = "A protected environment's deploy role must trust its GitHub environment, its plan role its ref, both only from the deploy workflow on main."
  }
}

run "accepts_a_protected_environment_with_its_own_workflow" {
  command = plan
  variables {
    ci_provider         = "github"
    circleci_org_id     = null
    circleci_project_id = null
    vcs_origin          = null
    github_repository   = "acme/scribe"
    github_workflow_ref = "acme/scribe/.github/workflows/release.yml@refs/heads/release"
    environments        = { prod = { stack_name = "scribe-prod", state_key = "p.tfstate", vcs_ref = "refs/heads/release", protected = true, github_environments = ["production"] } }
  }

  assert {
    condition     = local.trusts["prod/deploy"].github_workflow_ref == "acme/scribe/.github/workflows/release.yml@refs/heads/release" && jsonencode(local.trusts["prod/deploy"].github_subjects) == jsonencode(["repo:acme/scribe:environment:production"])
    error_message = "github_workflow_ref and github_environments must be what a protected environment's deploy role trusts."
  }
}

run "protected_without_release_managers" {
  command = plan
  variables {
    environments = { prod = { stack_name = "scribe-prod", state_key = "scribe/prod.tfstate", vcs_ref = "refs/heads/main", protected = true } }
  }
  expect_failures = [var.circleci_release_user_ids]
}

run "release_manager_not_a_uuid" {
  command = plan
  variables {
    circleci_release_user_ids = ["alice"]
    environments              = { prod = { stack_name = "scribe-prod", state_key = "scribe/prod.tfstate", vcs_ref = "refs/heads/main", protected = true } }
  }
  expect_failures = [var.circleci_release_user_ids]
}

run "release_managers_with_github" {
  command = plan
  variables {
    ci_provider               = "github"
    circleci_org_id           = null
    circleci_project_id       = null
    vcs_origin                = null
    github_repository         = "acme/scribe"
    circleci_release_user_ids = ["0000000a-0000-4000-8000-000000000001"]
  }
  expect_failures = [var.circleci_release_user_ids]
}

run "protected_with_a_ref_pattern" {
  command = plan
  variables {
    circleci_release_user_ids = ["0000000a-0000-4000-8000-000000000001"]
    environments              = { prod = { stack_name = "scribe-prod", state_key = "p.tfstate", protected = true } }
  }
  expect_failures = [var.environments]
}

run "protected_with_the_ref_subject" {
  command = plan
  variables {
    ci_provider         = "github"
    circleci_org_id     = null
    circleci_project_id = null
    vcs_origin          = null
    github_repository   = "acme/scribe"
    environments        = { prod = { stack_name = "scribe-prod", state_key = "p.tfstate", vcs_ref = "refs/heads/main", protected = true, github_subject = "ref" } }
  }
  expect_failures = [var.environments]
}

run "workflow_ref_with_circleci" {
  command = plan
  variables {
    github_workflow_ref = "acme/scribe/.github/workflows/deploy.yml@refs/heads/main"
  }
  expect_failures = [var.github_workflow_ref]
}

run "workflow_ref_of_another_repository" {
  command = plan
  variables {
    ci_provider         = "github"
    circleci_org_id     = null
    circleci_project_id = null
    vcs_origin          = null
    github_repository   = "acme/scribe"
    github_workflow_ref = "attacker/scribe/.github/workflows/deploy.yml@refs/heads/main"
  }
  expect_failures = [var.github_workflow_ref]
}

run "workflow_ref_with_a_wildcard" {
  command = plan
  variables {
    ci_provider         = "github"
    circleci_org_id     = null
    circleci_project_id = null
    vcs_origin          = null
    github_repository   = "acme/scribe"
    github_workflow_ref = "acme/scribe/.github/workflows/*.yml@refs/heads/main"
  }
  expect_failures = [var.github_workflow_ref]
}

run "ci_user_with_every_environment_protected" {
  command = plan
  variables {
    circleci_release_user_ids = ["0000000a-0000-4000-8000-000000000001"]
    create_ci_user            = true
    ci_user_source_cidrs      = ["203.0.113.0/24"]
    environments              = { prod = { stack_name = "scribe-prod", state_key = "scribe/prod.tfstate", vcs_ref = "refs/heads/main", protected = true } }
  }
  expect_failures = [var.create_ci_user]
}

run "ci_provider_unknown" {
  command = plan
  variables { ci_provider = "gitlab" }
  expect_failures = [var.ci_provider]
}

run "circleci_without_org_id" {
  command = plan
  variables { circleci_org_id = null }
  expect_failures = [var.circleci_org_id]
}

run "circleci_without_project_id" {
  command = plan
  variables { circleci_project_id = null }
  expect_failures = [var.circleci_project_id]
}

run "circleci_without_vcs_origin" {
  command = plan
  variables { vcs_origin = null }
  expect_failures = [var.vcs_origin]
}

run "circleci_with_github_repository" {
  command = plan
  variables { github_repository = "acme/scribe" }
  expect_failures = [var.github_repository]
}

# With GitHub chosen, a CircleCI input left set is refused: it would trust nothing and mislead.
run "github_with_circleci_ids" {
  command = plan
  variables {
    ci_provider       = "github"
    github_repository = "acme/scribe"
  }
  expect_failures = [var.circleci_org_id, var.circleci_project_id, var.vcs_origin]
}

run "github_without_repository" {
  command = plan
  variables {
    ci_provider         = "github"
    circleci_org_id     = null
    circleci_project_id = null
    vcs_origin          = null
  }
  expect_failures = [var.github_repository]
}

run "github_repository_with_wildcard" {
  command = plan
  variables {
    ci_provider         = "github"
    circleci_org_id     = null
    circleci_project_id = null
    vcs_origin          = null
    github_repository   = "acme/*"
  }
  expect_failures = [var.github_repository]
}

run "github_repository_with_colon" {
  command = plan
  variables {
    ci_provider         = "github"
    circleci_org_id     = null
    circleci_project_id = null
    vcs_origin          = null
    github_repository   = "acme/scribe:ref:refs/heads/main"
  }
  expect_failures = [var.github_repository]
}

run "github_repository_without_owner" {
  command = plan
  variables {
    ci_provider         = "github"
    circleci_org_id     = null
    circleci_project_id = null
    vcs_origin          = null
    github_repository   = "scribe"
  }
  expect_failures = [var.github_repository]
}

run "github_repository_dot_dot" {
  command = plan
  variables {
    ci_provider         = "github"
    circleci_org_id     = null
    circleci_project_id = null
    vcs_origin          = null
    github_repository   = "acme/.."
  }
  expect_failures = [var.github_repository]
}

run "github_with_a_circleci_provider_arn" {
  command = plan
  variables {
    ci_provider         = "github"
    circleci_org_id     = null
    circleci_project_id = null
    vcs_origin          = null
    github_repository   = "acme/scribe"
    oidc_provider_arn   = "arn:aws:iam::123456789012:oidc-provider/oidc.circleci.com/org/00000000-0000-4000-8000-000000000001"
  }
  expect_failures = [var.oidc_provider_arn]
}

run "github_subject_unknown" {
  command = plan
  variables {
    ci_provider         = "github"
    circleci_org_id     = null
    circleci_project_id = null
    vcs_origin          = null
    github_repository   = "acme/scribe"
    environments        = { dev = { stack_name = "scribe-dev", state_key = "d.tfstate", github_subject = "pull_request" } }
  }
  expect_failures = [var.environments]
}

run "environment_subject_with_circleci" {
  command = plan
  variables {
    environments = { prod = { stack_name = "scribe-prod", state_key = "p.tfstate", github_subject = "environment" } }
  }
  expect_failures = [var.environments]
}

run "github_environments_with_ref_subject" {
  command = plan
  variables {
    ci_provider         = "github"
    circleci_org_id     = null
    circleci_project_id = null
    vcs_origin          = null
    github_repository   = "acme/scribe"
    environments        = { prod = { stack_name = "scribe-prod", state_key = "p.tfstate", github_environments = ["prod"] } }
  }
  expect_failures = [var.environments]
}

run "github_environment_with_wildcard" {
  command = plan
  variables {
    ci_provider         = "github"
    circleci_org_id     = null
    circleci_project_id = null
    vcs_origin          = null
    github_repository   = "acme/scribe"
    environments        = { prod = { stack_name = "scribe-prod", state_key = "p.tfstate", github_subject = "environment", github_environments = ["prod*"] } }
  }
  expect_failures = [var.environments]
}

run "github_environment_with_colon" {
  command = plan
  variables {
    ci_provider         = "github"
    circleci_org_id     = null
    circleci_project_id = null
    vcs_origin          = null
    github_repository   = "acme/scribe"
    environments        = { prod = { stack_name = "scribe-prod", state_key = "p.tfstate", github_subject = "environment", github_environments = ["x:environment:prod"] } }
  }
  expect_failures = [var.environments]
}

run "github_environments_empty" {
  command = plan
  variables {
    ci_provider         = "github"
    circleci_org_id     = null
    circleci_project_id = null
    vcs_origin          = null
    github_repository   = "acme/scribe"
    environments        = { prod = { stack_name = "scribe-prod", state_key = "p.tfstate", github_subject = "environment", github_environments = [] } }
  }
  expect_failures = [var.environments]
}

run "vcs_origin_with_wildcard" {
  command = plan
  variables { vcs_origin = "github.com/acme/*" }
  expect_failures = [var.vcs_origin]
}

run "vcs_origin_without_repo" {
  command = plan
  variables { vcs_origin = "github.com/acme" }
  expect_failures = [var.vcs_origin]
}

run "vcs_ref_any" {
  command = plan
  variables {
    environments = { dev = { stack_name = "scribe-dev", state_key = "d.tfstate", vcs_ref = "*" } }
  }
  expect_failures = [var.environments]
}

run "vcs_ref_inner_wildcard" {
  command = plan
  variables {
    environments = { prod = { stack_name = "scribe-prod", state_key = "p.tfstate", vcs_ref = "refs/heads/*/main" } }
  }
  expect_failures = [var.environments]
}

run "vcs_ref_question_mark" {
  command = plan
  variables {
    environments = { prod = { stack_name = "scribe-prod", state_key = "p.tfstate", vcs_ref = "refs/heads/mai?" } }
  }
  expect_failures = [var.environments]
}

run "key_prefix_with_wildcard" {
  command = plan
  variables {
    environments = { dev = { stack_name = "scribe-dev", state_key = "d.tfstate", key_prefix = "in*/" } }
  }
  expect_failures = [var.environments]
}

run "api_id_not_an_id" {
  command = plan
  variables {
    environments = { dev = { stack_name = "scribe-dev", state_key = "d.tfstate", api_id = "*" } }
  }
  expect_failures = [var.environments]
}

run "kms_key_arn_an_alias" {
  command = plan
  variables {
    environments = { dev = { stack_name = "scribe-dev", state_key = "d.tfstate", kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:alias/*" } }
  }
  expect_failures = [var.environments]
}

run "stack_names_overlap" {
  command = plan
  variables {
    environments = {
      dev  = { stack_name = "scribe", state_key = "scribe/dev.tfstate" }
      prod = { stack_name = "scribe-prod", state_key = "scribe/prod.tfstate" }
    }
  }
  expect_failures = [var.environments]
}

run "stack_names_equal" {
  command = plan
  variables {
    environments = {
      dev  = { stack_name = "scribe-app", state_key = "scribe/dev.tfstate" }
      prod = { stack_name = "scribe-app", state_key = "scribe/prod.tfstate" }
    }
  }
  expect_failures = [var.environments]
}

run "stack_name_covers_the_name_prefix" {
  command = plan
  variables {
    environments = { dev = { stack_name = "scribe", state_key = "scribe/dev.tfstate" } }
    name_prefix  = "scribe-ci"
  }
  expect_failures = [var.environments]
}

run "stack_name_covers_the_state_bucket" {
  command = plan
  variables {
    environments      = { dev = { stack_name = "scribe-tfstate", state_key = "scribe/dev.tfstate" } }
    state_bucket_name = "scribe-tfstate-123456789012"
  }
  expect_failures = [var.environments]
}

run "ci_user_without_addresses" {
  command = plan
  variables { create_ci_user = true }
  expect_failures = [var.ci_user_source_cidrs]
}

run "ci_user_from_anywhere" {
  command = plan
  variables {
    create_ci_user       = true
    ci_user_source_cidrs = ["0.0.0.0/0"]
  }
  expect_failures = [var.ci_user_source_cidrs]
}

run "name_prefix_upper_case" {
  command = plan
  variables { name_prefix = "Scribe" }
  expect_failures = [var.name_prefix]
}

run "org_id_not_a_uuid" {
  command = plan
  variables { circleci_org_id = "my-org" }
  expect_failures = [var.circleci_org_id]
}

run "project_id_not_a_uuid" {
  command = plan
  variables { circleci_project_id = "12345" }
  expect_failures = [var.circleci_project_id]
}

run "provider_arn_of_another_issuer" {
  command = plan
  variables { oidc_provider_arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
  expect_failures = [var.oidc_provider_arn]
}

run "no_environment" {
  command = plan
  variables { environments = {} }
  expect_failures = [var.environments]
}

run "environment_name_with_dash" {
  command = plan
  variables {
    environments = { "pre-prod" = { stack_name = "scribe-pp", state_key = "scribe/pp.tfstate" } }
  }
  expect_failures = [var.environments]
}

run "stack_name_invalid" {
  command = plan
  variables {
    environments = { dev = { stack_name = "Scribe_Dev", state_key = "scribe/dev.tfstate" } }
  }
  expect_failures = [var.environments]
}

run "vcs_ref_not_a_ref" {
  command = plan
  variables {
    environments = { prod = { stack_name = "scribe-prod", state_key = "p.tfstate", vcs_ref = "main" } }
  }
  expect_failures = [var.environments]
}

run "state_key_not_tfstate" {
  command = plan
  variables {
    environments = { dev = { stack_name = "scribe-dev", state_key = "scribe/dev.json" } }
  }
  expect_failures = [var.environments]
}

run "state_key_shared" {
  command = plan
  variables {
    environments = {
      dev  = { stack_name = "scribe-dev", state_key = "scribe.tfstate" }
      prod = { stack_name = "scribe-prod", state_key = "scribe.tfstate" }
    }
  }
  expect_failures = [var.environments]
}

run "state_bucket_invalid" {
  command = plan
  variables { state_bucket_name = "State_Bucket" }
  expect_failures = [var.state_bucket_name]
}

run "session_too_short" {
  command = plan
  variables { max_session_duration = 900 }
  expect_failures = [var.max_session_duration]
}

run "session_too_long" {
  command = plan
  variables { max_session_duration = 43201 }
  expect_failures = [var.max_session_duration]
}

# state_bucket_name checks the S3 naming rule of modules/bucket's name (tests/plan/test_conventions.py).
run "state_bucket_double_dot" {
  command = plan
  variables { state_bucket_name = "a..b" }
  expect_failures = [var.state_bucket_name]
}

run "state_bucket_punycode_prefix" {
  command = plan
  variables { state_bucket_name = "xn--abc" }
  expect_failures = [var.state_bucket_name]
}

run "state_bucket_ip_address" {
  command = plan
  variables { state_bucket_name = "192.168.1.1" }
  expect_failures = [var.state_bucket_name]
}

run "state_bucket_s3alias_suffix" {
  command = plan
  variables { state_bucket_name = "tfstate-s3alias" }
  expect_failures = [var.state_bucket_name]
}

run "state_bucket_reserved_prefix" {
  command = plan
  variables { state_bucket_name = "sthree-tfstate" }
  expect_failures = [var.state_bucket_name]
}

run "state_bucket_reserved_suffix" {
  command = plan
  variables { state_bucket_name = "tfstate--ol-s3" }
  expect_failures = [var.state_bucket_name]
}

# null means "the module's default" for every input that has one (nullable = false).
run "null_inputs_take_the_defaults" {
  command = plan
  variables {
    ci_provider          = null
    oidc_provider_arn    = null
    create_ci_user       = null
    ci_user_source_cidrs = null
    max_session_duration = null
    tags                 = null
    environments = {
      dev = { stack_name = "scribe-dev", state_key = "scribe/dev.tfstate", vcs_ref = null, key_prefix = null, api_id = null, kms_key_arn = null, tracing = null, protected = null, github_subject = null, github_environments = null }
    }
  }

  assert {
    condition     = length(local.trusts["dev/deploy"].github_subjects) == 0 && length(aws_iam_openid_connect_provider.github) == 0 && local.github_kinds["dev/deploy"] == "ref" && !var.environments["dev"].protected
    error_message = "null ci_provider, github_subject and protected must give circleci, ref and unprotected."
  }

  assert {
    condition     = aws_iam_role.deploy["dev"].max_session_duration == 3600
    error_message = "max_session_duration = null must give 3600."
  }

  assert {
    condition     = length(aws_iam_user.ci) == 0 && length(aws_iam_openid_connect_provider.circleci) == 1
    error_message = "null create_ci_user and oidc_provider_arn must create no user and one OIDC provider."
  }

  assert {
    condition     = var.environments["dev"].vcs_ref == "refs/heads/*" && var.environments["dev"].key_prefix == "incoming/"
    error_message = "null vcs_ref and key_prefix must give refs/heads/* and incoming/."
  }

  assert {
    condition     = var.environments["dev"].tracing == false && !strcontains(data.aws_iam_policy_document.boundary["dev"].json, "xray:")
    error_message = "null tracing must give false and a boundary without X-Ray."
  }
}

# ci_user_per_environment: one user per unprotected environment, each trusted by its own
# environment's roles only; a protected environment trusts none.
run "one_ci_user_per_unprotected_environment" {
  command = plan
  variables {
    circleci_release_user_ids = ["0000000a-0000-4000-8000-000000000001"]
    create_ci_user            = true
    ci_user_per_environment   = true
    ci_user_source_cidrs      = ["203.0.113.0/24"]
    environments = {
      dev     = { stack_name = "scribe-dev", state_key = "scribe/dev.tfstate" }
      staging = { stack_name = "scribe-staging", state_key = "scribe/staging.tfstate" }
      prod    = { stack_name = "scribe-prod", state_key = "scribe/prod.tfstate", vcs_ref = "refs/heads/main", protected = true }
    }
  }

  assert {
    condition     = jsonencode({ for key, user in aws_iam_user.ci : key => user.name }) == jsonencode({ dev = "scribe-ci-ci-dev", staging = "scribe-ci-ci-staging" })
    error_message = "ci_user_per_environment must create one user per unprotected environment, none for prod."
  }

  assert {
    condition     = endswith(local.trusts["dev/deploy"].ci_user, ":user/scribe-ci-ci-dev") && endswith(local.trusts["staging/plan"].ci_user, ":user/scribe-ci-ci-staging") && local.trusts["prod/deploy"].ci_user == null && local.trusts["prod/plan"].ci_user == null
    error_message = "Each environment's roles must trust only that environment's user; a protected one none."
  }

  assert {
    condition     = output.ci_user_name == null && jsonencode(output.ci_user_names) == jsonencode({ dev = "scribe-ci-ci-dev", staging = "scribe-ci-ci-staging" })
    error_message = "Per environment, ci_user_name is null and ci_user_names names each environment's user."
  }
}

# The stack's optional features are accepted (tests/iam checks the rendered grants: the mock
# provider renders no policy document).
run "accepts_every_feature" {
  command = plan
  variables {
    environments = {
      dev = { stack_name = "scribe-dev", state_key = "scribe/dev.tfstate" }
      prod = {
        stack_name        = "scribe-prod"
        state_key         = "scribe/prod.tfstate"
        vcs_ref           = "refs/heads/main"
        alarms            = { create_topic = true, topic_arns = ["arn:aws:sns:eu-west-1:123456789012:ops-pager"] }
        log_kms_key_arns  = ["arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-0000-4000-8000-00000000000a"]
        domain            = { name = "texts.example.com", hosted_zone_id = "Z0123456789EXAMPLE0" }
        access_log_bucket = "acme-access-logs"
      }
    }
  }
}

run "alarm_topic_not_an_arn" {
  command = plan
  variables {
    environments = { dev = { stack_name = "scribe-dev", state_key = "scribe/dev.tfstate", alarms = { topic_arns = ["arn:aws:sns:eu-west-1:123456789012:*"] } } }
  }
  expect_failures = [var.environments]
}

run "log_key_an_alias" {
  command = plan
  variables {
    environments = { dev = { stack_name = "scribe-dev", state_key = "scribe/dev.tfstate", log_kms_key_arns = ["arn:aws:kms:eu-west-1:123456789012:alias/logs"] } }
  }
  expect_failures = [var.environments]
}

run "domain_with_a_wildcard" {
  command = plan
  variables {
    environments = { dev = { stack_name = "scribe-dev", state_key = "scribe/dev.tfstate", domain = { name = "*.example.com", hosted_zone_id = "Z0123456789EXAMPLE0" } } }
  }
  expect_failures = [var.environments]
}

run "domain_zone_not_a_zone_id" {
  command = plan
  variables {
    environments = { dev = { stack_name = "scribe-dev", state_key = "scribe/dev.tfstate", domain = { name = "texts.example.com", hosted_zone_id = "/hostedzone/Z0123" } } }
  }
  expect_failures = [var.environments]
}

run "access_log_bucket_of_the_stack" {
  command = plan
  variables {
    environments = { dev = { stack_name = "scribe-dev", state_key = "scribe/dev.tfstate", access_log_bucket = "scribe-dev-logs" } }
  }
  expect_failures = [var.environments]
}

run "tags_with_a_reserved_key" {
  command = plan
  variables { tags = { "AWS:owner" = "team" } }
  expect_failures = [var.tags]
}
