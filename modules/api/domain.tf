# The custom domain (only when var.domain is set): a regional API Gateway domain name with
# TLS 1.2, mapped to the $default stage. Its certificate is either var.domain.certificate_arn or one
# requested here and validated by DNS in var.domain.hosted_zone_id. The order is what makes a
# first apply succeed (terraform-aws-apigateway-v2 #112):
#   certificate -> validation CNAME -> aws_acm_certificate_validation (waits for ISSUED)
#     -> domain name (uses the validation's certificate_arn, so never a pending certificate)
#       -> API mapping (needs the domain and the stage) and the alias records (need the
#          domain's regional target): A, and AAAA when the domain is dualstack.
# Destroy runs the other way round: records and mapping first, the certificate last.

locals {
  domain_enabled      = var.domain != null
  request_certificate = local.domain_enabled && try(var.domain.certificate_arn == null, false)
  # Alias records when a zone is named, unless the caller turned them off.
  alias_records = local.domain_enabled ? coalesce(var.domain.create_alias_records, var.domain.hosted_zone_id != null) : false

  domain_certificate_arn = (
    !local.domain_enabled ? null :
    local.request_certificate ? aws_acm_certificate_validation.domain[0].certificate_arn : var.domain.certificate_arn
  )
  domain_url = local.domain_enabled ? join("/", compact(["https://${var.domain.name}", var.domain.api_mapping_key])) : null
}

resource "aws_acm_certificate" "domain" {
  count = local.request_certificate ? 1 : 0

  domain_name       = var.domain.name
  validation_method = "DNS"
  tags              = var.tags

  lifecycle {
    # A new certificate (another name) is issued before the old one, still in use by the
    # domain, is deleted.
    create_before_destroy = true
  }
}

resource "aws_route53_record" "certificate_validation" {
  count = local.request_certificate ? 1 : 0

  # One name, no SANs: exactly one validation option.
  zone_id         = var.domain.hosted_zone_id
  name            = tolist(aws_acm_certificate.domain[0].domain_validation_options)[0].resource_record_name
  type            = tolist(aws_acm_certificate.domain[0].domain_validation_options)[0].resource_record_type
  records         = [tolist(aws_acm_certificate.domain[0].domain_validation_options)[0].resource_record_value]
  ttl             = 60
  allow_overwrite = true # ACM gives the same CNAME to every certificate of a name in one account
}

resource "aws_acm_certificate_validation" "domain" {
  count = local.request_certificate ? 1 : 0

  certificate_arn         = aws_acm_certificate.domain[0].arn
  validation_record_fqdns = [aws_route53_record.certificate_validation[0].fqdn]
}

resource "aws_apigatewayv2_domain_name" "this" {
  count = local.domain_enabled ? 1 : 0

  domain_name = var.domain.name
  tags        = var.tags

  domain_name_configuration {
    certificate_arn = local.domain_certificate_arn
    endpoint_type   = "REGIONAL"
    security_policy = "TLS_1_2"
    # AWS's default is IPv4 only: an AAAA record to a domain that is not dualstack leads nowhere.
    ip_address_type = var.domain.ip_address_type
  }
}

resource "aws_apigatewayv2_api_mapping" "this" {
  count = local.domain_enabled ? 1 : 0

  api_id          = aws_apigatewayv2_api.this.id
  domain_name     = aws_apigatewayv2_domain_name.this[0].id
  stage           = aws_apigatewayv2_stage.default.id
  api_mapping_key = var.domain.api_mapping_key
}

resource "aws_route53_record" "alias" {
  for_each = !local.alias_records ? toset([]) : var.domain.ip_address_type == "dualstack" ? toset(["A", "AAAA"]) : toset(["A"])

  zone_id = var.domain.hosted_zone_id
  name    = aws_apigatewayv2_domain_name.this[0].domain_name
  type    = each.key

  alias {
    name                   = aws_apigatewayv2_domain_name.this[0].domain_name_configuration[0].target_domain_name
    zone_id                = aws_apigatewayv2_domain_name.this[0].domain_name_configuration[0].hosted_zone_id
    evaluate_target_health = false
  }
}
