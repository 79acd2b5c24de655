# Every validation block of modules/bucket rejects a bad value (run by `make test`).
mock_provider "aws" {
  source = "../../tests/terraform/mocks" # the shared mock answers
}

variables {
  name = "scribe-validation-bucket"
}

run "accepts_the_defaults" {
  command = plan
}

run "name_too_short" {
  command = plan
  variables { name = "ab" }
  expect_failures = [var.name]
}

run "name_upper_case" {
  command = plan
  variables { name = "Upper-Case" }
  expect_failures = [var.name]
}

run "name_double_dot" {
  command = plan
  variables { name = "a..b" }
  expect_failures = [var.name]
}

run "name_ip_address" {
  command = plan
  variables { name = "192.168.10.1" }
  expect_failures = [var.name]
}

run "name_too_long" {
  command = plan
  variables { name = "a234567890123456789012345678901234567890123456789012345678901234" }
  expect_failures = [var.name]
}

run "kms_alias_is_not_a_key_arn" {
  command = plan
  variables { kms_key_arn = "alias/mine" }
  expect_failures = [var.kms_key_arn]
}

run "noncurrent_expiration_zero" {
  command = plan
  variables { noncurrent_version_expiration_days = 0 }
  expect_failures = [var.noncurrent_version_expiration_days]
}

run "noncurrent_expiration_fraction" {
  command = plan
  variables { noncurrent_version_expiration_days = 1.5 }
  expect_failures = [var.noncurrent_version_expiration_days]
}

run "name_punycode_prefix" {
  command = plan
  variables { name = "xn--abc" }
  expect_failures = [var.name]
}

run "name_s3alias_suffix" {
  command = plan
  variables { name = "texts-s3alias" }
  expect_failures = [var.name]
}

# null means "the module's default" for every input that has one (nullable = false).
run "null_inputs_take_the_defaults" {
  command = plan
  variables {
    force_destroy                      = null
    enforce_tls                        = null
    kms_key_arn                        = null
    noncurrent_version_expiration_days = null
    tags                               = null
  }

  assert {
    condition     = aws_s3_bucket.this.force_destroy == false
    error_message = "force_destroy = null must give false."
  }

  assert {
    condition     = length(aws_s3_bucket_policy.tls_only) == 1
    error_message = "enforce_tls = null must keep the TLS-only policy."
  }

  assert {
    condition     = length(aws_s3_bucket_lifecycle_configuration.this) == 0
    error_message = "noncurrent_version_expiration_days = null must keep every version."
  }
}
