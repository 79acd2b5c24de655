# CloudWatch alarms on the $default stage (var.alarms; null: none): the share of requests answered
# 5xx, and the share answered 4xx, above a threshold. Metric math over the HTTP API metrics 5xx,
# 4xx and Count (namespace AWS/ApiGateway, dimensions ApiId and Stage; "Monitor CloudWatch metrics
# for HTTP APIs", API Gateway developer guide). A period without requests has no rate: not
# breaching. They notify an SNS topic the caller passes (alarms.topic_arn) or one created here
# (alarms.create_topic), encrypted with the customer-managed key alarms.topic_kms_key_arn:
# CloudWatch cannot publish to a topic under the AWS-managed alias/aws/sns.

locals {
  alarms_on   = var.alarms != null
  alarm_topic = !local.alarms_on ? null : (var.alarms.create_topic ? aws_sns_topic.alarms[0].arn : var.alarms.topic_arn)

  # Alarm suffix => HTTP API metric of the errors and the highest share of requests they may be.
  rate_alarms = !local.alarms_on ? {} : {
    "5xx-rate" = { metric = "5xx", share = var.alarms.server_error_rate, kind = "server errors (5xx)" }
    "4xx-rate" = { metric = "4xx", share = var.alarms.client_error_rate, kind = "client errors (4xx)" }
  }
}

resource "aws_sns_topic" "alarms" {
  count = local.alarms_on && try(var.alarms.create_topic, false) ? 1 : 0

  name              = "${var.name}-alarms"
  kms_master_key_id = var.alarms.topic_kms_key_arn
  tags              = var.tags
}

resource "aws_cloudwatch_metric_alarm" "rate" {
  for_each = local.rate_alarms

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = "${var.name}: ${each.value.kind} above ${each.value.share * 100}% of the requests in ${var.alarms.period} s."
  evaluation_periods  = var.alarms.evaluation_periods
  threshold           = each.value.share
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [local.alarm_topic]
  ok_actions          = [local.alarm_topic]
  tags                = var.tags

  metric_query {
    id          = "rate"
    expression  = "errors / requests"
    label       = "${each.value.metric} share of requests"
    return_data = true
  }

  metric_query {
    id = "errors"

    metric {
      namespace   = "AWS/ApiGateway"
      metric_name = each.value.metric
      dimensions  = { ApiId = aws_apigatewayv2_api.this.id, Stage = local.stage_name }
      period      = var.alarms.period
      stat        = "Sum"
    }
  }

  metric_query {
    id = "requests"

    metric {
      namespace   = "AWS/ApiGateway"
      metric_name = "Count"
      dimensions  = { ApiId = aws_apigatewayv2_api.this.id, Stage = local.stage_name }
      period      = var.alarms.period
      stat        = "Sum"
    }
  }

  depends_on = [aws_apigatewayv2_stage.default]
}
