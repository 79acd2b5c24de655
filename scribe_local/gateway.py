"""A local stand-in for an API Gateway HTTP API that invokes the deployed Lambda zip.

It reads the real API from moto (routes, their authorization type, integrations, the stage and the
function's resource policy), then serves HTTP on loopback:
- a request is matched to a route the way HTTP APIs do (literal paths before {param} before
  {param+}, then $default); no match is 404 {"message":"Not Found"};
- the invoke permission is checked like Lambda does: a statement allowing apigateway.amazonaws.com
  whose AWS:SourceArn (compared with StringLike) matches
  arn:aws:execute-api:<region>:<account>:<api id>/<stage>/<METHOD>/<path>; without one the answer
  is 500, as in AWS;
- the function gets a payload format 2.0 event and its result is mapped back as HTTP APIs do;
- a function error, a timeout or an out-of-memory kill is 500 {"message":"Internal Server Error"}
  (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-lambda.html),
  and an integration slower than the HTTP API limit of 30 s is 504
  (https://repost.aws/knowledge-center/api-gateway-504-errors; the module keeps function timeouts
  at or below 30 s, so a timeout surfaces as the function error).

Routes with authorization type AWS_IAM require a SigV4 signature (service execute-api) by one of
the callers the gateway was given (scribe_local/sigv4.py); an unsigned or wrongly signed request
is 403 with API Gateway's message. JWT authorizers are not emulated (401).
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import signal
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from scribe_local.function import FunctionError, FunctionSpec, LocalFunction
from scribe_local.moto_server import ACCOUNT_ID, REGION, moto_client
from scribe_local.sigv4 import Caller, SignatureError, verify

INTEGRATION_TIMEOUT_S = 30.0  # HTTP API maximum integration timeout
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # HTTP API payload quota
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


@dataclass(frozen=True)
class Route:
    key: str
    method: str
    pattern: re.Pattern[str]
    precedence: tuple[int, int]
    authorization_type: str
    function_name: str

    @classmethod
    def parse(cls, key: str, authorization_type: str, function_name: str) -> Route:
        if key == "$default":
            return cls(key, "ANY", re.compile(".*"), (3, 0), authorization_type, function_name)
        method, path = key.split(" ", 1)
        parts: list[str] = []
        kind = 0
        for segment in path.strip("/").split("/") if path != "/" else []:
            greedy = re.fullmatch(r"\{(\w+)\+\}", segment)
            param = re.fullmatch(r"\{(\w+)\}", segment)
            if greedy:
                parts.append(f"(?P<{greedy.group(1)}>.+)")
                kind = max(kind, 2)
            elif param:
                parts.append(f"(?P<{param.group(1)}>[^/]+)")
                kind = max(kind, 1)
            else:
                parts.append(re.escape(segment))
        pattern = re.compile("/" + "/".join(parts))
        literal_segments = sum(1 for p in parts if not p.startswith("(?P"))
        return cls(
            key, method, pattern, (kind, -literal_segments), authorization_type, function_name
        )

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if self.method not in ("ANY", method):
            return None
        found = self.pattern.fullmatch(path)
        if found is None:
            return None
        return {name: urllib.parse.unquote(value) for name, value in found.groupdict().items()}


@dataclass(frozen=True)
class ApiConfig:
    api_id: str
    stage: str
    routes: tuple[Route, ...]
    functions: dict[str, FunctionSpec]
    region: str = REGION
    account_id: str = ACCOUNT_ID


def function_name_from_uri(uri: str) -> str:
    """arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function arn>/invocations"""
    found = re.search(r"functions/(arn:[^/]+)/invocations", uri) or re.search(r"^(arn:.*)$", uri)
    if found is None:
        raise ValueError(f"not a Lambda integration URI: {uri}")
    return found.group(1).split(":")[6]


def load_api(endpoint_url: str, api_id: str) -> ApiConfig:
    """Read the API, its routes and integrations, and their functions from moto."""
    apigw = moto_client("apigatewayv2", endpoint_url)
    lam = moto_client("lambda", endpoint_url)
    stages = [s["StageName"] for s in apigw.get_stages(ApiId=api_id)["Items"]]
    if not stages:
        raise RuntimeError(f"API {api_id} has no stage: nothing is deployed")
    stage = "$default" if "$default" in stages else stages[0]
    integrations = {i["IntegrationId"]: i for i in apigw.get_integrations(ApiId=api_id)["Items"]}
    routes: list[Route] = []
    functions: dict[str, FunctionSpec] = {}
    for item in apigw.get_routes(ApiId=api_id)["Items"]:
        integration = integrations[item["Target"].removeprefix("integrations/")]
        if integration.get("PayloadFormatVersion") != "2.0":
            raise RuntimeError(f"route {item['RouteKey']}: only payload format 2.0 is emulated")
        name = function_name_from_uri(integration["IntegrationUri"])
        if name not in functions:
            functions[name] = FunctionSpec.from_lambda(lam, name)
        routes.append(Route.parse(item["RouteKey"], item.get("AuthorizationType", "NONE"), name))
    routes.sort(key=lambda r: r.precedence)
    return ApiConfig(api_id=api_id, stage=stage, routes=tuple(routes), functions=functions)


def role_credentials(endpoint_url: str, role_arn: str, session_name: str) -> dict[str, str]:
    """Temporary credentials of the function's role, as Lambda hands them to the runtime."""
    sts = moto_client("sts", endpoint_url)
    creds = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name[:64])["Credentials"]
    return {
        "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
        "AWS_SESSION_TOKEN": creds["SessionToken"],
    }


def string_like(pattern: str, value: str) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


def invoke_allowed(spec: FunctionSpec, source_arn: str) -> bool:
    """Does the function's resource policy let API Gateway invoke it from source_arn?"""
    for statement in spec.resource_policy.get("Statement", []):
        principal = statement.get("Principal", {})
        service = principal.get("Service") if isinstance(principal, dict) else principal
        actions = statement.get("Action")
        actions = [actions] if isinstance(actions, str) else actions or []
        if (
            statement.get("Effect") != "Allow"
            or service != "apigateway.amazonaws.com"
            or not {"lambda:InvokeFunction", "lambda:*"} & set(actions)
        ):
            continue
        conditions = statement.get("Condition", {})
        patterns = [
            arn
            for operator in ("ArnLike", "ArnEquals", "StringLike", "StringEquals")
            for arn in [conditions.get(operator, {}).get("AWS:SourceArn")]
            if arn
        ]
        if not patterns or any(string_like(p, source_arn) for p in patterns):
            return True
    return False


def _json(status: int, document: dict[str, Any], request_id: str) -> Response:
    return Response(
        status,
        [("content-type", "application/json"), ("apigw-requestid", request_id)],
        json.dumps(document).encode(),
    )


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
    caller: Caller | None = None,
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
    if caller is not None:
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
        return _json(500, {"message": "Internal Server Error"}, request_id)
    headers.append(("apigw-requestid", request_id))
    return Response(status, headers, body)


class Gateway:
    """The routing and invocation logic, independent of the HTTP server."""

    def __init__(
        self,
        config: ApiConfig,
        functions: dict[str, LocalFunction],
        callers: dict[str, Caller] | None = None,
    ) -> None:
        self.config = config
        self.functions = functions
        self.callers = callers or {}  # access key id -> caller accepted on AWS_IAM routes

    def handle(
        self, method: str, target: str, headers: Headers, body: bytes, source_ip: str
    ) -> Response:
        request = Request.parse(method, target, headers, body, source_ip)
        request_id = request.request_id
        path = request.raw_path
        if self.config.stage != "$default":
            prefix = f"/{self.config.stage}"
            if not (path == prefix or path.startswith(prefix + "/")):
                return _json(404, {"message": "Not Found"}, request_id)
            path = path[len(prefix) :] or "/"
        if len(body) > MAX_PAYLOAD_BYTES:
            return _json(413, {"message": "Request Entity Too Large"}, request_id)
        for route in self.config.routes:
            parameters = route.match(method, path)
            if parameters is not None:
                break
        else:
            return _json(404, {"message": "Not Found"}, request_id)
        caller = None
        if route.authorization_type == "AWS_IAM":
            try:
                caller = verify(
                    self.callers,
                    self.config.region,
                    method,
                    request.raw_path,
                    request.raw_query,
                    request.headers,
                    body,
                )
            except SignatureError as refused:
                return _json(403, {"message": str(refused)}, request_id)
        elif route.authorization_type != "NONE":
            return _json(401, {"message": "Unauthorized"}, request_id)  # JWT: not emulated
        spec = self.config.functions[route.function_name]
        source_arn = (
            f"arn:aws:execute-api:{self.config.region}:{self.config.account_id}:"
            f"{self.config.api_id}/{self.config.stage}/{method}{path}"
        )
        if not invoke_allowed(spec, source_arn):
            return _json(500, {"message": "Internal Server Error"}, request_id)
        event = build_event(self.config, route, parameters, request, caller)
        started = time.monotonic()
        try:
            payload = self.functions[route.function_name].invoke(event, request_id)
        except FunctionError:
            if time.monotonic() - started > INTEGRATION_TIMEOUT_S:
                return _json(504, {"message": "Service Unavailable"}, request_id)
            return _json(500, {"message": "Internal Server Error"}, request_id)
        return map_result(payload, request_id)

    def close(self) -> None:
        for function in self.functions.values():
            function.close()


def load_callers(path: Path | None) -> dict[str, Caller]:
    """Callers file: a JSON list of {access_key_id, secret_access_key, arn, session_token?}."""
    if path is None or not path.is_file():
        return {}
    return {c["access_key_id"]: Caller(**c) for c in json.loads(path.read_text())}


def start_gateway(
    endpoint_url: str,
    api_id: str,
    zip_path: Path,
    log_path: Path,
    callers: dict[str, Caller] | None = None,
) -> Gateway:
    """Load the API from moto and prepare warm-able functions with their roles' credentials."""
    config = load_api(endpoint_url, api_id)
    functions = {
        name: LocalFunction(
            spec,
            zip_path,
            role_credentials(endpoint_url, spec.role_arn, name),
            endpoint_url,
            config.region,
            log_path,
        )
        for name, spec in config.functions.items()
    }
    return Gateway(config, functions, callers)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: GatewayServer

    def __getattr__(self, name: str) -> Callable[[], None]:
        # Every method reaches the router (http.server answers 501 to unknown ones); a method
        # without a route gets API Gateway's 404.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _serve(self) -> None:
        body = self._read_body()
        if body is None:
            self.close_connection = True
            return
        # The target as sent: self.path has a leading "//" folded into "/" by http.server.
        words = self.requestline.split(" ")
        target = words[1] if len(words) == 3 else self.path
        response = self.server.gateway.handle(
            self.command, target, list(self.headers.items()), body, self.client_address[0]
        )
        self._send(response)

    def _refuse(self, status: int, message: str) -> None:
        self._send(
            Response(
                status,
                [("content-type", "application/json")],
                json.dumps({"message": message}).encode(),
            )
        )

    def _read_body(self) -> bytes | None:
        """The request body, or None after answering a malformed or oversized one."""
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            return self._read_chunked()
        declared = self.headers.get("content-length") or "0"
        if not declared.isdigit():
            self._refuse(400, "Bad Request")
            return None
        if int(declared) > MAX_PAYLOAD_BYTES:
            self._refuse(413, "Request Entity Too Large")
            return None
        return self.rfile.read(int(declared))

    def _read_chunked(self) -> bytes | None:
        chunks: list[bytes] = []
        while True:
            size_field = self.rfile.readline(1024).split(b";")[0].strip()
            try:
                size = int(size_field, 16)
            except ValueError:
                self._refuse(400, "Bad Request")
                return None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            if sum(map(len, chunks)) + size > MAX_PAYLOAD_BYTES:
                self._refuse(413, "Request Entity Too Large")
                return None
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)  # the CRLF after the chunk

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            if name not in ("content-length", "connection"):
                self.send_header(name, value)
        self.send_header("content-length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def log_message(self, format: str, *args: Any) -> None:
        pass  # API Gateway's access logs are not emulated; the function logs its own line


class GatewayServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # listen backlog; the default 5 resets bursts of concurrent clients

    def __init__(self, gateway: Gateway, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.gateway = gateway

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="scribe-gateway", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        self.shutdown()
        self.server_close()
        self.gateway.close()


def _parse_args(argv: Iterable[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--endpoint-url", required=True, help="moto server URL")
    parser.add_argument("--api-id", required=True)
    parser.add_argument("--package", required=True, type=Path, help="the zip that was deployed")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--ready-file",
        type=Path,
        required=True,
        help="written with the gateway's URL once it serves",
    )
    parser.add_argument("--log-file", type=Path, required=True, help="function log lines")
    parser.add_argument("--callers", type=Path, help="JSON list of callers for AWS_IAM routes")
    return parser.parse_args(list(argv) if argv is not None else None)


def main(argv: Iterable[str] | None = None) -> int:
    args = _parse_args(argv)
    gateway = start_gateway(
        args.endpoint_url, args.api_id, args.package, args.log_file, load_callers(args.callers)
    )
    server = GatewayServer(gateway, args.port)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    args.ready_file.write_text(json.dumps({"url": server.url}))
    try:
        server.serve_forever()
    finally:
        server.server_close()
        gateway.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
