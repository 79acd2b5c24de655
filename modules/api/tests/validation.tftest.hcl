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

run "accepts_a_cors_configuration" {
  command = plan
  variables {
    cors = {
      allow_origins     = ["http://localhost:3000", "https://app.example.com", "https://[::1]:8443"]
      allow_methods     = ["POST", "OPTIONS"]
      allow_headers     = ["content-type", "authorization", "x-amz-date"]
      expose_headers    = ["location"]
      max_age           = 86400
      allow_credentials = true
    }
  }

  assert {
    condition     = aws_apigatewayv2_api.this.cors_configuration[0].max_age == 86400 && aws_apigatewayv2_api.this.cors_configuration[0].allow_credentials == true
    error_message = "cors must reach the API's cors_configuration."
  }
}

run "accepts_any_origin_without_credentials" {
  command = plan
  variables {
    cors = { allow_origins = ["*"], allow_methods = ["*"], allow_headers = ["*"], max_age = -1 }
  }
}

run "cors_without_origins" {
  command = plan
  variables { cors = { allow_methods = ["POST"] } }
  expect_failures = [var.cors]
}

run "cors_with_an_empty_origin_list" {
  command = plan
  variables { cors = { allow_origins = [] } }
  expect_failures = [var.cors]
}

run "cors_origin_with_a_path" {
  command = plan
  variables { cors = { allow_origins = ["https://app.example.com/"] } }
  expect_failures = [var.cors]
}

run "cors_origin_without_scheme" {
  command = plan
  variables { cors = { allow_origins = ["app.example.com"] } }
  expect_failures = [var.cors]
}

run "cors_origin_with_a_scheme_wildcard" {
  command = plan
  variables { cors = { allow_origins = ["https://*"] } }
  expect_failures = [var.cors]
}

run "cors_any_origin_with_credentials" {
  command = plan
  variables { cors = { allow_origins = ["https://app.example.com", "*"], allow_credentials = true } }
  expect_failures = [var.cors]
}

run "cors_method_not_http" {
  command = plan
  variables { cors = { allow_origins = ["https://app.example.com"], allow_methods = ["POST", "FETCH"] } }
  expect_failures = [var.cors]
}

run "cors_method_lower_case" {
  command = plan
  variables { cors = { allow_origins = ["https://app.example.com"], allow_methods = ["post"] } }
  expect_failures = [var.cors]
}

run "cors_header_with_a_space" {
  command = plan
  variables { cors = { allow_origins = ["https://app.example.com"], allow_headers = ["content type"] } }
  expect_failures = [var.cors]
}

run "cors_expose_header_with_a_colon" {
  command = plan
  variables { cors = { allow_origins = ["https://app.example.com"], expose_headers = ["location:"] } }
  expect_failures = [var.cors]
}

run "cors_max_age_too_long" {
  command = plan
  variables { cors = { allow_origins = ["https://app.example.com"], max_age = 86401 } }
  expect_failures = [var.cors]
}

run "cors_max_age_below_minus_one" {
  command = plan
  variables { cors = { allow_origins = ["https://app.example.com"], max_age = -2 } }
  expect_failures = [var.cors]
}

run "cors_max_age_fraction" {
  command = plan
  variables { cors = { allow_origins = ["https://app.example.com"], max_age = 1.5 } }
  expect_failures = [var.cors]
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
    cors                      = null
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

  assert {
    condition     = length(aws_apigatewayv2_api.this.cors_configuration) == 0
    error_message = "cors = null must configure no CORS."
  }
}

# Access-log encryption and alarms (issue 14).
run "accepts_access_log_key_and_alarms" {
  command = plan
  variables {
    access_log_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-0000-1111-2222-333344445555"
    alarms                 = { create_topic = true, topic_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-0000-1111-2222-333344445555" }
  }

  assert {
    condition     = length(aws_sns_topic.alarms) == 1 && length(aws_cloudwatch_metric_alarm.rate) == 2
    error_message = "alarms with create_topic must create the topic and two alarms."
  }
}

run "null_alarms_create_nothing" {
  command = plan
  variables {
    access_log_kms_key_arn = null
    alarms                 = null
  }

  assert {
    condition     = length(aws_sns_topic.alarms) == 0 && length(aws_cloudwatch_metric_alarm.rate) == 0
    error_message = "alarms = null must create no alarm and no topic."
  }
}

run "access_log_key_is_an_alias" {
  command = plan
  variables { access_log_kms_key_arn = "alias/logs" }
  expect_failures = [var.access_log_kms_key_arn]
}

run "alarms_server_error_rate_zero" {
  command = plan
  variables {
    alarms = { server_error_rate = 0, topic_arn = "arn:aws:sns:eu-west-1:123456789012:on-call" }
  }
  expect_failures = [var.alarms]
}

run "alarms_client_error_rate_in_percent" {
  command = plan
  variables {
    alarms = { client_error_rate = 10, topic_arn = "arn:aws:sns:eu-west-1:123456789012:on-call" }
  }
  expect_failures = [var.alarms]
}

run "alarms_period_below_a_minute" {
  command = plan
  variables {
    alarms = { period = 30, topic_arn = "arn:aws:sns:eu-west-1:123456789012:on-call" }
  }
  expect_failures = [var.alarms]
}

run "alarms_evaluation_periods_zero" {
  command = plan
  variables {
    alarms = { evaluation_periods = 0, topic_arn = "arn:aws:sns:eu-west-1:123456789012:on-call" }
  }
  expect_failures = [var.alarms]
}

run "alarms_without_a_topic" {
  command = plan
  variables {
    alarms = { server_error_rate = 0.05 }
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
    alarms = { topic_arn = "on-call" }
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

# domain: the custom domain, its certificate and its records.
run "accepts_a_domain_with_a_dns_validated_certificate" {
  command = plan
  variables {
    domain = { name = "api.example.com", hosted_zone_id = "Z0123456789ABCDEFGHIJ", api_mapping_key = "texts/v1", disable_execute_api_endpoint = true }
  }
  assert {
    condition     = length(aws_acm_certificate.domain) == 1 && length(aws_acm_certificate_validation.domain) == 1 && keys(aws_route53_record.alias) == ["A", "AAAA"] && aws_apigatewayv2_domain_name.this[0].domain_name_configuration[0].ip_address_type == "dualstack"
    error_message = "a hosted_zone_id without certificate_arn requests, validates and aliases."
  }
  assert {
    condition     = aws_apigatewayv2_api.this.disable_execute_api_endpoint == true && output.domain_url == "https://api.example.com/texts/v1" && output.api_url == "https://api.example.com/texts/v1"
    error_message = "disable_execute_api_endpoint turns the default endpoint off and api_url is the domain's."
  }
}

run "accepts_a_domain_with_an_existing_certificate_and_no_zone" {
  command = plan
  variables {
    domain = { name = "api.example.com", certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789" }
  }
  assert {
    condition     = length(aws_acm_certificate.domain) == 0 && length(aws_route53_record.alias) == 0 && length(aws_apigatewayv2_domain_name.this) == 1
    error_message = "an existing certificate without a zone: no certificate requested, no record."
  }
  assert {
    condition     = aws_apigatewayv2_api.this.disable_execute_api_endpoint == false && output.domain_url == "https://api.example.com"
    error_message = "the execute-api endpoint stays on by default; no mapping key maps the root."
  }
}

run "accepts_an_existing_certificate_with_alias_records_in_a_zone" {
  command = plan
  variables {
    domain = { name = "api.example.com", certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d", hosted_zone_id = "Z0123456789ABCDEFGHIJ" }
  }
  assert {
    condition     = length(aws_acm_certificate.domain) == 0 && length(aws_route53_record.alias) == 2
    error_message = "both: the given certificate, and the alias records in the zone."
  }
}

# IPv4 only: the domain is reached over IPv4, so the zone gets its A record and no AAAA.
run "accepts_an_ipv4_only_domain" {
  command = plan
  variables {
    domain = { name = "api.example.com", hosted_zone_id = "Z0123456789ABCDEFGHIJ", ip_address_type = "ipv4" }
  }
  assert {
    condition     = keys(aws_route53_record.alias) == ["A"] && aws_apigatewayv2_domain_name.this[0].domain_name_configuration[0].ip_address_type == "ipv4"
    error_message = "an IPv4-only domain gets an A alias and no AAAA."
  }
}

run "domain_ip_address_type_unknown" {
  command = plan
  variables { domain = { name = "api.example.com", hosted_zone_id = "Z0123456789ABCDEFGHIJ", ip_address_type = "ipv6" } }
  expect_failures = [var.domain]
}

run "accepts_a_zone_without_alias_records" {
  command = plan
  variables {
    domain = { name = "api.example.com", hosted_zone_id = "Z0123456789ABCDEFGHIJ", create_alias_records = false }
  }
  assert {
    condition     = length(aws_acm_certificate.domain) == 1 && length(aws_route53_record.alias) == 0
    error_message = "create_alias_records = false keeps the certificate and writes no alias."
  }
}

run "no_domain_by_default" {
  command = plan
  assert {
    condition     = length(aws_apigatewayv2_domain_name.this) == 0 && length(aws_acm_certificate.domain) == 0 && aws_apigatewayv2_api.this.disable_execute_api_endpoint == false && output.domain_url == null && output.certificate_arn == null
    error_message = "without a domain: no domain, no certificate, the execute-api endpoint on."
  }
}

run "domain_without_certificate_or_zone" {
  command = plan
  variables { domain = { name = "api.example.com" } }
  expect_failures = [var.domain]
}

run "domain_name_not_fully_qualified" {
  command = plan
  variables { domain = { name = "api", hosted_zone_id = "Z0123456789ABCDEFGHIJ" } }
  expect_failures = [var.domain]
}

run "domain_name_with_trailing_dot" {
  command = plan
  variables { domain = { name = "api.example.com.", hosted_zone_id = "Z0123456789ABCDEFGHIJ" } }
  expect_failures = [var.domain]
}

run "domain_name_wildcard" {
  command = plan
  variables { domain = { name = "*.example.com", hosted_zone_id = "Z0123456789ABCDEFGHIJ" } }
  expect_failures = [var.domain]
}

run "domain_name_upper_case" {
  command = plan
  variables { domain = { name = "API.example.com", hosted_zone_id = "Z0123456789ABCDEFGHIJ" } }
  expect_failures = [var.domain]
}

run "domain_certificate_arn_of_another_service" {
  command = plan
  variables { domain = { name = "api.example.com", certificate_arn = "arn:aws:iam::123456789012:server-certificate/api" } }
  expect_failures = [var.domain]
}

run "domain_hosted_zone_id_with_prefix" {
  command = plan
  variables { domain = { name = "api.example.com", hosted_zone_id = "/hostedzone/Z0123456789ABCDEFGHIJ" } }
  expect_failures = [var.domain]
}

run "domain_alias_records_without_zone" {
  command = plan
  variables {
    domain = { name = "api.example.com", certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d", create_alias_records = true }
  }
  expect_failures = [var.domain]
}

run "domain_mapping_key_leading_slash" {
  command = plan
  variables { domain = { name = "api.example.com", hosted_zone_id = "Z0123456789ABCDEFGHIJ", api_mapping_key = "/v1" } }
  expect_failures = [var.domain]
}

run "domain_mapping_key_trailing_slash" {
  command = plan
  variables { domain = { name = "api.example.com", hosted_zone_id = "Z0123456789ABCDEFGHIJ", api_mapping_key = "v1/" } }
  expect_failures = [var.domain]
}

run "domain_mapping_key_double_slash" {
  command = plan
  variables { domain = { name = "api.example.com", hosted_zone_id = "Z0123456789ABCDEFGHIJ", api_mapping_key = "texts//v1" } }
  expect_failures = [var.domain]
}

run "domain_mapping_key_empty" {
  command = plan
  variables { domain = { name = "api.example.com", hosted_zone_id = "Z0123456789ABCDEFGHIJ", api_mapping_key = "" } }
  expect_failures = [var.domain]
}

# API Gateway's mapping keys hold letters, digits and $-_.+!*'()/ only: no '~'.
run "domain_mapping_key_tilde" {
  command = plan
  variables { domain = { name = "api.example.com", hosted_zone_id = "Z0123456789ABCDEFGHIJ", api_mapping_key = "texts/~v1" } }
  expect_failures = [var.domain]
}

# A certificate the module requests has domain.name as its common name: 64 characters at most.
run "domain_name_too_long_for_a_requested_certificate" {
  command = plan
  variables { domain = { name = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.example.com", hosted_zone_id = "Z0123456789ABCDEFGHIJ" } }
  expect_failures = [var.domain]
}

run "tags_with_a_reserved_key" {
  command = plan
  variables { tags = { "AWS:owner" = "team" } }
  expect_failures = [var.tags]
}
