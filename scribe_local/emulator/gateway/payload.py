"""Payload format 2.0: the request as an HTTP API sees it, the event it sends to a Lambda proxy
integration, and the mapping of the function's result back to an HTTP response, within the size
limits of each.

- API Gateway's HTTP API payload quota, 10 MB [1]: a larger body is refused before anything else
  with 413 `{"message":"Request Entity Too Large"}` (server.py checks the declared length,
  gateway.py the body).
- Lambda's synchronous invocation payload, 6 MB for the request and for the response [2], [3].
  The request is the whole event as JSON, whose body is base64 for binary media types (4/3 of the
  bytes): a 5 MB binary body passes API Gateway's quota and not Lambda's. Lambda refuses a larger
  event with RequestEntityTooLargeException ("Request must be smaller than 6291456 bytes for the
  InvokeFunction operation") before the function runs, and fails an invocation whose result is
  larger with the function error Function.ResponseSizeTooLarge ("Response payload size exceeded
  maximum allowed payload size (6291556 bytes)"): 6 MiB, and 6 MiB + 100 bytes [4], [5].
- What an HTTP API answers to either is not documented. Its documented answer to a Lambda
  integration that fails is 500 `{"message":"Internal Server Error"}` [6], and a function error is
  one; a REST API has been seen answering 413 `{"message": "Request Too Long"}` to the oversized
  event [7]. Both are answered here as the documented integration failure, 500: the stricter
  reading, under which a client cannot count on a 4xx to tell it its body was too large.

[1] https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html
[2] https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
[3] https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html
[4] https://zaccharles.medium.com/deep-dive-lambdas-response-payload-size-limit-8aedba9530ed
[5] https://zaccharles.medium.com/deep-dive-lambdas-request-payload-size-limit-2-2-6350c1ae5577
[6] https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-lambda.html
[7] https://github.com/koki-develop/lgtm-generator/issues/10
"""

from __future__ import annotations

import base64
import json
import re
import urllib.parse
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scribe_local.emulator.gateway.callers import Caller
from scribe_local.emulator.gateway.errors import GatewayError, InternalServerError
from scribe_local.emulator.gateway.jwt_authorizer import JwtIdentity
from scribe_local.emulator.gateway.routes import ApiConfig, Route

MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # HTTP API payload quota
LAMBDA_REQUEST_MAX_BYTES = 6 * 1024 * 1024  # Lambda's synchronous invocation request (the event)
LAMBDA_RESPONSE_MAX_BYTES = 6 * 1024 * 1024 + 100  # ... and its response, as Lambda enforces it
TEXT_TYPES = re.compile(
    r"^(text/.*|application/(json|[\w.+-]+\+json|xml|[\w.+-]+\+xml|javascript|"
    r"x-www-form-urlencoded))$"
)

Headers = list[tuple[str, str]]


@dataclass(frozen=True)
class Response:
    status: int
    headers: Headers
    body: bytes


def error_response(error: GatewayError, request_id: str | None = None) -> Response:
    """API Gateway's own answer to a refused request: {"message": ...} as JSON."""
    headers = [("content-type", "application/json")]
    if request_id is not None:
        headers.append(("apigw-requestid", request_id))
    return Response(error.status, headers, json.dumps({"message": error.message}).encode())


@dataclass(frozen=True)
class Request:
    """An HTTP request as API Gateway sees it: header names lower-cased, duplicates joined."""

    method: str
    raw_path: str
    raw_query: str
    headers: dict[str, str]
    cookies: tuple[str, ...]
    body: bytes
    source_ip: str
    request_id: str

    @classmethod
    def parse(
        cls, method: str, target: str, headers: Headers, body: bytes, source_ip: str
    ) -> Request:
        merged: dict[str, str] = {}
        cookies: list[str] = []
        for name, value in headers:
            lower = name.lower()
            if lower == "cookie":
                cookies.extend(c.strip() for c in value.split(";") if c.strip())
                continue
            merged[lower] = f"{merged[lower]},{value}" if lower in merged else value
        raw_path, _, raw_query = target.partition("?")
        request_id = base64.urlsafe_b64encode(uuid.uuid4().bytes[:12]).decode()
        return cls(method, raw_path, raw_query, merged, tuple(cookies), body, source_ip, request_id)


def build_event(
    config: ApiConfig,
    route: Route,
    path_parameters: dict[str, str],
    request: Request,
    caller: Caller | JwtIdentity | None = None,
) -> dict[str, Any]:
    """A payload format 2.0 event, as an HTTP API sends it to a Lambda proxy integration."""
    merged, raw_path, body = request.headers, request.raw_path, request.body
    query: dict[str, str] = {}
    for name, value in urllib.parse.parse_qsl(request.raw_query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    now = datetime.now(UTC)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.key,
        "rawPath": raw_path,
        "rawQueryString": request.raw_query,
        "headers": merged,
        "requestContext": {
            "accountId": config.account_id,
            "apiId": config.api_id,
            "domainName": merged.get("host", "localhost"),
            "domainPrefix": merged.get("host", "localhost").split(".")[0],
            "http": {
                "method": request.method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": request.source_ip,
                "userAgent": merged.get("user-agent", ""),
            },
            "requestId": request.request_id,
            "routeKey": route.key,
            "stage": config.stage,
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if request.cookies:
        event["cookies"] = list(request.cookies)
    if isinstance(caller, JwtIdentity):
        event["requestContext"]["authorizer"] = caller.event_context()
    elif caller is not None:
        event["requestContext"]["authorizer"] = {
            "iam": {
                "accessKey": caller.access_key_id,
                "accountId": config.account_id,
                "callerId": caller.arn.rsplit("/", 1)[-1],
                "userArn": caller.arn,
            }
        }
    if query:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body:
        media_type = merged.get("content-type", "").split(";")[0].strip().lower()
        try:
            if not TEXT_TYPES.match(media_type):
                raise UnicodeDecodeError("utf-8", body, 0, 1, "binary media type")
            event["body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            event["body"] = base64.b64encode(body).decode()
            event["isBase64Encoded"] = True
    return event


def invocation_bytes(event: dict[str, Any]) -> bytes:
    """The Invoke request's payload: the event as API Gateway serialises it (compact JSON)."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()


def check_event_size(event: dict[str, Any]) -> None:
    """Lambda refuses an event over its synchronous limit before the function runs."""
    if len(invocation_bytes(event)) > LAMBDA_REQUEST_MAX_BYTES:
        raise InternalServerError


def check_result_size(payload: Any) -> None:
    """Lambda fails an invocation whose result, as JSON, is over its synchronous limit
    (Function.ResponseSizeTooLarge). Measured compact: the body string is what counts."""
    size = len(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    if size > LAMBDA_RESPONSE_MAX_BYTES:
        raise InternalServerError


def map_result(payload: Any, request_id: str) -> Response:
    """Turn a function's result into the HTTP response, as payload format 2.0 specifies."""
    if not isinstance(payload, dict) or "statusCode" not in payload:
        text = payload if isinstance(payload, str) else json.dumps(payload)
        return Response(
            200,
            [("content-type", "application/json"), ("apigw-requestid", request_id)],
            text.encode(),
        )
    try:
        status = int(payload["statusCode"])
        raw_body = str(payload.get("body") or "")
        body = base64.b64decode(raw_body) if payload.get("isBase64Encoded") else raw_body.encode()
        headers = [(str(k).lower(), str(v)) for k, v in (payload.get("headers") or {}).items()]
        headers += [("set-cookie", str(c)) for c in payload.get("cookies") or []]
    except (TypeError, ValueError, AttributeError):
        return error_response(InternalServerError(), request_id)
    headers.append(("apigw-requestid", request_id))
    return Response(status, headers, body)
