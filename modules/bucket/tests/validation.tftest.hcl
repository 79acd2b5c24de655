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

run "name_reserved_prefix" {
  command = plan
  variables { name = "sthree-texts" }
  expect_failures = [var.name]
}

run "name_reserved_suffix" {
  command = plan
  variables { name = "texts--ol-s3" }
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

# Server access logging, as a source and as a target (issue 14).
run "accepts_access_logging_and_log_delivery" {
  command = plan
  variables {
    access_logging = { target_bucket = "scribe-validation-logs", target_prefix = "s3/texts/" }
    log_delivery   = { source_bucket_arns = ["arn:aws:s3:::scribe-validation-source"], target_prefix = "s3/" }
  }

  assert {
    condition     = aws_s3_bucket_logging.this[0].target_bucket == "scribe-validation-logs" && aws_s3_bucket_logging.this[0].target_prefix == "s3/texts/"
    error_message = "access_logging must configure the logging of the bucket to the target."
  }
}

run "log_delivery_alone_keeps_a_policy" {
  command = plan
  variables {
    enforce_tls  = false
    log_delivery = { source_bucket_arns = ["arn:aws:s3:::scribe-validation-source"] }
  }

  assert {
    condition     = length(aws_s3_bucket_policy.tls_only) == 1
    error_message = "log_delivery must attach the bucket policy even without enforce_tls."
  }
}

run "access_logging_target_not_a_bucket_name" {
  command = plan
  variables {
    access_logging = { target_bucket = "Logs_Bucket" }
  }
  expect_failures = [var.access_logging]
}

run "access_logging_prefix_without_slash" {
  command = plan
  variables {
    access_logging = { target_bucket = "scribe-validation-logs", target_prefix = "s3" }
  }
  expect_failures = [var.access_logging]
}

run "access_logging_into_itself" {
  command = plan
  variables {
    access_logging = { target_bucket = "scribe-validation-bucket" }
  }
  expect_failures = [var.access_logging]
}

run "log_delivery_without_sources" {
  command = plan
  variables {
    log_delivery = { source_bucket_arns = [] }
  }
  expect_failures = [var.log_delivery]
}

run "log_delivery_source_is_an_object_arn" {
  command = plan
  variables {
    log_delivery = { source_bucket_arns = ["arn:aws:s3:::scribe-validation-source/key"] }
  }
  expect_failures = [var.log_delivery]
}

run "tags_with_a_reserved_key" {
  command = plan
  variables { tags = { "AWS:owner" = "team" } }
  expect_failures = [var.tags]
}

run "tags_with_a_value_over_256" {
  command = plan
  variables { tags = { owner = format("%0257d", 0) } }
  expect_failures = [var.tags]
}
