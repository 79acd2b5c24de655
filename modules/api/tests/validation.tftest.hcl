# Every validation block of modules/api rejects a bad value (run by `make test`).
mock_provider "aws" {
  source = "../../tests/terraform/mocks" # the shared mock answers
}

variables {
  name                = "scribe-validation-api"
  function_name       = "scribe-validation"
  function_invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:scribe-validation/invocations"
}

run "accepts_the_defaults" {
  command = plan
}

run "accepts_public_api_when_explicit" {
  command = plan
  variables { authorization_type = "NONE" }
}

run "name_with_space" {
  command = plan
  variables { name = "bad name" }
  expect_failures = [var.name]
}

run "function_name_with_colon" {
  command = plan
  variables { function_name = "fn:alias" }
  expect_failures = [var.function_name]
}

run "invoke_arn_is_function_arn" {
  command = plan
  variables { function_invoke_arn = "arn:aws:lambda:us-east-1:123456789012:function:f" }
  expect_failures = [var.function_invoke_arn]
}

run "authorization_jwt_without_authorizer" {
  command = plan
  variables { authorization_type = "JWT" }
  expect_failures = [var.jwt_authorizer]
}

run "jwt_authorizer_without_jwt_authorization" {
  command = plan
  variables {
    jwt_authorizer = { issuer = "https://issuer.example.com", audience = ["client"] }
  }
  expect_failures = [var.jwt_authorizer]
}

run "jwt_issuer_not_https" {
  command = plan
  variables {
    authorization_type = "JWT"
    jwt_authorizer     = { issuer = "http://issuer.example.com", audience = ["client"] }
  }
  expect_failures = [var.jwt_authorizer]
}

run "jwt_without_audience" {
  command = plan
  variables {
    authorization_type = "JWT"
    jwt_authorizer     = { issuer = "https://issuer.example.com", audience = [] }
  }
  expect_failures = [var.jwt_authorizer]
}

run "accepts_a_jwt_authorizer" {
  command = plan
  variables {
    authorization_type = "JWT"
    jwt_authorizer     = { issuer = "https://issuer.example.com", audience = ["client"], scopes = ["scribe/write"] }
  }
}

run "authorization_lower_case" {
  command = plan
  variables { authorization_type = "none" }
  expect_failures = [var.authorization_type]
}

run "throttling_burst_zero" {
  command = plan
  variables { throttling = { burst_limit = 0 } }
  expect_failures = [var.throttling]
}

run "throttling_burst_fraction" {
  command = plan
  variables { throttling = { burst_limit = 1.5 } }
  expect_failures = [var.throttling]
}

run "throttling_rate_zero" {
  command = plan
  variables { throttling = { rate_limit = 0 } }
  expect_failures = [var.throttling]
}

run "throttling_rate_too_high" {
  command = plan
  variables { throttling = { rate_limit = 10001 } }
  expect_failures = [var.throttling]
}

run "access_log_retention_not_allowed" {
  command = plan
  variables { access_log_retention_days = 4 }
  expect_failures = [var.access_log_retention_days]
}

# null means "the module's default" for every input that has one (nullable = false).
run "throttling_null_takes_the_default" {
  command = plan
  variables { throttling = null }

  assert {
    condition     = aws_apigatewayv2_stage.default.default_route_settings[0].throttling_burst_limit == 50 && aws_apigatewayv2_stage.default.default_route_settings[0].throttling_rate_limit == 25
    error_message = "throttling = null must give burst 50 and rate 25."
  }
}

run "throttling_attribute_null_takes_its_default" {
  command = plan
  variables { throttling = { burst_limit = 100, rate_limit = null } }

  assert {
    condition     = aws_apigatewayv2_stage.default.default_route_settings[0].throttling_burst_limit == 100 && aws_apigatewayv2_stage.default.default_route_settings[0].throttling_rate_limit == 25
    error_message = "A null rate_limit must give 25 and keep the burst asked for."
  }
}

run "null_inputs_take_the_defaults" {
  command = plan
  variables {
    authorization_type        = null
    access_log_retention_days = null
    jwt_authorizer            = null
    tags                      = null
  }

  assert {
    condition     = alltrue([for route in aws_apigatewayv2_route.this : route.authorization_type == "AWS_IAM"])
    error_message = "authorization_type = null must give AWS_IAM."
  }

  assert {
    condition     = aws_cloudwatch_log_group.access.retention_in_days == 30
    error_message = "access_log_retention_days = null must give 30."
  }

  assert {
    condition     = length(aws_apigatewayv2_authorizer.jwt) == 0
    error_message = "jwt_authorizer = null must create no authorizer."
  }
}
