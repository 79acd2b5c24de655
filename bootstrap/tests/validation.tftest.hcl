# Validation blocks of the bootstrap root (its modules validate the rest).
mock_provider "aws" {
  source = "../tests/terraform/mocks" # the shared mock answers
}

variables {
  region              = "eu-west-1"
  state_bucket_name   = "scribe-tfstate-test"
  circleci_org_id     = "00000000-0000-4000-8000-000000000001"
  circleci_project_id = "00000000-0000-4000-8000-000000000002"
  vcs_origin          = "github.com/acme/scribe"
  environments = {
    dev = { stack_name = "scribe-dev", state_key = "scribe/dev.tfstate" }
  }
}

run "accepts_the_example" {
  command = plan
}

# GitHub Actions: the CircleCI ids left out, the choice passed through to modules/ci-identity.
run "accepts_github_actions" {
  command = plan
  variables {
    ci_provider         = "github"
    github_repository   = "acme/scribe"
    circleci_org_id     = null
    circleci_project_id = null
    vcs_origin          = null
    environments = {
      dev  = { stack_name = "scribe-dev", state_key = "scribe/dev.tfstate" }
      prod = { stack_name = "scribe-prod", state_key = "scribe/prod.tfstate", github_subject = "environment", github_environments = ["prod"] }
    }
  }

  assert {
    condition     = output.state_bucket_name == "scribe-tfstate-test" && output.ci_user_name == null
    error_message = "GitHub Actions must plan the state bucket and no CI user."
  }
}

run "region_not_a_region" {
  command = plan
  variables { region = "europe" }
  expect_failures = [var.region]
}

# null means "the default" for every input that has one (nullable = false); vcs_ref and
# key_prefix left null take modules/ci-identity's defaults (its validations refuse a null).
run "null_inputs_take_the_defaults" {
  command = plan
  variables {
    enforce_tls                           = null
    name_prefix                           = null
    ci_provider                           = null
    github_repository                     = null
    oidc_provider_arn                     = null
    create_ci_user                        = null
    ci_user_source_cidrs                  = null
    block_public_access_for_account       = null
    create_apigateway_service_linked_role = null
    max_session_duration                  = null
    tags                                  = null
    environments = {
      dev = { stack_name = "scribe-dev", state_key = "scribe/dev.tfstate", vcs_ref = null, key_prefix = null, github_subject = null, github_environments = null }
    }
  }

  assert {
    condition     = output.state_bucket_name == "scribe-tfstate-test" && output.ci_user_name == null
    error_message = "The defaults must plan the state bucket and no CI user."
  }

  assert {
    condition     = output.account_public_access_blocked && aws_s3_account_public_access_block.this[0].block_public_policy && aws_s3_account_public_access_block.this[0].restrict_public_buckets
    error_message = "By default bootstrap must turn on S3 Block Public Access for the account."
  }

  assert {
    condition     = aws_iam_service_linked_role.apigateway[0].aws_service_name == "ops.apigateway.amazonaws.com"
    error_message = "By default bootstrap must create API Gateway's service-linked role."
  }
}
