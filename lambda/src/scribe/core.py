"""scribe's core: check the name and the body, build the key, write the text to S3."""

import base64
import hashlib
import json
import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NamedTuple

import boto3
from botocore import exceptions as bx
from botocore.config import Config

ERRORS = {  # code: (HTTP status, message)
    "not_found": (404, "no such route"),
    "invalid_name": (400, "name: 1-255 bytes of /-separated [A-Za-z0-9._-]+, no . or .."),
    "invalid_query": (400, "query: only overwrite=true|false"),
    "unsupported_media_type": (415, "use text/plain (UTF-8) or application/json"),
    "body_too_large": (413, "body too large"),
    "invalid_body": (400, "invalid base64"),
    "empty_body": (400, "empty text"),
    "invalid_utf8": (400, "invalid UTF-8"),
    "nul_in_text": (400, "text holds U+0000 (NUL): text tools take it for binary"),
    "invalid_json": (400, 'body must be {"text": "<string>"}'),
    "already_exists": (409, "name taken"),
    "already_exists_after_retry": (409, "name taken, maybe by this text (an answer was lost)"),
    "storage_error": (502, "storage failed"),
    "storage_throttled": (503, "storage busy, retry"),
    "internal_error": (500, "internal error"),
}
SEGMENT = re.compile(r"[A-Za-z0-9._-]+")
CONFLICT = {"PreconditionFailed", "ConditionalRequestConflict"}
THROTTLED = {"SlowDown", "ServiceUnavailable", "Throttling", "RequestLimitExceeded"}
# EndpointConnection, ConnectTimeout, ReadTimeout and ConnectionClosed errors (and kin)
NETWORK = (bx.ConnectionError, bx.HTTPClientError)
# The oldest botocore that knows every parameter the handler sends: PutObject's IfNoneMatch (S3
# conditional writes) came in 1.35.2. The Lambda runtimes carry 1.38.36 (make unit-runtime).
OLDEST_BOTOCORE = (1, 35, 2)


def check_sdk(version: str) -> None:
    """Fail the cold start, not each request, on a botocore older than OLDEST_BOTOCORE."""
    if tuple(int(n) for n in re.findall(r"\d+", version)[:3]) < OLDEST_BOTOCORE:
        raise RuntimeError(
            f"botocore {version} cannot send PutObject IfNoneMatch (needs 1.35.2 or newer): "
            "use a Lambda runtime with a newer boto3, or package boto3>=1.35.2 with the function"
        )


class ScribeError(Exception):
    """An error of the contract (ERRORS) for the caller; the cause is only logged."""

    def __init__(self, code: str, cause: str = "") -> None:
        super().__init__(code)
        self.code, self.cause = code, cause
        self.status, self.message = ERRORS[code]


class Settings(NamedTuple):
    bucket: str
    prefix: str
    max_body_bytes: int


def new_client(attempts: int = 3, read_timeout: int = 2) -> Any:
    """The writer's client: 3 tries of at most 1+1+2 s (connect, 100-continue, read) plus backoff,
    15 s at worst (25 s if S3 sends x-amz-retry-after). The lookup's (attempts=1, read_timeout=1):
    2 s more, so both fit the 28 s function timeout. boto3 honours AWS_ENDPOINT_URL(_S3) itself."""
    retries = {"mode": "standard", "total_max_attempts": attempts}
    config = Config(retries=retries, connect_timeout=1, read_timeout=read_timeout)
    return boto3.client("s3", config=config)


def check_name(name: str) -> str:
    parts = name.split("/")
    if all(SEGMENT.fullmatch(p) and p not in (".", "..") for p in parts) and len(name) < 256:
        return name  # ASCII only, so 1 character = 1 byte
    raise ScribeError("invalid_name")


def generated_key(prefix: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    return f"{prefix}{stamp}-{secrets.token_hex(8)}.txt"  # sorts in time order


def overwrite(query: list[tuple[str, str]]) -> bool:
    if query not in ([], [("overwrite", "false")], [("overwrite", "true")]):
        raise ScribeError("invalid_query")
    return query == [("overwrite", "true")]


def media_type(content_type: str | None) -> str:
    media, *params = re.sub(r'[\s"]', "", (content_type or "").lower()).split(";")
    if media in ("text/plain", "application/json") and set(params) <= {"charset=utf-8", ""}:
        return media
    raise ScribeError("unsupported_media_type")


def text_bytes(media: str, raw: bytes) -> bytes:
    try:
        text = raw.decode()
        text = json_text(text) if media == "application/json" and raw else text
        if not text:
            raise ScribeError("empty_body")
        data = text.encode()
    except UnicodeError:
        raise ScribeError("invalid_utf8") from None
    if "\0" in text:
        raise ScribeError("nul_in_text")
    return data


def json_text(body: str) -> str:
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        doc = None
    text = doc.get("text") if isinstance(doc, dict) and len(doc) == 1 else None
    if isinstance(text, str):
        return text
    raise ScribeError("invalid_json")


def put_text(
    client: Any,
    bucket: str,
    key: str,
    data: bytes,
    create_only: bool,
    lookup: Callable[[], Any] | None = None,
) -> dict[str, Any]:
    """One PutObject (create_only: S3 refuses, atomically, to replace a key); the 201 document.

    When botocore retried the PutObject (an earlier attempt's answer was lost: read timeout, 5xx)
    and a retry finds the name taken, the stored object is either this text, stored by the attempt
    whose answer was lost, or another writer's: S3's 412 is the same for both. The lookup client
    (if given) then lists the latest version of the key (s3:ListBucketVersions, no read): if it
    holds exactly this text, the answer is the 201 of that version; else 409
    already_exists_after_retry. A first attempt's conflict stays already_exists, with no lookup.
    """
    digest = hashlib.sha256(data)
    try:
        response = client.put_object(
            Bucket=bucket,
            Key=key,
            Body=data,
            ContentType="text/plain; charset=utf-8",
            ChecksumAlgorithm="SHA256",
            ChecksumSHA256=base64.b64encode(digest.digest()).decode(),
            **({"IfNoneMatch": "*"} if create_only else {}),
        )
    except bx.ClientError as error:
        conflict = storage_error(error)
        retried = conflict.code == "already_exists_after_retry"
        response = latest_if_same(lookup(), bucket, key, data) if retried and lookup else None
        if response is None:
            raise conflict from error
    except NETWORK as error:
        raise ScribeError("storage_error", type(error).__name__) from error
    version = response.get("VersionId")
    return dict(
        bucket=bucket,
        key=key,
        version_id=None if version == "null" else version,  # "null": an unversioned bucket
        size=len(data),
        sha256=digest.hexdigest(),
    )


def latest_if_same(client: Any, bucket: str, key: str, data: bytes) -> dict[str, Any] | None:
    """The latest version of key if it holds exactly data, else None; never reads the object.

    Prefix=key lists key first (every other name under it is longer), latest version first, so
    MaxKeys=1 gives its latest version, or nothing if that is a delete marker. A single-part
    PutObject under SSE-S3 has the MD5 of the data as its ETag; under SSE-KMS the ETag is not the
    MD5, so the answer there is None (409). Any error of the listing gives None too.
    """
    try:
        listed = client.list_object_versions(Bucket=bucket, Prefix=key, MaxKeys=1)
    except (bx.ClientError, bx.BotoCoreError):
        return None
    latest: dict[str, Any] = (listed.get("Versions") or [{}])[0]
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    same = (latest.get("Key"), latest.get("ETag"), latest.get("Size")) == (
        key,
        f'"{md5}"',
        len(data),
    )
    return latest if same and latest.get("IsLatest") else None


def storage_error(error: bx.ClientError) -> ScribeError:
    code = error.response.get("Error", {}).get("Code")
    meta = error.response.get("ResponseMetadata", {})
    status, retried = meta.get("HTTPStatusCode"), meta.get("RetryAttempts", 0) > 0
    cause = f"ClientError {code} {status}"
    if code in CONFLICT or status == 412:  # after a retry, maybe this request's own lost attempt
        return ScribeError("already_exists_after_retry" if retried else "already_exists", cause)
    if code in THROTTLED or status == 503:
        return ScribeError("storage_throttled", cause)
    return ScribeError("storage_error", cause)
