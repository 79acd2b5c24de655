# CloudWatch alarms on the function (var.alarms; null: none): errors above a threshold, any
# throttle, and a p99 duration above a share of the timeout. They notify an SNS topic the caller
# passes (alarms.topic_arn) or one created here (alarms.create_topic), encrypted with the
# customer-managed key alarms.topic_kms_key_arn: CloudWatch cannot publish to a topic encrypted
# with the AWS-managed alias/aws/sns, whose key policy does not let it use the key.

locals {
  alarms_on   = var.alarms != null
  alarm_topic = !local.alarms_on ? null : (var.alarms.create_topic ? aws_sns_topic.alarms[0].arn : var.alarms.topic_arn)

  # Alarm suffix => metric, statistic (or p99), threshold.
  function_alarms = !local.alarms_on ? {} : {
    errors = {
      metric      = "Errors"
      statistic   = "Sum"
      percentile  = null
      threshold   = var.alarms.errors_threshold
      description = "${var.function_name}: more than ${var.alarms.errors_threshold} invocation errors in ${var.alarms.period} s."
    }
    throttles = {
      metric      = "Throttles"
      statistic   = "Sum"
      percentile  = null
      threshold   = 0
      description = "${var.function_name}: invocations throttled (reserved concurrency or the account's limit)."
    }
    duration = {
      metric      = "Duration"
      statistic   = null
      percentile  = "p99"
      threshold   = var.alarms.duration_share * var.timeout * 1000
      description = "${var.function_name}: p99 duration above ${var.alarms.duration_share * 100}% of the ${var.timeout} s timeout."
    }
  }
}

resource "aws_sns_topic" "alarms" {
  count = local.alarms_on && try(var.alarms.create_topic, false) ? 1 : 0

  name              = "${var.function_name}-alarms"
  kms_master_key_id = var.alarms.topic_kms_key_arn
  tags              = var.tags
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.function_alarms

  alarm_name          = "${var.function_name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = "AWS/Lambda"
  metric_name         = each.value.metric
  dimensions          = { FunctionName = var.function_name }
  statistic           = each.value.statistic
  extended_statistic  = each.value.percentile
  period              = var.alarms.period
  evaluation_periods  = var.alarms.evaluation_periods
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [local.alarm_topic]
  ok_actions          = [local.alarm_topic]
  tags                = var.tags

  depends_on = [aws_lambda_function.this]
}
