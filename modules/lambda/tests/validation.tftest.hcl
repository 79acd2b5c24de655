# Every validation block of modules/lambda rejects a bad value (run by `make test`).
# tests/package.zip is put there by the test harness (any zip: the provider is mocked).
mock_provider "aws" {
  source = "../../tests/terraform/mocks" # the shared mock answers
}

variables {
  function_name = "scribe-validation"
  package_path  = "tests/package.zip"
  bucket_name   = "scribe-validation-bucket"
}

run "accepts_the_defaults" {
  command = plan
}

run "accepts_an_empty_prefix" {
  command = plan
  variables { key_prefix = "" }
}

run "accepts_nested_prefix" {
  command = plan
  variables { key_prefix = "a/b-c/d_e.f/" }
}

run "function_name_with_space" {
  command = plan
  variables { function_name = "bad name" }
  expect_failures = [var.function_name]
}

run "function_name_too_long" {
  command = plan
  variables { function_name = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" }
  expect_failures = [var.function_name]
}

run "package_not_a_zip" {
  command = plan
  variables { package_path = "tests/package.tar.gz" }
  expect_failures = [var.package_path]
}

run "handler_without_function" {
  command = plan
  variables { handler = "scribe" }
  expect_failures = [var.handler]
}

run "runtime_python311" {
  command = plan
  variables { runtime = "python3.11" }
  expect_failures = [var.runtime]
}

run "runtime_nodejs" {
  command = plan
  variables { runtime = "nodejs20.x" }
  expect_failures = [var.runtime]
}

run "architecture_unknown" {
  command = plan
  variables { architecture = "riscv" }
  expect_failures = [var.architecture]
}

run "memory_below_128" {
  command = plan
  variables { memory_size = 64 }
  expect_failures = [var.memory_size]
}

run "memory_above_10240" {
  command = plan
  variables { memory_size = 10241 }
  expect_failures = [var.memory_size]
}

run "memory_fraction" {
  command = plan
  variables { memory_size = 128.5 }
  expect_failures = [var.memory_size]
}

run "timeout_too_short_for_retries" {
  command = plan
  variables { timeout = 25 }
  expect_failures = [var.timeout]
}

run "timeout_above_http_api_limit" {
  command = plan
  variables { timeout = 31 }
  expect_failures = [var.timeout]
}

run "reserved_concurrency_zero" {
  command = plan
  variables { reserved_concurrency = 0 }
  expect_failures = [var.reserved_concurrency]
}

run "log_retention_not_allowed" {
  command = plan
  variables { log_retention_days = 2 }
  expect_failures = [var.log_retention_days]
}

run "log_retention_forever" {
  command = plan
  variables { log_retention_days = 0 }
  expect_failures = [var.log_retention_days]
}

run "bucket_name_invalid" {
  command = plan
  variables { bucket_name = "Not_A_Bucket" }
  expect_failures = [var.bucket_name]
}

run "prefix_without_trailing_slash" {
  command = plan
  variables { key_prefix = "incoming" }
  expect_failures = [var.key_prefix]
}

run "prefix_with_leading_slash" {
  command = plan
  variables { key_prefix = "/incoming/" }
  expect_failures = [var.key_prefix]
}

run "prefix_with_dotdot" {
  command = plan
  variables { key_prefix = "a/../b/" }
  expect_failures = [var.key_prefix]
}

run "prefix_with_space" {
  command = plan
  variables { key_prefix = "in coming/" }
  expect_failures = [var.key_prefix]
}

run "max_body_zero" {
  command = plan
  variables { max_body_bytes = 0 }
  expect_failures = [var.max_body_bytes]
}

run "max_body_above_4mib" {
  command = plan
  variables { max_body_bytes = 4194305 }
  expect_failures = [var.max_body_bytes]
}

run "kms_key_not_arn" {
  command = plan
  variables { kms_key_arn = "my-key" }
  expect_failures = [var.kms_key_arn]
}

run "boundary_not_policy_arn" {
  command = plan
  variables { permissions_boundary_arn = "arn:aws:iam::123456789012:role/x" }
  expect_failures = [var.permissions_boundary_arn]
}

run "role_path_without_slashes" {
  command = plan
  variables { role_path = "scribe-dev" }
  expect_failures = [var.role_path]
}

# bucket_name checks the S3 naming rule of modules/bucket's name (tests/plan/test_conventions.py).
run "bucket_name_double_dot" {
  command = plan
  variables { bucket_name = "a..b" }
  expect_failures = [var.bucket_name]
}

run "bucket_name_punycode_prefix" {
  command = plan
  variables { bucket_name = "xn--abc" }
  expect_failures = [var.bucket_name]
}

run "bucket_name_ip_address" {
  command = plan
  variables { bucket_name = "192.168.1.1" }
  expect_failures = [var.bucket_name]
}

run "bucket_name_s3alias_suffix" {
  command = plan
  variables { bucket_name = "texts-s3alias" }
  expect_failures = [var.bucket_name]
}

run "bucket_name_reserved_prefix" {
  command = plan
  variables { bucket_name = "sthree-texts" }
  expect_failures = [var.bucket_name]
}

run "bucket_name_reserved_suffix" {
  command = plan
  variables { bucket_name = "texts--ol-s3" }
  expect_failures = [var.bucket_name]
}

run "bucket_name_too_long" {
  command = plan
  variables { bucket_name = "a234567890123456789012345678901234567890123456789012345678901234" }
  expect_failures = [var.bucket_name]
}

# null means "the module's default" for every input that has one (nullable = false).
run "null_inputs_take_the_defaults" {
  command = plan
  variables {
    handler                  = null
    runtime                  = null
    architecture             = null
    memory_size              = null
    timeout                  = null
    reserved_concurrency     = null
    log_retention_days       = null
    key_prefix               = null
    max_body_bytes           = null
    kms_key_arn              = null
    permissions_boundary_arn = null
    role_path                = null
    tags                     = null
  }

  assert {
    condition = (
      aws_lambda_function.this.handler == "scribe.apigw.handler" &&
      aws_lambda_function.this.runtime == "python3.13" &&
      aws_lambda_function.this.architectures == tolist(["arm64"]) &&
      aws_lambda_function.this.memory_size == 128 &&
      aws_lambda_function.this.timeout == 28 &&
      aws_lambda_function.this.reserved_concurrent_executions == -1
    )
    error_message = "null handler, runtime, architecture, memory_size, timeout and reserved_concurrency must give the defaults."
  }

  assert {
    condition     = aws_lambda_function.this.environment[0].variables.KEY_PREFIX == "incoming/" && aws_lambda_function.this.environment[0].variables.MAX_BODY_BYTES == "1048576"
    error_message = "null key_prefix and max_body_bytes must give incoming/ and 1048576."
  }

  assert {
    condition     = output.key_prefix == "incoming/"
    error_message = "The key_prefix output must be the module's default."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.retention_in_days == 30 && aws_iam_role.this.path == "/"
    error_message = "null log_retention_days and role_path must give 30 and /."
  }
}

# Tracing, log encryption and alarms (issue 14).
run "accepts_tracing_log_key_and_alarms" {
  command = plan
  variables {
    tracing_mode    = "Active"
    log_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-0000-1111-2222-333344445555"
    alarms          = { create_topic = true, topic_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-0000-1111-2222-333344445555" }
  }

  assert {
    condition     = aws_lambda_function.this.tracing_config[0].mode == "Active"
    error_message = "tracing_mode Active must configure Active tracing."
  }

  assert {
    condition     = length(aws_sns_topic.alarms) == 1 && length(aws_cloudwatch_metric_alarm.this) == 3
    error_message = "alarms with create_topic must create the topic and three alarms."
  }
}

run "accepts_alarms_to_a_given_topic" {
  command = plan
  variables {
    alarms = { topic_arn = "arn:aws:sns:eu-west-1:123456789012:on-call", period = 300, evaluation_periods = 3 }
  }

  assert {
    condition     = length(aws_sns_topic.alarms) == 0 && aws_cloudwatch_metric_alarm.this["errors"].alarm_actions == toset(["arn:aws:sns:eu-west-1:123456789012:on-call"])
    error_message = "alarms.topic_arn must be the alarms' action, with no topic created."
  }
}

run "tracing_mode_unknown" {
  command = plan
  variables { tracing_mode = "active" }
  expect_failures = [var.tracing_mode]
}

run "log_kms_key_is_an_alias" {
  command = plan
  variables { log_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:alias/logs" }
  expect_failures = [var.log_kms_key_arn]
}

run "alarms_errors_threshold_negative" {
  command = plan
  variables {
    alarms = { errors_threshold = -1, topic_arn = "arn:aws:sns:eu-west-1:123456789012:on-call" }
  }
  expect_failures = [var.alarms]
}

run "alarms_duration_share_zero" {
  command = plan
  variables {
    alarms = { duration_share = 0, topic_arn = "arn:aws:sns:eu-west-1:123456789012:on-call" }
  }
  expect_failures = [var.alarms]
}

run "alarms_duration_share_above_one" {
  command = plan
  variables {
    alarms = { duration_share = 1.2, topic_arn = "arn:aws:sns:eu-west-1:123456789012:on-call" }
  }
  expect_failures = [var.alarms]
}

run "alarms_period_not_a_cloudwatch_period" {
  command = plan
  variables {
    alarms = { period = 45, topic_arn = "arn:aws:sns:eu-west-1:123456789012:on-call" }
  }
  expect_failures = [var.alarms]
}

# A high-resolution period: AWS accepts it, but Lambda's one-minute metrics leave most of its
# evaluations without data, so the alarm (missing data not breaching) would never fire.
run "alarms_period_below_lambdas_metric_resolution" {
  command = plan
  variables {
    alarms = { period = 30, topic_arn = "arn:aws:sns:eu-west-1:123456789012:on-call" }
  }
  expect_failures = [var.alarms]
}

run "alarms_evaluation_periods_beyond_a_day" {
  command = plan
  variables {
    alarms = { period = 3600, evaluation_periods = 25, topic_arn = "arn:aws:sns:eu-west-1:123456789012:on-call" }
  }
  expect_failures = [var.alarms]
}

run "alarms_without_a_topic" {
  command = plan
  variables {
    alarms = { errors_threshold = 1 }
  }
  expect_failures = [var.alarms]
}

run "alarms_with_topic_arn_and_create_topic" {
  command = plan
  variables {
    alarms = { topic_arn = "arn:aws:sns:eu-west-1:123456789012:on-call", create_topic = true, topic_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-0000-1111-2222-333344445555" }
  }
  expect_failures = [var.alarms]
}

run "alarms_topic_arn_not_sns" {
  command = plan
  variables {
    alarms = { topic_arn = "arn:aws:sqs:eu-west-1:123456789012:on-call" }
  }
  expect_failures = [var.alarms]
}

run "alarms_created_topic_without_key" {
  command = plan
  variables {
    alarms = { create_topic = true }
  }
  expect_failures = [var.alarms]
}

run "alarms_created_topic_with_the_aws_managed_alias" {
  command = plan
  variables {
    alarms = { create_topic = true, topic_kms_key_arn = "alias/aws/sns" }
  }
  expect_failures = [var.alarms]
}

run "alarms_topic_key_without_created_topic" {
  command = plan
  variables {
    alarms = { topic_arn = "arn:aws:sns:eu-west-1:123456789012:on-call", topic_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-0000-1111-2222-333344445555" }
  }
  expect_failures = [var.alarms]
}

run "tags_with_a_reserved_key" {
  command = plan
  variables { tags = { "AWS:owner" = "team" } }
  expect_failures = [var.tags]
}
