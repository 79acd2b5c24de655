# Every validation block of examples/complete rejects a bad value (run by `make test`).
# tests/package.zip is put there by the test harness (any zip: the provider is mocked).
mock_provider "aws" {
  source = "../../tests/terraform/mocks" # the shared mock answers
}

# The shared mock answers a random partition; log_bucket's log_delivery checks the source bucket
# ARN it builds from it (arn:<partition>:s3:::<bucket>).
override_data {
  target = data.aws_partition.current
  values = { partition = "aws" }
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
