"""What the parts of the attack table share: the roles of an environment whose trust the
cases attack and how a case names them, the condition key of an API stage's access-log
destination, and the documents the cases put on a principal (each writer's own policy and what
an attack step would add to it), which run() adds to the rendered policies.
"""

from __future__ import annotations

from typing import Any

from scribe_local.iam.builders import Names, allow, document


def writer_policy(names: Names, env: str) -> dict[str, Any]:
    """The writer role's policy as modules/lambda renders it (its exact JSON is asserted by
    tests/plan/test_lambda.py): its log group's streams, PutObject under the key prefix, and
    one version entry per listing under it."""
    group = names.log_group(f"/aws/lambda/{names.stack(env)}-writer")
    bucket, prefix = f"arn:aws:s3:::{names.bucket(env)}", names.key_prefix(env)
    one_entry = {
        "StringLike": {"s3:prefix": f"{prefix}*"},
        "NumericLessThanEquals": {"s3:max-keys": "1"},
    }
    return document(
        allow(["logs:CreateLogStream", "logs:PutLogEvents"], f"{group}:*"),
        allow("s3:PutObject", f"{bucket}/{prefix}*"),
        {**allow("s3:ListBucketVersions", bucket), "Condition": one_entry},
    )


def roles_of(n: Names, env: str) -> tuple[str, ...]:
    """The roles of env whose trust the account renders (the plan role since 0.4.0)."""
    return ("deploy", "plan") if f"trust-plan-{env}" in n.identity.policies else ("deploy",)


def trust_label(env: str, role: str) -> str:
    """How a case names the role it attacks: "prod" (the deploy role), "prod plan role"."""
    return env if role == "deploy" else f"{env} plan role"


ACCESS_LOG_DESTINATION = "apigateway:Request/AccessLoggingDestination"


def attacker_documents(n: Names) -> dict[str, dict[str, Any]]:
    """Documents the cases add to a principal: each writer's own policy and what an attack
    step would put on it."""
    docs: dict[str, dict[str, Any]] = {}
    for env in n.identity.environments:
        docs[f"writer-{env}"] = writer_policy(n, env)
        docs[f"all-logs-{env}"] = document(allow("logs:PutLogEvents", "*"))
        docs[f"any-key-{env}"] = document(allow("kms:GenerateDataKey", "*"))
        # modules/lambda's statement with tracing_mode set (tests/plan/test_lambda.py asserts it)
        docs[f"traces-{env}"] = document(
            allow(["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "*")
        )
    # KMS needs the key policy to let IAM decide: AWS's default key policy does.
    root = {"AWS": f"arn:aws:iam::{n.account}:root"}
    docs["default-key-policy"] = document({**allow("kms:*", "*"), "Principal": root})
    return docs
