"""Verification of AWS Signature Version 4 requests, as API Gateway does for AWS_IAM routes.

The gateway knows the secret of each caller it may accept (keys issued by `make up`, or the
temporary keys a test hands it); moto does not reveal secrets. The canonical request and the
signature are botocore's own (the signer every AWS SDK uses), applied to the request as received;
the payload hash is always the body's, and the signed host must be one the gateway answers to.
This module checks the signature and names the caller; whether the caller's IAM policies allow
execute-api:Invoke is decided in authorization.py.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

from scribe_local.emulator.gateway.callers import Caller

MAX_SKEW = timedelta(minutes=15)
MISMATCH = "The request signature we calculated does not match the signature you provided."
AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request, ?SignedHeaders=(?P<signed>[a-z0-9;-]+), ?"
    r"Signature=(?P<signature>[0-9a-f]{64})$"
)


class SignatureError(Exception):
    """Why a request is refused; the text is API Gateway's message for the case."""


class _ReceivedRequest(SigV4Auth):  # type: ignore[misc]
    """botocore's SigV4 (the signer of every AWS SDK) applied to a request as received: the
    canonical request, string to sign and signature come from botocore itself, so what botocore
    signs is what is checked. Only the headers to sign differ: the request carries exactly those
    the Authorization header names (botocore would drop some, such as user-agent)."""

    def __init__(self, secret: str, scope: str) -> None:
        _, region, service, _ = scope.split("/")
        super().__init__(Credentials("", secret), service, region)

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        return request.headers


def expected_signature(
    secret: str,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: dict[str, str],
    signed: list[str],
    body: bytes,
    amz_date: str,
    scope: str,
) -> str:
    """The signature of the request as received, computed by botocore. The payload hash is always
    the body's own: a client's x-amz-content-sha256 must equal it (checked by `verify`)."""
    target = raw_path + (f"?{raw_query}" if raw_query else "")
    request = AWSRequest(method=method, url=f"https://{headers.get('host', '')}{target}", data=body)
    for name in signed:
        request.headers[name] = headers.get(name, "")
    request.context["timestamp"] = amz_date
    auth = _ReceivedRequest(secret, scope)
    canonical = auth.canonical_request(request)
    signature: str = auth.signature(auth.string_to_sign(request, canonical), request)
    return signature


def verify(
    callers: dict[str, Caller],
    region: str,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: dict[str, str],
    body: bytes,
    hosts: Collection[str],
    now: datetime | None = None,
) -> Caller:
    """Return the caller whose valid signature the request carries, or raise SignatureError.

    headers: lower-case names (duplicates joined with commas, as received); hosts: the names this
    gateway answers to (a request signed for another host is not for this API)."""
    authorization = headers.get("authorization")
    if not authorization:
        raise SignatureError("Forbidden")
    found = AUTHORIZATION.match(authorization)
    if found is None:
        raise SignatureError(
            "Authorization header requires 'Credential', 'Signature' and "
            "'SignedHeaders' parameters."
        )
    caller = callers.get(found["key"])
    if caller is None or headers.get("x-amz-security-token") != caller.session_token:
        raise SignatureError("The security token included in the request is invalid.")
    if found["service"] != "execute-api" or found["region"] != region:
        raise SignatureError("Credential should be scoped to a valid region and service.")
    amz_date = headers.get("x-amz-date", "")
    try:
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise SignatureError("Missing or invalid X-Amz-Date.") from None
    if abs((now or datetime.now(UTC)) - signed_at) > MAX_SKEW or amz_date[:8] != found["date"]:
        raise SignatureError("Signature expired.")
    signed = found["signed"].split(";")
    if "host" not in signed:
        raise SignatureError("The host header must be signed.")
    if headers.get("host", "").lower() not in hosts:
        raise SignatureError("Forbidden")
    declared = headers.get("x-amz-content-sha256")
    if declared is not None and declared != hashlib.sha256(body).hexdigest():
        raise SignatureError(MISMATCH)  # a signed hash of another body, or UNSIGNED-PAYLOAD
    scope = f"{found['date']}/{found['region']}/{found['service']}/aws4_request"
    expected = expected_signature(
        caller.secret_access_key,
        method,
        raw_path,
        raw_query,
        headers,
        signed,
        body,
        amz_date,
        scope,
    )
    if not hmac.compare_digest(expected, found["signature"]):
        raise SignatureError(MISMATCH)
    return caller
