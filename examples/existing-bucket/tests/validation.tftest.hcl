# Every validation block of examples/existing-bucket rejects a bad value (run by `make test`).
# tests/package.zip is put there by the test harness (any zip: the provider is mocked).
mock_provider "aws" {
  source = "../../tests/terraform/mocks" # the shared mock answers
}

variables {
  region       = "eu-west-1"
  bucket_name  = "team-owned-texts"
  package_path = "tests/package.zip"
}

run "accepts_the_defaults" {
  command = plan
}

run "name_too_short" {
  command = plan
  variables { name = "ab" }
  expect_failures = [var.name]
}

run "jwt_is_not_offered" {
  command = plan
  variables { authorization_type = "JWT" }
  expect_failures = [var.authorization_type]
}

run "null_inputs_take_the_defaults" {
  command = plan
  variables {
    name               = null
    key_prefix         = null
    authorization_type = null
    bucket_kms_key_arn = null
    tags               = null
  }

  assert {
    condition     = output.key_prefix == "scribe/"
    error_message = "key_prefix = null must give the example's scribe/."
  }
}
