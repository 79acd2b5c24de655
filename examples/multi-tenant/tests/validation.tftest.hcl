# Every validation block of examples/multi-tenant rejects a bad value (run by `make test`).
# tests/package.zip is put there by the test harness (any zip: the provider is mocked).
mock_provider "aws" {
  source = "../../tests/terraform/mocks" # the shared mock answers
}

variables {
  package_path = "tests/package.zip"
  tenants      = { alpha = {}, beta = { authorization_type = "NONE" } }
}

run "accepts_two_tenants" {
  command = plan

  assert {
    condition     = length(module.writer) == 2
    error_message = "one writer per tenant"
  }
}

run "name_too_long_for_tenant_suffixes" {
  command = plan
  variables { name = "a-name-that-is-far-too-long" }
  expect_failures = [var.name]
}

run "no_tenant" {
  command = plan
  variables { tenants = {} }
  expect_failures = [var.tenants]
}

run "tenant_name_with_slash" {
  command = plan
  variables { tenants = { "a/b" = {} } }
  expect_failures = [var.tenants]
}

# A tenant's attributes carry no default of their own: null means the modules' defaults.
run "null_tenant_attributes_take_the_module_defaults" {
  command = plan
  variables {
    tenants       = { alpha = { authorization_type = null, max_body_bytes = null, reserved_concurrency = null } }
    force_destroy = null
    tags          = null
  }

  assert {
    condition     = output.key_prefixes["alpha"] == "tenants/alpha/"
    error_message = "one writer for the tenant"
  }
}
