"""Verification of AWS Signature Version 4 requests, as API Gateway does for AWS_IAM routes.

The gateway knows the secret of each caller it may accept (keys issued by `make up`, or the
temporary keys a test hands it); moto does not reveal secrets. Only the signature and the
caller's identity are checked: the caller's own IAM policy (execute-api:Invoke) is not evaluated.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = timedelta(minutes=15)
AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request, ?SignedHeaders=(?P<signed>[a-z0-9;-]+), ?"
    r"Signature=(?P<signature>[0-9a-f]{64})$"
)


@dataclass(frozen=True)
class Caller:
    access_key_id: str
    secret_access_key: str
    arn: str
    session_token: str | None = None


class SignatureError(Exception):
    """Why a request is refused; the text is API Gateway's message for the case."""


def _uri_encode(text: str, safe: str) -> str:
    return urllib.parse.quote(text, safe=safe)


def canonical_query(raw_query: str) -> str:
    pairs = urllib.parse.parse_qsl(raw_query, keep_blank_values=True)
    encoded = sorted((_uri_encode(k, "-_.~"), _uri_encode(v, "-_.~")) for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in encoded)


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


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
    canonical_headers = "".join(
        f"{name}:{' '.join(headers.get(name, '').split())}\n" for name in signed
    )
    payload = headers.get("x-amz-content-sha256") or hashlib.sha256(body).hexdigest()
    canonical = "\n".join(
        [
            method,
            _uri_encode(raw_path, "/~"),  # non-S3 services encode the (already encoded) path again
            canonical_query(raw_query),
            canonical_headers,
            ";".join(signed),
            payload,
        ]
    )
    to_sign = "\n".join(
        [ALGORITHM, amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    date, region, service, _ = scope.split("/")
    key = _hmac(
        _hmac(_hmac(_hmac(f"AWS4{secret}".encode(), date), region), service), "aws4_request"
    )
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def verify(
    callers: dict[str, Caller],
    region: str,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: dict[str, str],
    body: bytes,
    now: datetime | None = None,
) -> Caller:
    """Return the caller whose valid signature the request carries, or raise SignatureError.

    headers: lower-case names (duplicates joined with commas, as received)."""
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
        raise SignatureError(
            "The request signature we calculated does not match the signature you provided."
        )
    return caller
