# Validation blocks of the root stack (the modules validate everything they are passed).
# Run by tests/plan/test_native.py with -test-directory=tests/terraform.
mock_provider "aws" {
  source = "tests/terraform/mocks" # the shared mock answers
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

# The root's optional() attributes carry no default: null (or left out) means the module's default.
# The values themselves are asserted from the plan by tests/plan/test_envs.py.
run "null_attributes_take_the_module_defaults" {
  command = plan
  variables {
    bucket = { force_destroy = null, enforce_tls = null, kms_key_arn = null, noncurrent_version_expiration_days = null }
    writer = {
      key_prefix           = null
      max_body_bytes       = null
      memory_size          = null
      timeout              = null
      runtime              = null
      architecture         = null
      reserved_concurrency = null
      log_retention_days   = null
    }
    api = { authorization_type = null, throttling = null, access_log_retention_days = null, jwt_authorizer = null, cors = null }
  }

  assert {
    condition     = output.key_prefix == "incoming/"
    error_message = "writer.key_prefix = null must give modules/lambda's incoming/."
  }
}

run "null_objects_take_the_module_defaults" {
  command = plan
  variables {
    bucket = null
    writer = null
    api    = null
    tags   = null
  }

  assert {
    condition     = output.key_prefix == "incoming/" && output.bucket_name == "scribe-test-123456789012-eu-west-1"
    error_message = "bucket, writer and api = null must plan the defaults."
  }
}

run "throttling_attribute_left_out" {
  command = plan
  variables {
    api = { throttling = { burst_limit = 100 } }
  }
}

run "jwt_scopes_left_out" {
  command = plan
  variables {
    api = { authorization_type = "JWT", jwt_authorizer = { issuer = "https://issuer.example.com", audience = ["client"] } }
  }
}

run "cors_attributes_left_out" {
  command = plan
  variables {
    api = { cors = { allow_origins = ["http://localhost:3000"] } }
  }
}

run "tags_with_a_reserved_key" {
  command = plan
  variables { tags = { "AWS:owner" = "team" } }
  expect_failures = [var.tags]
}
