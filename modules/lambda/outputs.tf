output "function_name" {
  description = "Name of the Lambda function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the Lambda function."
  value       = aws_lambda_function.this.arn
}

output "invoke_arn" {
  description = "ARN that API Gateway uses to invoke the function."
  value       = aws_lambda_function.this.invoke_arn
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the function's execution role."
  value       = aws_iam_role.this.name
}

output "log_group_name" {
  description = "Name of the function's log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "code_sha256" {
  description = "Base64 SHA-256 of the deployed package, as Lambda reports it in CodeSha256."
  value       = aws_lambda_function.this.code_sha256
}

output "key_prefix" {
  description = "Key prefix the function stores every text under (the module's value when the caller set none)."
  value       = var.key_prefix
}

output "alarm_topic_arn" {
  description = "SNS topic the function's alarms notify (the created one with alarms.create_topic, else alarms.topic_arn); null without alarms."
  value       = local.alarm_topic
}

output "alarm_names" {
  description = "Names of the function's CloudWatch alarms (<function>-errors, -throttles, -duration); empty without alarms."
  value       = [for alarm in aws_cloudwatch_metric_alarm.this : alarm.alarm_name]
}
