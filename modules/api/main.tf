# An HTTP API (v2) with two POST routes to one Lambda proxy integration (payload 2.0), an
# auto-deployed $default stage with throttling and JSON access logs, and an invoke permission
# scoped to exactly those routes; CORS only when var.cors is set, alarms on the 5xx and 4xx rates
# only when var.alarms is set (alarms.tf); the custom domain only when var.domain is set (domain.tf).

locals {
  stage_name = "$default"
  jwt_scopes = try(var.jwt_authorizer.scopes, [])

  # Route key => the statement id of its invoke permission and the path part of the source ARN
  # API Gateway presents when it invokes the function for that route. Lambda compares source ARNs
  # with ArnLike, so "*" covers every name below the root (a wildcard within an ARN's resource
  # part spans '/') and nothing else.
  routes = {
    "POST /"        = { statement = "AllowPostRoot", source_path = "" }
    "POST /{name+}" = { statement = "AllowPostName", source_path = "*" }
  }
}

resource "aws_apigatewayv2_api" "this" {
  name          = var.name
  protocol_type = "HTTP"
  description   = "scribe: POST a text, get it stored in S3."
  tags          = var.tags

  # true only with a domain that asks for it: then https://<api id>.execute-api... answers 403
  # and only the domain serves the API.
  disable_execute_api_endpoint = local.domain_enabled ? var.domain.disable_execute_api_endpoint : false

  # API Gateway answers the browsers' preflight OPTIONS itself (before any authorization) and
  # puts these headers on the integration's responses, replacing any CORS header it returns.
  dynamic "cors_configuration" {
    for_each = var.cors == null ? [] : [var.cors]

    content {
      allow_origins     = cors_configuration.value.allow_origins
      allow_methods     = cors_configuration.value.allow_methods
      allow_headers     = cors_configuration.value.allow_headers
      expose_headers    = cors_configuration.value.expose_headers
      max_age           = cors_configuration.value.max_age
      allow_credentials = cors_configuration.value.allow_credentials
    }
  }
}

resource "aws_apigatewayv2_integration" "lambda" {
  api_id                 = aws_apigatewayv2_api.this.id
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = var.function_invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_authorizer" "jwt" {
  count = var.jwt_authorizer == null ? 0 : 1

  api_id           = aws_apigatewayv2_api.this.id
  name             = "${var.name}-jwt"
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]

  jwt_configuration {
    issuer   = var.jwt_authorizer.issuer
    audience = var.jwt_authorizer.audience
  }
}

resource "aws_apigatewayv2_route" "this" {
  for_each = local.routes

  api_id               = aws_apigatewayv2_api.this.id
  route_key            = each.key
  target               = "integrations/${aws_apigatewayv2_integration.lambda.id}"
  authorization_type   = var.authorization_type
  authorizer_id        = var.authorization_type == "JWT" ? aws_apigatewayv2_authorizer.jwt[0].id : null
  authorization_scopes = length(local.jwt_scopes) > 0 ? local.jwt_scopes : null
}

# Access logs reach the group through CloudWatch Logs' log delivery, which writes a resource
# policy for it. Under /aws/vendedlogs/ the group is covered by the one wildcard statement that
# CloudWatch Logs keeps in accounts whose delivery policy is still account-wide (capped at 5,120
# characters, where each other group adds its own ARN until logging fails); in accounts with a
# policy per group the prefix changes nothing. AWS recommends it for every vended log group:
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html
resource "aws_cloudwatch_log_group" "access" {
  #checkov:skip=CKV_AWS_158:with access_log_kms_key_arn set the group is encrypted with that key; the default (null) leaves CloudWatch Logs' own encryption at rest, which checkov cannot tell from a variable
  #checkov:skip=CKV_AWS_338:retention is access_log_retention_days (default 30); keeping logs a year is a cost decision left to the user
  name              = "/aws/vendedlogs/apigateway/${var.name}"
  retention_in_days = var.access_log_retention_days
  kms_key_id        = var.access_log_kms_key_arn
  tags              = var.tags
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.this.id
  name        = local.stage_name
  auto_deploy = true
  tags        = var.tags

  default_route_settings {
    throttling_burst_limit = var.throttling.burst_limit
    throttling_rate_limit  = var.throttling.rate_limit
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      requestTime        = "$context.requestTime"
      ip                 = "$context.identity.sourceIp"
      caller             = "$context.identity.caller"
      routeKey           = "$context.routeKey"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      integrationStatus  = "$context.integrationStatus"
      integrationError   = "$context.integrationErrorMessage"
      integrationLatency = "$context.integrationLatency"
    })
  }

  depends_on = [aws_apigatewayv2_route.this]
}

resource "aws_lambda_permission" "invoke" {
  for_each = local.routes

  statement_id  = each.value.statement
  action        = "lambda:InvokeFunction"
  function_name = var.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.this.execution_arn}/${local.stage_name}/POST/${each.value.source_path}"
}
