# Validation blocks of the root stack (the modules validate everything they are passed).
# Run by tests/plan/test_native.py with -test-directory=tests/terraform.
mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

variables {
  name         = "scribe-test"
  region       = "eu-west-1"
  package_path = "tests/terraform/package.zip"
}

run "accepts_minimal_inputs" {
  command = plan
}

run "name_with_upper_case" {
  command = plan
  variables { name = "Scribe" }
  expect_failures = [var.name]
}

run "name_ending_with_dash" {
  command = plan
  variables { name = "scribe-" }
  expect_failures = [var.name]
}

run "name_too_long" {
  command = plan
  variables { name = "s23456789012345678901234567890123" }
  expect_failures = [var.name]
}

run "region_not_a_region" {
  command = plan
  variables { region = "europe" }
  expect_failures = [var.region]
}

run "boundary_name_with_slash" {
  command = plan
  variables { permissions_boundary_policy_name = "path/name" }
  expect_failures = [var.permissions_boundary_policy_name]
}

run "role_path_without_trailing_slash" {
  command = plan
  variables { role_path = "/scribe-dev" }
  expect_failures = [var.role_path]
}
