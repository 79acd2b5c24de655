output "api_id" {
  description = "Id of the HTTP API."
  value       = aws_apigatewayv2_api.this.id
}

output "api_url" {
  description = "URL to POST to (the $default stage's invoke URL), without a trailing slash."
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
