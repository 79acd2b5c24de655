"""API Gateway HTTP API (payload 2.0) adapter: the handler scribe.apigw.handler.

Only syntax and stdlib of CPython 3.11 (local) to 3.13 (Lambda), and the runtime's boto3.
"""

import base64
import functools
import json
import os
import time
from typing import Any
from urllib.parse import parse_qsl

import botocore

from scribe import core

core.check_sdk(botocore.__version__)  # at import: an old runtime SDK fails the init, loudly


@functools.cache
def settings() -> core.Settings:
    env = os.environ  # BUCKET_NAME is required
    return core.Settings(
        env["BUCKET_NAME"], env.get("KEY_PREFIX", ""), int(env.get("MAX_BODY_BYTES", 1048576))
    )


@functools.cache
def client() -> Any:
    return core.new_client()


@functools.cache
def lookup_client() -> Any:  # made only after a retry's conflict: one attempt, 1 s read timeout
    return core.new_client(attempts=1, read_timeout=1)


def reset() -> None:  # a new cold start, for tests
    settings.cache_clear()
    client.cache_clear()
    lookup_client.cache_clear()


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    started = time.perf_counter()
    request_id = (event.get("requestContext") or {}).get("requestId") or getattr(
        context, "aws_request_id", None
    )
    log: dict[str, Any] = {"request_id": request_id, "route": event.get("routeKey")}
    log.update(status=201, key=None, bytes=None, duration_ms=0, error=None)
    headers = {"Content-Type": "application/json"}
    try:
        document = write(event)
        log.update(key=document["key"], bytes=document["size"])
        headers["Location"] = f"s3://{document['bucket']}/{document['key']}"
    except Exception as exc:  # an unexpected one is logged by type only: no message or traceback
        error = exc if isinstance(exc, core.ScribeError) else core.ScribeError("internal_error")
        log.update(status=error.status, error=error.code)
        if error.status >= 500:
            log["exception"] = error.cause or type(exc).__name__
        if error.status == 503:
            headers["Retry-After"] = "1"
        document = {"error": error.code, "message": error.message, "request_id": request_id}
    log["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
    print(json.dumps(log), flush=True)
    return {"statusCode": log["status"], "headers": headers, "body": json.dumps(document)}


def write(event: dict[str, Any]) -> dict[str, Any]:
    # the checks in contract order: route and name, query, media type, size, body
    config, route = settings(), event.get("routeKey")
    if route not in ("POST /", "POST /{name+}"):
        raise core.ScribeError("not_found")
    name = (event.get("pathParameters") or {}).get("name") or ""
    name = core.check_name(str(name)) if route == "POST /{name+}" else ""
    create_only = not core.overwrite(parse_qsl(event.get("rawQueryString") or "", True))
    media = core.media_type((event.get("headers") or {}).get("content-type"))
    data = core.text_bytes(media, body(event, config.max_body_bytes))
    key = (config.prefix + name) if name else core.generated_key(config.prefix)
    return core.put_text(client(), config.bucket, key, data, create_only, lookup_client)


def body(event: dict[str, Any], limit: int) -> bytes:
    text = event.get("body") or ""
    if not event.get("isBase64Encoded"):
        raw = text.encode("utf-8", "surrogatepass")  # a lone surrogate fails as invalid UTF-8
    elif len(text) > 4 * ((limit + 2) // 3):  # too long to decode to <= limit bytes
        raise core.ScribeError("body_too_large")
    else:
        try:
            raw = base64.b64decode(text, validate=True)
        except ValueError:
            raise core.ScribeError("invalid_body") from None
    if len(raw) > limit:
        raise core.ScribeError("body_too_large")
    return raw
