"""The attack table's part for the stack's optional features (modules/ci-identity/features.tf):
what a deploy of an environment that turns a feature on needs (allowed, and its reads allowed
to the plan role), and what the feature's grants must not reach (denied): another stack's
alarm, topic, log group, key, certificate, domain and bucket, another zone, another record
name or type in the zone, an outside alarm action or subscription.

Every request carries only the condition keys AWS supplies for its action (the evaluator
refuses any other). "Another stack" is billing, another team's stack in the same account,
present in every layout.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from scribe_local.iam.builders import Builder, Names
from scribe_local.iam.cases import Case, Step
from scribe_local.iam_evaluator import ContextValue, Request

OTHER_STACK = "billing"  # another team's stack in the same account
OUTSIDER = "999999999999"  # an account outside the organization
VALIDATION_NAME = "_" + "0f" * 16  # ACM's validation record: _<32 characters>.<domain>
OTHER_KEY = "0000000c-0000-4000-8000-0000000000ff"  # another stack's KMS key id


def _arn(n: Names, service: str, resource: str) -> str:
    return f"arn:aws:{service}:{n.region}:{n.account}:{resource}"


def _records(names: list[str], types: list[str], action: str = "CREATE") -> dict[str, Any]:
    """What AWS supplies on ChangeResourceRecordSets: its changes' actions, normalized record
    names (lower case, no final dot) and types."""
    return {
        "route53:ChangeResourceRecordSetsActions": [action] * len(names),
        "route53:ChangeResourceRecordSetsNormalizedRecordNames": names,
        "route53:ChangeResourceRecordSetsRecordTypes": types,
    }


def _certificate_request(
    names: list[str], method: str, tags: dict[str, ContextValue]
) -> dict[str, ContextValue]:
    """What AWS supplies on RequestCertificate: its domain names, validation method and tags."""
    return {"acm:DomainNames": names, "acm:ValidationMethod": method, **tags}


def _domain(n: Names, name: str) -> str:
    return f"arn:aws:apigateway:{n.region}::/domainnames/{name}"


def _key(request: Request) -> Request:
    """A KMS request under AWS's default key policy, which lets IAM decide (KMS asks the key
    policy first): the decision is then the role's policies'."""
    return replace(request, resource_policy="default-key-policy")


def _zone(zone_id: str) -> str:
    return f"arn:aws:route53:::hostedzone/{zone_id}"


def feature_needs(n: Names, b: Builder, env: str) -> list[tuple[str, Request]]:
    """Requests a deploy of env makes for each feature its environment turns on (its reads,
    Describe/Get/List, are also the plan role's)."""
    cfg = n.env(env)
    stack = n.stack(env)
    own: dict[str, ContextValue] = {"aws:ResourceTag/Stack": stack}
    needs: list[tuple[str, Request]] = []
    if cfg.get("alarms"):
        alarm = _arn(n, "cloudwatch", f"alarm:{stack}-writer-errors")
        topic = _arn(n, "sns", f"{stack}-writer-alarms")
        notify = {"cloudwatch:AlarmActions": [topic], **n.own_tags(env)}
        needs += [
            (
                "creates its alarm, notifying its topic",
                b.deploy(env, "cloudwatch:PutMetricAlarm", alarm, **notify),
            ),
            ("reads its alarms", b.deploy(env, "cloudwatch:DescribeAlarms", alarm)),
        ]
        if cfg["alarms"].get("create_topic"):
            needs += [
                (
                    "creates its alarm topic",
                    b.deploy(env, "sns:CreateTopic", topic, **n.own_tags(env)),
                ),
                ("reads its alarm topic", b.deploy(env, "sns:GetTopicAttributes", topic)),
            ]
    if cfg.get("log_kms_key_arns"):
        group = n.log_group(f"/aws/lambda/{stack}-writer")
        needs += [
            ("encrypts its log group with a key", b.deploy(env, "logs:AssociateKmsKey", group))
        ]
    if cfg.get("domain"):
        name = cfg["domain"]["name"]
        zone = _zone(cfg["domain"]["hosted_zone_id"])
        certificate = _arn(n, "acm", "certificate/0c0c0c0c-0000-4000-8000-000000000001")
        requested = _certificate_request([name], "DNS", n.own_tags(env))
        needs += [
            (
                "requests its domain's certificate",
                b.deploy(env, "acm:RequestCertificate", "*", **requested),
            ),
            ("reads its certificate", b.deploy(env, "acm:DescribeCertificate", certificate, **own)),
            (
                "writes its certificate's validation record",
                b.deploy(
                    env,
                    "route53:ChangeResourceRecordSets",
                    zone,
                    **_records([f"{VALIDATION_NAME}.{name}"], ["CNAME"], "UPSERT"),
                ),
            ),
            (
                "writes its domain's alias records",
                b.deploy(
                    env, "route53:ChangeResourceRecordSets", zone, **_records([name], ["AAAA"])
                ),
            ),
            ("reads its zone", b.deploy(env, "route53:GetHostedZone", zone)),
            (
                "creates its domain name",
                b.deploy(
                    env,
                    "apigateway:POST",
                    f"arn:aws:apigateway:{n.region}::/domainnames",
                    **n.own_tags(env),
                ),
            ),
            (
                "maps its API on its domain",
                b.deploy(env, "apigateway:POST", f"{_domain(n, name)}/apimappings", **own),
            ),
            ("reads its domain name", b.deploy(env, "apigateway:GET", _domain(n, name), **own)),
        ]
    if cfg.get("access_log_bucket"):
        bucket = f"arn:aws:s3:::{n.bucket(env)}"
        needs += [
            ("switches its bucket's access logging", b.deploy(env, "s3:PutBucketLogging", bucket)),
            ("reads its bucket's access logging", b.deploy(env, "s3:GetBucketLogging", bucket)),
        ]
    return needs


def feature_cases(n: Names, b: Builder, env: str) -> list[Case]:
    """What each feature's grants must not reach (denied), what they cannot tell apart (allowed,
    with what limits it), and the deploy-only needs the plan role does not share."""
    cfg = n.env(env)
    stack = n.stack(env)
    label = f"{env} role"
    refused: list[tuple[str, Request]] = []
    allowed: list[tuple[str, Request]] = []
    limited: list[tuple[str, Request, str]] = []
    if cfg.get("alarms"):
        own_alarm = _arn(n, "cloudwatch", f"alarm:{stack}-writer-errors")
        own_topic = _arn(n, "sns", f"{stack}-writer-alarms")
        outside = f"arn:aws:sns:{n.region}:{OUTSIDER}:exfil"
        refused += [
            (
                "changes another stack's alarm",
                b.deploy(
                    env,
                    "cloudwatch:PutMetricAlarm",
                    _arn(n, "cloudwatch", f"alarm:{OTHER_STACK}-errors"),
                    **{"cloudwatch:AlarmActions": [own_topic]},
                ),
            ),
            (
                "sends its alarms to an outside account's topic",
                b.deploy(
                    env,
                    "cloudwatch:PutMetricAlarm",
                    own_alarm,
                    **{"cloudwatch:AlarmActions": [own_topic, outside]},
                ),
            ),
            (
                "deletes another stack's alarm",
                b.deploy(
                    env,
                    "cloudwatch:DeleteAlarms",
                    _arn(n, "cloudwatch", f"alarm:{OTHER_STACK}-errors"),
                ),
            ),
            (
                "changes another stack's topic",
                b.deploy(env, "sns:SetTopicAttributes", _arn(n, "sns", f"{OTHER_STACK}-alarms")),
            ),
            (
                "subscribes an outside endpoint to its alarm topic",
                b.deploy(
                    env,
                    "sns:Subscribe",
                    own_topic,
                    **{"sns:Endpoint": "https://attacker.example/hook", "sns:Protocol": "https"},
                ),
            ),
        ]
        limited += [
            (
                "sends its alarms' OK notices to an outside account's topic",
                b.deploy(
                    env,
                    "cloudwatch:PutMetricAlarm",
                    own_alarm,
                    **{"cloudwatch:AlarmActions": [own_topic]},  # OKActions: no key carries them
                ),
                "AWS supplies only an alarm's alarm actions as cloudwatch:AlarmActions; an OK or "
                "insufficient-data notice carries the alarm's name, state and reason, never a text",
            )
        ]
    if cfg.get("log_kms_key_arns"):
        key = cfg["log_kms_key_arns"][0]
        via_logs = {"kms:ViaService": f"logs.{n.region}.amazonaws.com"}
        other_group = n.log_group(f"/aws/lambda/{OTHER_STACK}-writer")
        allowed += [
            (
                "lets CloudWatch Logs use its log key (DescribeKey through logs)",
                _key(b.deploy(env, "kms:DescribeKey", key, **via_logs)),
            )
        ]
        refused += [
            (
                "puts a key on another stack's log group",
                b.deploy(env, "logs:AssociateKmsKey", other_group),
            ),
            (
                "takes the key off another stack's log group",
                b.deploy(env, "logs:DisassociateKmsKey", other_group),
            ),
            ("decrypts with its log key directly", _key(b.deploy(env, "kms:Decrypt", key))),
            (
                "uses another stack's key through CloudWatch Logs",
                _key(
                    b.deploy(env, "kms:DescribeKey", _arn(n, "kms", f"key/{OTHER_KEY}"), **via_logs)
                ),
            ),
            ("rewrites its log key's policy", _key(b.deploy(env, "kms:PutKeyPolicy", key))),
            (
                "schedules its log key's deletion",
                _key(b.deploy(env, "kms:ScheduleKeyDeletion", key)),
            ),
        ]
    if cfg.get("domain"):
        name = cfg["domain"]["name"]
        zone_id = cfg["domain"]["hosted_zone_id"]
        zone = _zone(zone_id)
        parent = name.split(".", 1)[1]
        other_certificate = _arn(n, "acm", "certificate/0c0c0c0c-0000-4000-8000-0000000000ff")
        theirs = {"aws:ResourceTag/Stack": OTHER_STACK}
        change = "route53:ChangeResourceRecordSets"
        refused += [
            (
                "requests a certificate for another name",
                b.deploy(
                    env,
                    "acm:RequestCertificate",
                    "*",
                    **_certificate_request([name, f"api.{parent}"], "DNS", n.own_tags(env)),
                ),
            ),
            (
                "requests its certificate validated by e-mail",
                b.deploy(
                    env,
                    "acm:RequestCertificate",
                    "*",
                    **_certificate_request([name], "EMAIL", n.own_tags(env)),
                ),
            ),
            (
                "deletes another stack's certificate",
                b.deploy(env, "acm:DeleteCertificate", other_certificate, **theirs),
            ),
            (
                "re-tags another stack's certificate as its own",
                b.deploy(
                    env, "acm:AddTagsToCertificate", other_certificate, **theirs, **n.own_tags(env)
                ),
            ),
            (
                "points the zone apex elsewhere",
                b.deploy(env, change, zone, **_records([parent], ["A"])),
            ),
            (
                "delegates its name to outside name servers (NS)",
                b.deploy(env, change, zone, **_records([name], ["NS"])),
            ),
            (
                "adds an MX record for its name",
                b.deploy(env, change, zone, **_records([name], ["MX"])),
            ),
            (
                "writes a CNAME that is no validation record",
                b.deploy(env, change, zone, **_records([f"www.{name}"], ["CNAME"])),
            ),
            (
                "adds its alias to a change of another name",
                b.deploy(env, change, zone, **_records([name, f"api.{parent}"], ["A", "A"])),
            ),
            (
                "writes its alias record in another zone",
                b.deploy(env, change, _zone("Z0THERZ0NE0000000000"), **_records([name], ["A"])),
            ),
            (
                "maps its API on another stack's domain",
                b.deploy(
                    env, "apigateway:POST", f"{_domain(n, f'api.{parent}')}/apimappings", **theirs
                ),
            ),
            (
                "deletes another stack's domain name",
                b.deploy(env, "apigateway:DELETE", _domain(n, f"api.{parent}"), **theirs),
            ),
        ]
        limited += [
            (
                "tags an untagged certificate of the account as its own",
                b.deploy(env, "acm:AddTagsToCertificate", other_certificate, **n.own_tags(env)),
                "ACM supplies no tag of a certificate that has none: a new certificate and an "
                "untagged one look alike. What the tag then opens is reading and deleting that "
                "certificate; API Gateway serves a certificate only for its own name",
            ),
            (
                "maps another API on its own domain",
                b.deploy(
                    env,
                    "apigateway:POST",
                    f"{_domain(n, name)}/apimappings",
                    **{"aws:ResourceTag/Stack": stack},
                ),
                "API Gateway authorizes a mapping on the domain only: the API it maps is not a "
                "condition key. The mapped API keeps its own authorization (AWS_IAM, JWT)",
            ),
        ]
    if cfg.get("access_log_bucket"):
        log_bucket = f"arn:aws:s3:::{cfg['access_log_bucket']}"
        other_bucket = f"arn:aws:s3:::{OTHER_STACK}-{n.account}-{n.region}"
        refused += [
            (
                "switches another stack's bucket's access logging",
                b.deploy(env, "s3:PutBucketLogging", other_bucket),
            ),
            ("reads the log bucket's logs", b.deploy(env, "s3:GetObject", f"{log_bucket}/s3/x")),
            (
                "deletes the log bucket's logs",
                b.deploy(env, "s3:DeleteObject", f"{log_bucket}/s3/x"),
            ),
            ("rewrites the log bucket's policy", b.deploy(env, "s3:PutBucketPolicy", log_bucket)),
        ]
    return (
        [Case(f"{label}: {what}", "allowed", (Step(request),)) for what, request in allowed]
        + [Case(f"{label}: {what}", "denied", (Step(request),)) for what, request in refused]
        + [
            Case(f"{label}: {what}", "allowed", (Step(request),), limited_by=why)
            for what, request, why in limited
        ]
    )
