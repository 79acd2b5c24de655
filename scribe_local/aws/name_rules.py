"""AWS's documented rules for the names, tags and values the modules send, where they are stricter
than botocore's service model (which the model check reads): a value the model lets through that
AWS refuses at apply time. A number is matched as its decimal text.

Each rule names the operation and member it applies to (list indices and map keys as `[*]`), what
a value must match whole, and the page that documents it. The model check applies them after the
model's own rules (scribe_local/aws/model_check.py). Only rules stricter than the model are here;
botocore 1.44's models were read member by member for each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

# What S3 reserves: prefixes, suffixes, two adjacent periods, the form of an IPv4 address.
_BUCKET = (
    r"(?!xn--|sthree-|amzn-s3-demo-)"
    r"(?!.*(?:-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3|-an)$)"
    r"(?!.*\.\.)(?!\d{1,3}(?:\.\d{1,3}){3}$)"
    r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"
)
_DNS_NAME = (
    r"(?=.{1,253}$)(?:\*\.)?(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_TAG_KEY = r"(?![Aa][Ww][Ss]:)[\w\s.:/=+@-]{1,128}"
_TAG_VALUE = r"[\w\s.:/=+@-]{0,256}"
_SOURCES = {
    "s3-bucket": "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
    "s3-tags": "https://docs.aws.amazon.com/AmazonS3/latest/userguide/CostAllocTagging.html",
    "lambda": "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html",
    "logs": "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html",
    "logs-retention": "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html",
    "apigw-stage": "https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-stages-stagename.html",
    "apigw-api": "https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis.html",
    "apigw-mapping": "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-mappings.html",
    "apigw-tags": "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-tagging-supported-resources.html",
    "alarm": "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html",
    "sns": "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html",
    "acm": "https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html",
    "dns": "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html",
}


@dataclass(frozen=True)
class NameRule:
    """A value of `member` of `call` must match `pattern` whole; `what` says it in words."""

    call: str  # "s3.CreateBucket"
    member: str  # "Bucket", "Tagging.TagSet[*].Key"
    pattern: str
    what: str
    source: str  # a key of _SOURCES

    def accepts(self, value: str) -> bool:
        return _compiled(self.pattern).fullmatch(value) is not None

    def describe(self) -> str:
        return f"{self.what} ({_SOURCES[self.source]})"


RULES = (
    NameRule(
        "s3.CreateBucket",
        "Bucket",
        _BUCKET,
        "a bucket name: 3..63 of a-z 0-9 . -, a letter or digit at each end, no '..', not an "
        "IP address, no reserved prefix (xn--, sthree-, amzn-s3-demo-) or suffix (-s3alias, "
        "--ol-s3, .mrap, --x-s3, --table-s3, -an)",
        "s3-bucket",
    ),
    NameRule(
        "s3.PutBucketTagging",
        "Tagging.TagSet[*].Key",
        _TAG_KEY,
        "a tag key of 1..128 letters, digits, spaces and _ . : / = + - @, not starting aws:",
        "s3-tags",
    ),
    NameRule(
        "s3.PutBucketTagging",
        "Tagging.TagSet[*].Value",
        _TAG_VALUE,
        "a tag value of 0..256 letters, digits, spaces and _ . : / = + - @",
        "s3-tags",
    ),
    NameRule(
        "lambda.CreateFunction",
        "FunctionName",
        r"[A-Za-z0-9_-]{1,64}|arn:.+|\d{12}:function:.+",
        "a function name of 1..64 of A-Z a-z 0-9 _ - (the model's 140 counts a whole ARN)",
        "lambda",
    ),
    NameRule(
        "logs.CreateLogGroup",
        "logGroupName",
        r"(?![Aa][Ww][Ss]/).+",
        "a log group name that does not start with aws/ (reserved)",
        "logs",
    ),
    NameRule(
        "apigatewayv2.CreateApi",
        "Name",
        r".{1,128}",
        "an API name of 1..128 characters",
        "apigw-api",
    ),
    NameRule(
        "apigatewayv2.CreateStage",
        "StageName",
        r"\$default|[A-Za-z0-9_-]{1,128}",
        "a stage name: $default, or 1..128 of A-Z a-z 0-9 _ -",
        "apigw-stage",
    ),
    NameRule(
        "apigatewayv2.CreateApiMapping",
        "ApiMappingKey",
        r"[A-Za-z0-9$\-_.+!*'()/]{0,300}",
        "an API mapping key of at most 300 of A-Z a-z 0-9 $ - _ . + ! * ' ( ) /",
        "apigw-mapping",
    ),
    NameRule(
        "apigatewayv2.CreateDomainName",
        "DomainName",
        _DNS_NAME,
        "a DNS name: labels of 1..63 characters, 253 in all",
        "dns",
    ),
    NameRule(
        "acm.RequestCertificate",
        "DomainName",
        r".{1,64}",
        "a certificate's domain name (its common name) of at most 64 characters",
        "acm",
    ),
    NameRule(
        "logs.PutRetentionPolicy",
        "retentionInDays",
        "1|3|5|7|14|30|60|90|120|150|180|365|400|545|731|1096|1827|2192|2557|2922|3288|3653",
        "one of the retention periods CloudWatch Logs offers (1, 3, 5, 7, 14, 30, ... 3653 days)",
        "logs-retention",
    ),
    NameRule(
        "cloudwatch.PutMetricAlarm",
        "AlarmName",
        r"[^\x00-\x1f\x7f]+",
        "an alarm name without ASCII control characters",
        "alarm",
    ),
    NameRule(
        "sns.CreateTopic",
        "Name",
        r"[A-Za-z0-9_-]{1,256}|[A-Za-z0-9_-]{1,251}\.fifo",
        "a topic name of 1..256 of A-Z a-z 0-9 _ - (a FIFO topic's ends in .fifo)",
        "sns",
    ),
    *(
        NameRule(f"apigatewayv2.{call}", member, pattern, what, "apigw-tags")
        for call in ("CreateApi", "CreateStage", "CreateDomainName", "TagResource")
        for member, pattern, what in (
            ("Tags.<key>", _TAG_KEY, "a tag key of 1..128 characters, not starting aws:"),
            ("Tags[*]", _TAG_VALUE, "a tag value of 0..256 characters"),
        )
    ),
)
BY_MEMBER: dict[tuple[str, str], tuple[NameRule, ...]] = {}
for _rule in RULES:
    BY_MEMBER[(_rule.call, _rule.member)] = (*BY_MEMBER.get((_rule.call, _rule.member), ()), _rule)

_INDEX = re.compile(r"\[[^\]]*\]")


def rules_for(call: str, path: str) -> tuple[NameRule, ...]:
    """The documented rules of one member, its path as the model check writes it."""
    return BY_MEMBER.get((call, _INDEX.sub("[*]", path)), ())


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)
