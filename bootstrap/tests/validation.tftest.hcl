# Validation blocks of the bootstrap root (its modules validate the rest).
mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
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

run "region_not_a_region" {
  command = plan
  variables { region = "europe" }
  expect_failures = [var.region]
}
