# The stack's optional features (var.environments[*]: alarms, log_kms_key_arns, domain,
# access_log_bucket): what each adds to the deploy role (features_deploy) and, its reads only, to
# the plan role (features_plan). An environment that leaves a feature unset gets none of its
# statements. Tracing (tracing) adds to the boundary only (boundary.tf): it is the one feature the
# stack's own role uses. Every action and condition key below is checked against AWS's service
# authorization reference by the evaluator (make iam), which also attacks each grant.

locals {
  alarm_arns = { for env, cfg in var.environments : env => "arn:${local.partition}:cloudwatch:${local.region}:${local.account}:alarm:${cfg.stack_name}-*" }
  topic_arns = { for env, cfg in var.environments : env => "arn:${local.partition}:sns:${local.region}:${local.account}:${cfg.stack_name}-*" }
  # ACM generates certificate ids: certificates are told apart by their Stack tag, which ACM
  # supplies as aws:ResourceTag on every certificate action and as aws:RequestTag on the request.
  certificate_arns = "arn:${local.partition}:acm:${local.region}:${local.account}:certificate/*"
  # The domain name, everything below it (its API mappings) and its tags, as pinned_api_arns
  # names an API's (deploy.tf): the deploy role with every method, the plan role with GET.
  domain_names = {
    for env, cfg in var.environments : env => "${local.apigateway_arn}/domainnames/${cfg.domain.name}" if cfg.domain != null
  }
  domain_arns = {
    for env, domain in local.domain_names : env => [domain, "${domain}/*", "${local.apigateway_arn}/tags/${urlencode(domain)}"]
  }
  zone_arns = {
    for env, cfg in var.environments : env => "arn:${local.partition}:route53:::hostedzone/${cfg.domain.hosted_zone_id}" if cfg.domain != null
  }

  # What a plan reads of each feature's resources: the plan role's grant, and the read part of
  # the deploy role's.
  feature_reads = {
    alarms      = ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"]
    topics      = ["sns:GetTopicAttributes", "sns:ListTagsForResource"]
    certificate = ["acm:DescribeCertificate", "acm:ListTagsForCertificate"]
    zone        = ["route53:GetHostedZone", "route53:ListResourceRecordSets"]
  }
}

data "aws_iam_policy_document" "features_deploy" {
  for_each = var.environments

  # Alarms (writer.alarms, api.alarms): the stack's own alarms, which may notify only the stack's
  # topics and the topics named in alarms.topic_arns. AWS supplies an alarm's AlarmActions as
  # cloudwatch:AlarmActions on PutMetricAlarm (not its OK or insufficient-data actions: README).
  dynamic "statement" {
    for_each = each.value.alarms == null ? [] : ["on"]

    content {
      sid       = "StackAlarms"
      effect    = "Allow"
      actions   = concat(local.feature_reads.alarms, ["cloudwatch:DeleteAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource"])
      resources = [local.alarm_arns[each.key]]
    }
  }

  dynamic "statement" {
    for_each = each.value.alarms == null ? [] : [each.value.alarms]

    content {
      sid       = "StackAlarmsNotifyOnlyTheirTopics"
      effect    = "Allow"
      actions   = ["cloudwatch:PutMetricAlarm"]
      resources = [local.alarm_arns[each.key]]

      condition {
        test     = "ForAllValues:ArnLike"
        variable = "cloudwatch:AlarmActions"
        values   = concat([local.topic_arns[each.key]], statement.value.topic_arns)
      }
    }
  }

  # The alarm topics the stack creates (alarms.create_topic): <stack>-* only. No subscription:
  # the stack makes none, so no role may subscribe an endpoint to the alarms.
  dynamic "statement" {
    for_each = try(each.value.alarms.create_topic, false) ? ["on"] : []

    content {
      sid       = "StackAlarmTopics"
      effect    = "Allow"
      actions   = concat(local.feature_reads.topics, ["sns:CreateTopic", "sns:DeleteTopic", "sns:SetTopicAttributes", "sns:TagResource", "sns:UntagResource"])
      resources = [local.topic_arns[each.key]]
    }
  }

  # Encrypted log groups (writer.log_kms_key_arn, api.access_log_kms_key_arn): the key goes on
  # the stack's own log groups only, and the named keys are used only through CloudWatch Logs,
  # which calls KMS with the caller's credentials when a group is created with or associated to
  # a key (kms:ViaService; CloudWatch Logs User Guide, "Encrypt log data"). No other KMS right:
  # neither the key's policy nor its deletion.
  dynamic "statement" {
    for_each = length(each.value.log_kms_key_arns) == 0 ? [] : ["on"]

    content {
      sid       = "EncryptStackLogGroups"
      effect    = "Allow"
      actions   = ["logs:AssociateKmsKey", "logs:DisassociateKmsKey"]
      resources = local.log_group_arns[each.key]
    }
  }

  dynamic "statement" {
    for_each = length(each.value.log_kms_key_arns) == 0 ? [] : [each.value.log_kms_key_arns]

    content {
      sid       = "LogKeysThroughCloudWatchLogs"
      effect    = "Allow"
      actions   = ["kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"]
      resources = statement.value

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["logs.${local.region}.amazonaws.com"]
      }
    }
  }

  # Custom domain (api.domain): a certificate for exactly the domain's name, validated by DNS and
  # tagged for the stack; the domain name itself and its API mappings; in the named zone, only
  # the domain's A and AAAA aliases and ACM's validation CNAME (_<32 characters>.<domain>).
  dynamic "statement" {
    for_each = each.value.domain == null ? [] : [each.value.domain]

    content {
      sid       = "RequestStackCertificate"
      effect    = "Allow"
      actions   = ["acm:RequestCertificate"]
      resources = ["*"] # ACM authorizes a request on no resource; the conditions scope it

      condition {
        test     = "ForAllValues:StringEquals"
        variable = "acm:DomainNames"
        values   = [statement.value.name]
      }

      condition {
        test     = "StringEquals"
        variable = "acm:ValidationMethod"
        values   = ["DNS"]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:RequestTag/Stack"
        values   = [each.value.stack_name]
      }
    }
  }

  dynamic "statement" {
    for_each = each.value.domain == null ? [] : ["on"]

    content {
      sid       = "StackCertificates"
      effect    = "Allow"
      actions   = concat(local.feature_reads.certificate, ["acm:DeleteCertificate", "acm:AddTagsToCertificate", "acm:RemoveTagsFromCertificate"])
      resources = [local.certificate_arns]

      condition {
        test     = "StringEquals"
        variable = "aws:ResourceTag/Stack"
        values   = [each.value.stack_name]
      }
    }
  }

  # A request with tags is also authorized as AddTagsToCertificate, on a certificate that has no
  # tag yet: only the stack's own tag may be put on an untagged certificate.
  dynamic "statement" {
    for_each = each.value.domain == null ? [] : ["on"]

    content {
      sid       = "TagNewStackCertificate"
      effect    = "Allow"
      actions   = ["acm:AddTagsToCertificate"]
      resources = [local.certificate_arns]

      condition {
        test     = "StringEquals"
        variable = "aws:RequestTag/Stack"
        values   = [each.value.stack_name]
      }

      condition {
        test     = "Null"
        variable = "aws:ResourceTag/Stack"
        values   = ["true"]
      }
    }
  }

  dynamic "statement" {
    for_each = each.value.domain == null ? [] : [local.domain_arns[each.key]]

    content {
      sid       = "StackDomainName"
      effect    = "Allow"
      actions   = local.http_methods
      resources = statement.value
    }
  }

  # Creating a domain name is authorized on /domainnames, which names no domain: the Stack tag
  # scopes it, and the certificate (ACM's, for that exact name) limits what it can serve.
  dynamic "statement" {
    for_each = each.value.domain == null ? [] : ["on"]

    content {
      sid       = "CreateStackDomainName"
      effect    = "Allow"
      actions   = ["apigateway:POST"]
      resources = ["${local.apigateway_arn}/domainnames"]

      condition {
        test     = "StringEquals"
        variable = "aws:RequestTag/Stack"
        values   = [each.value.stack_name]
      }
    }
  }

  dynamic "statement" {
    for_each = each.value.domain == null ? [] : ["on"]

    content {
      sid       = "ReadStackZone"
      effect    = "Allow"
      actions   = concat(local.feature_reads.zone, ["route53:GetChange"])
      resources = [local.zone_arns[each.key], "arn:${local.partition}:route53:::change/*"]
    }
  }

  dynamic "statement" {
    for_each = each.value.domain == null ? [] : [each.value.domain]

    content {
      sid       = "StackAliasRecords"
      effect    = "Allow"
      actions   = ["route53:ChangeResourceRecordSets"]
      resources = [local.zone_arns[each.key]]

      condition {
        test     = "ForAllValues:StringEquals"
        variable = "route53:ChangeResourceRecordSetsNormalizedRecordNames"
        values   = [statement.value.name]
      }

      condition {
        test     = "ForAllValues:StringEquals"
        variable = "route53:ChangeResourceRecordSetsRecordTypes"
        values   = ["A", "AAAA"]
      }
    }
  }

  dynamic "statement" {
    for_each = each.value.domain == null ? [] : [each.value.domain]

    content {
      sid       = "StackCertificateValidationRecord"
      effect    = "Allow"
      actions   = ["route53:ChangeResourceRecordSets"]
      resources = [local.zone_arns[each.key]]

      condition {
        test     = "ForAllValues:StringLike"
        variable = "route53:ChangeResourceRecordSetsNormalizedRecordNames"
        values   = ["_${join("", [for i in range(32) : "?"])}.${statement.value.name}"]
      }

      condition {
        test     = "ForAllValues:StringEquals"
        variable = "route53:ChangeResourceRecordSetsRecordTypes"
        values   = ["CNAME"]
      }
    }
  }

  # S3 server access logging (bucket.access_logging): switched on the stack's bucket only. The
  # log bucket is not the stack's (access_log_bucket is validated outside <stack>-*): no right on
  # it; its own policy decides which buckets may deliver into it.
  dynamic "statement" {
    for_each = each.value.access_log_bucket == null ? [] : ["on"]

    content {
      sid       = "StackBucketAccessLogging"
      effect    = "Allow"
      actions   = ["s3:PutBucketLogging"]
      resources = ["arn:${local.partition}:s3:::${each.value.stack_name}-*"]

      condition {
        test     = "StringEquals"
        variable = "s3:ResourceAccount"
        values   = [local.account]
      }
    }
  }
}

data "aws_iam_policy_document" "features_plan" {
  for_each = var.environments

  dynamic "statement" {
    for_each = each.value.alarms == null ? [] : ["on"]

    content {
      sid       = "ReadStackAlarms"
      effect    = "Allow"
      actions   = local.feature_reads.alarms
      resources = [local.alarm_arns[each.key]]
    }
  }

  dynamic "statement" {
    for_each = try(each.value.alarms.create_topic, false) ? ["on"] : []

    content {
      sid       = "ReadStackAlarmTopics"
      effect    = "Allow"
      actions   = local.feature_reads.topics
      resources = [local.topic_arns[each.key]]
    }
  }

  dynamic "statement" {
    for_each = each.value.domain == null ? [] : ["on"]

    content {
      sid       = "ReadStackCertificates"
      effect    = "Allow"
      actions   = local.feature_reads.certificate
      resources = [local.certificate_arns]

      condition {
        test     = "StringEquals"
        variable = "aws:ResourceTag/Stack"
        values   = [each.value.stack_name]
      }
    }
  }

  dynamic "statement" {
    for_each = each.value.domain == null ? [] : [local.domain_arns[each.key]]

    content {
      sid       = "ReadStackDomainName"
      effect    = "Allow"
      actions   = ["apigateway:GET"]
      resources = statement.value
    }
  }

  dynamic "statement" {
    for_each = each.value.domain == null ? [] : ["on"]

    content {
      sid       = "ReadStackZone"
      effect    = "Allow"
      actions   = local.feature_reads.zone
      resources = [local.zone_arns[each.key]]
    }
  }
}
