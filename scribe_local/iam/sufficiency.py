"""Sufficiency and minimality of the plan and deploy policies, from the calls a deploy makes.

The pipeline test runs plan, apply, a no-op plan, the smoke test and destroy of dev and prod,
each phase with the temporary credentials of the role its CI job assumes (ROLE_OF_STEP: the plan
role for the plan jobs, the deploy role for apply, outputs, smoke and destroy), through a
recording proxy in front of moto (`scribe_local/emulator/recorder.py`). Every recorded request is
mapped to the IAM request(s) AWS would authorize (`scribe_local/iam/calls/`, stricter reading
where AWS is uncertain) and decided by the evaluator against the policies in force in that
phase. Sufficient: no call is denied. Minimal: every action a role's policy grants is used by a
call of that role, or kept for a reason listed in KEPT (deploy roles) or PLAN_KEPT.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from scribe_local.iam.calls import MappedCall
from scribe_local.iam_evaluator import Document, evaluate

# Granted actions no recorded call uses, each kept for a reason (the minimality list). A granted
# action that is neither used nor here fails the pipeline test: drop it or say why it stays.
# CloudWatch Logs, not the provider, calls KMS with the caller's credentials when a log group is
# created with or associated to a key (kms:ViaService; CloudWatch Logs User Guide, "Encrypt log
# data"): a request no recording here can see.
KMS_VIA_LOGS = "CloudWatch Logs uses the log key with the caller's credentials (kms:ViaService)"
KEPT = {
    "s3:DeleteObject": "destroy empties a bucket that holds texts (dev: force_destroy)",
    "s3:DeleteObjectVersion": "destroy empties a versioned bucket that holds texts",
    "s3:GetObjectVersion": "the smoke test may read a version back",
    "s3:DeleteBucketPolicy": "switching enforce_tls off removes the bucket policy",
    "s3:PutBucketPolicy": "the TLS-only bucket policy (dev, prod; off on moto, which denies all)",
    "lambda:PutFunctionConcurrency": "writer.reserved_concurrency (envs: dev 5, prod 50)",
    "lambda:GetFunctionConfiguration": "read by the provider after a configuration update",
    "s3:PutLifecycleConfiguration": "noncurrent_version_expiration_days (envs/dev.tfvars)",
    "s3:GetLifecycleConfiguration": "the provider reads the lifecycle rule it manages",
    "lambda:UpdateFunctionCode": "a new zip (every release)",
    "lambda:UpdateFunctionConfiguration": "a changed memory, timeout or environment",
    "lambda:DeleteFunctionConcurrency": "removing writer.reserved_concurrency",
    "lambda:UntagResource": "a tag removed from var.tags",
    "lambda:TagResource": "a tag added to var.tags after creation",
    "logs:DeleteRetentionPolicy": "a retention removed",
    "logs:UntagResource": "a tag removed from var.tags",
    "logs:UntagLogGroup": "the older tag API some provider versions use",
    "logs:TagLogGroup": "the older tag API some provider versions use",
    "logs:ListTagsLogGroup": "the older tag API some provider versions use",
    "logs:TagResource": "a tag added to var.tags after creation",
    "logs:CreateLogDelivery": "API Gateway access logging (AWS-required, Resource *)",
    "logs:GetLogDelivery": "API Gateway access logging (AWS-required, Resource *)",
    "logs:UpdateLogDelivery": "API Gateway access logging (AWS-required, Resource *)",
    "logs:DeleteLogDelivery": "API Gateway access logging (AWS-required, Resource *)",
    "logs:ListLogDeliveries": "API Gateway access logging (AWS-required, Resource *)",
    "logs:PutResourcePolicy": "API Gateway access logging (AWS-required, Resource *)",
    "logs:DescribeResourcePolicies": "API Gateway access logging (AWS-required, Resource *)",
    "iam:UpdateAssumeRolePolicy": "a changed trust of the writer role",
    "iam:PutRolePermissionsBoundary": "a changed boundary name",
    "iam:UntagRole": "a tag removed from var.tags",
    "iam:TagRole": "a tag added to var.tags after creation",
    "iam:ListRoleTags": "read by some provider versions",
    "apigateway:PUT": "API Gateway v2 updates that replace a sub-resource",
    "apigateway:PATCH": "a changed route, integration, stage or throttling",
    # The stack's optional features (modules/ci-identity/features.tf)
    "cloudwatch:UntagResource": "a tag removed from var.tags (alarms)",
    "sns:UntagResource": "a tag removed from var.tags (alarm topics)",
    "acm:RemoveTagsFromCertificate": "a tag removed from var.tags (the domain's certificate)",
    "logs:DisassociateKmsKey": "a log key removed (log_kms_key_arn set back to null)",
    "kms:DescribeKey": KMS_VIA_LOGS,
    "kms:Encrypt": KMS_VIA_LOGS,
    "kms:GenerateDataKey": KMS_VIA_LOGS,
    "kms:Decrypt": KMS_VIA_LOGS,
}


# What the plan role grants that no recorded plan uses, each with its reason.
PLAN_KEPT: dict[str, str] = {}
# The role each step's CI job assumes: plan jobs (make preflight, make plan) the plan role;
# apply, outputs, smoke and destroy the deploy role.
ROLE_OF_STEP = {"plan": "plan", "noop": "plan"}
DEPLOY = "deploy"


def role_of(phase: str) -> str:
    """The role kind ("plan" or "deploy") whose credentials a phase (<step>-<env>) uses."""
    return ROLE_OF_STEP.get(phase.rsplit("-", 1)[0], DEPLOY)


@dataclass(frozen=True)
class EvaluatedCall:
    env: str
    role: str  # "plan" or "deploy"
    phase: str
    call: str
    action: str
    resource: str
    decision: str
    deciding: tuple[str, ...]
    blocked_by: tuple[str, ...]
    context: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["context"] = dict(self.context)
        return data


@dataclass(frozen=True)
class Unused:
    env: str
    action: str
    reason: str | None
    role: str = DEPLOY

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def env_of(phase: str) -> str:
    """Phases are named <step>-<env> (plan-dev, destroy-prod)."""
    return phase.rsplit("-", 1)[1]


def evaluate_calls(
    calls: Sequence[MappedCall],
    principals: Mapping[tuple[str, str], str],
    policies_by_phase: Mapping[str, Mapping[str, Document]],
) -> list[EvaluatedCall]:
    """Decide each call as made by the session of the role its phase uses (principals: (env,
    role) -> session ARN) under the policies in force in its phase (<role>-<env>)."""
    results: list[EvaluatedCall] = []
    by_phase: dict[str, list[MappedCall]] = {}
    for call in calls:
        if call.phase is not None and call.authorized:
            by_phase.setdefault(call.phase, []).append(call)
    for phase, group in by_phase.items():
        env, role = env_of(phase), role_of(phase)
        principal = principals[(env, role)]
        requests = [call.request(principal, identity=(f"{role}-{env}",)) for call in group]
        decisions = evaluate(policies_by_phase[phase], requests)
        for call, decision in zip(group, decisions, strict=True):
            results.append(
                EvaluatedCall(
                    env,
                    role,
                    phase,
                    call.call,
                    call.action,
                    call.resource,
                    decision.result,
                    decision.deciding,
                    decision.blocked_by,
                    dict(call.context),
                )
            )
    return results


def granted_actions(document: Document) -> list[str]:
    actions: list[str] = []
    for statement in document["Statement"]:
        if statement["Effect"] == "Allow":
            raw = statement["Action"]
            actions += [raw] if isinstance(raw, str) else list(raw)
    return sorted(set(actions))


def unused_actions(
    policies: Mapping[tuple[str, str], Document], evaluated: Iterable[EvaluatedCall]
) -> list[Unused]:
    """Actions a role's policy grants (policies: (env, role) -> document) that no allowed call
    of that role of that environment used."""
    used: dict[tuple[str, str], set[str]] = {}
    for call in evaluated:
        if call.decision == "Allowed":
            used.setdefault((call.env, call.role), set()).add(call.action.lower())
    unused = []
    for (env, role), document in sorted(policies.items()):
        kept = PLAN_KEPT if role == "plan" else KEPT
        for granted in granted_actions(document):
            calls = used.get((env, role), ())
            if not any(fnmatch.fnmatchcase(a, granted.lower()) for a in calls):
                unused.append(Unused(env, granted, kept.get(granted), role))
    return unused


def describe_denial(call: EvaluatedCall) -> str:
    why = ", ".join(call.deciding) or "no statement allows it" + (
        f" (missing allow in: {', '.join(call.blocked_by)})" if call.blocked_by else ""
    )
    return (
        f"[{call.phase}] {call.call}: {call.action} on {call.resource} was "
        f"{call.decision}: {why}; context {dict(call.context)}"
    )
