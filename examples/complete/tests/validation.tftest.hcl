# Every validation block of examples/complete rejects a bad value (run by `make test`).
# tests/package.zip is put there by the test harness (any zip: the provider is mocked).
mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

variables {
  package_path = "tests/package.zip"
}

run "accepts_the_defaults" {
  command = plan
}

run "name_with_upper_case" {
  command = plan
  variables { name = "Scribe" }
  expect_failures = [var.name]
}

run "null_inputs_take_the_defaults" {
  command = plan
  variables {
    name   = null
    region = null
    tags   = null
  }
}
