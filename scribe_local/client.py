"""Calling a scribe API as its clients do: requests SigV4-signed for execute-api by botocore.

The smoke test, `make demo`, the bench and the tests sign with this; the local gateway checks
the signatures (emulator/gateway/sigv4.py) and the caller's IAM policy as API Gateway does.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

PLAIN_TEXT = {"Content-Type": "text/plain; charset=utf-8"}


def signed_headers(
    credentials: Any,
    method: str,
    url: str,
    body: bytes,
    headers: dict[str, str],
    region: str,
) -> dict[str, str]:
    """headers plus the SigV4 ones (Authorization, X-Amz-Date, and X-Amz-Security-Token for
    temporary credentials) that sign the request for execute-api; credentials: botocore's
    Credentials or ReadOnlyCredentials, or None to send the request unsigned."""
    if credentials is None:
        return dict(headers)
    request = AWSRequest(method=method, url=url, data=body, headers=headers)
    SigV4Auth(credentials, "execute-api", region).add_auth(request)
    return dict(request.headers.items())


def signed_post(
    url: str, body: bytes, region: str, credentials: Any, extra: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """POST a text with the extra headers (signed when there are credentials); the status and
    the body of the answer."""
    headers = signed_headers(
        credentials, "POST", url, body, {**PLAIN_TEXT, **(extra or {})}, region
    )
    http = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(http, timeout=60) as response:  # noqa: S310
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as error:
        return int(error.code), bytes(error.read())
