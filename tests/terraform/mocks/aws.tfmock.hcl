# What the mocked AWS provider answers in every native test (`terraform test`, run by
# tests/plan/test_native.py): one account and region, and policy documents that parse as JSON.
# Each tftest file points its mock_provider "aws" here (source = path from its directory).
mock_data "aws_caller_identity" {
  defaults = { account_id = "123456789012" }
}

mock_data "aws_region" {
  defaults = { id = "eu-west-1" } # the region name on provider 5 and 6 (`name` is deprecated in 6)
}

mock_data "aws_iam_policy_document" {
  defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
}
