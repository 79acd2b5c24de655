"""STS: assuming roles, web identity tokens and the claims AWS offers as condition keys."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from scribe_local.aws.operations import Operation
from scribe_local.iam.calls import core

# Claims of a web identity token AWS offers as `<provider>:<claim>` keys, besides aud and sub
# (SAR, sts:AssumeRoleWithWebIdentity), by issuer prefix.
OIDC_EXTRA_CLAIMS = {"oidc.circleci.com/org/": ("oidc.circleci.com/project-id",)}


def map_sts(operation: Operation, ledger: core.Ledger) -> list[core.MappedCall]:
    action = core.default_action("sts", operation.name)
    if not action:
        return [core.unmapped(operation.record, operation.call, "the SAR has no action for it")]
    form = operation.form
    if "RoleArn" in form:
        context = (
            _web_identity_context(form) if operation.name == "AssumeRoleWithWebIdentity" else {}
        )
        return [core.mapped_call(operation, action, form["RoleArn"], context)]
    return [core.mapped_call(operation, action, "*")]


def _web_identity_context(form: Mapping[str, str]) -> core.Context:
    """`<provider>:aud` and `:sub` (and the provider's documented extra claims) from the token.

    The token is read, not verified: AWS verifies it; the test only needs the claims that the
    role's trust policy conditions on.
    """
    claims = _jwt_claims(form.get("WebIdentityToken", ""))
    issuer = str(claims.get("iss", "")).removeprefix("https://").rstrip("/")
    if not issuer:
        return {}
    context: core.Context = {}
    extra = next(
        (more for start, more in OIDC_EXTRA_CLAIMS.items() if issuer.startswith(start)), ()
    )
    for claim in ("aud", "sub", *extra):
        value = claims.get(claim)
        if isinstance(value, list):
            context[f"{issuer}:{claim}"] = [str(item) for item in value]
        elif value is not None:
            context[f"{issuer}:{claim}"] = str(value)
    return context


def _jwt_claims(token: str) -> dict[str, Any]:
    parts = token.split(".")
    if len(parts) < 2:
        return {}
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except ValueError:
        return {}
    return claims if isinstance(claims, dict) else {}


def learn_sts(operation: Operation, ledger: core.Ledger) -> None:
    arn = core.answer_xml_text(operation.record, "Arn")
    if operation.name == "GetCallerIdentity" and arn and operation.record.access_key_id:
        ledger.callers[operation.record.access_key_id] = arn
