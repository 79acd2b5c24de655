output "api_id" {
  description = "Id of the HTTP API."
  value       = aws_apigatewayv2_api.this.id
}

output "api_url" {
  description = "URL to POST to, without a trailing slash: the $default stage's invoke URL (invoke_url), or domain_url when domain.disable_execute_api_endpoint is true (the execute-api endpoint then answers 403)."
  value       = local.domain_enabled && try(var.domain.disable_execute_api_endpoint, false) ? local.domain_url : trimsuffix(aws_apigatewayv2_stage.default.invoke_url, "/")
}

output "invoke_url" {
  description = "The $default stage's execute-api URL (https://<api id>.execute-api.<region>.amazonaws.com), without a trailing slash; it answers 403 when domain.disable_execute_api_endpoint is true."
  value       = trimsuffix(aws_apigatewayv2_stage.default.invoke_url, "/")
}

output "execution_arn" {
  description = "Execution ARN of the API, the prefix of the source ARNs it invokes with."
  value       = aws_apigatewayv2_api.this.execution_arn
}

output "stage_name" {
  description = "Name of the stage."
  value       = aws_apigatewayv2_stage.default.name
}

output "access_log_group_name" {
  description = "Name of the access-log group."
  value       = aws_cloudwatch_log_group.access.name
}

output "alarm_topic_arn" {
  description = "SNS topic the API's alarms notify (the created one with alarms.create_topic, else alarms.topic_arn); null without alarms."
  value       = local.alarm_topic
}

output "alarm_names" {
  description = "Names of the API's CloudWatch alarms (<name>-5xx-rate, <name>-4xx-rate); empty without alarms."
  value       = [for alarm in aws_cloudwatch_metric_alarm.rate : alarm.alarm_name]
}

output "domain_name" {
  description = "The API's custom domain name (domain.name); null without a domain."
  value       = local.domain_enabled ? aws_apigatewayv2_domain_name.this[0].domain_name : null
}

output "domain_url" {
  description = "https://<domain.name>[/<domain.api_mapping_key>], the API's URL on its custom domain, without a trailing slash; null without a domain."
  value       = local.domain_url
}

output "domain_target_domain_name" {
  description = "The domain's regional target (d-<id>.execute-api.<region>.amazonaws.com): what a CNAME or an alias record for domain.name points at; null without a domain."
  value       = local.domain_enabled ? aws_apigatewayv2_domain_name.this[0].domain_name_configuration[0].target_domain_name : null
}

output "domain_target_hosted_zone_id" {
  description = "Route 53 hosted zone id of the domain's regional target, for an alias record; null without a domain."
  value       = local.domain_enabled ? aws_apigatewayv2_domain_name.this[0].domain_name_configuration[0].hosted_zone_id : null
}

output "certificate_arn" {
  description = "ACM certificate the domain serves: domain.certificate_arn, or the one requested and DNS-validated here (its ARN once issued); null without a domain."
  value       = local.domain_certificate_arn
}
