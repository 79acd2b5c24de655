"""The gateway: one request from arrival to response, independent of the HTTP server.

execute-api endpoint disabled (403 to everything: the API answers on its custom domain only,
https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-disable-default-endpoint.html)
-> stage path -> size limit -> route (none: a CORS preflight gets the API's own answer, 204, when
the API has a CORS configuration; anything else 404) -> throttling -> caller (signature, then its
IAM policy) -> invoke permission -> payload 2.0 event (Lambda's size limit) -> function -> result
(Lambda's size limit) -> mapped result -> CORS headers (the configured ones in place of the
function's; cors.py cites AWS for each step). Every refusal on the way is raised as a
GatewayError; `handle` turns it into API Gateway's answer in one place: 429 when the route's
token bucket is empty (throttling.py says why it comes before the caller check), 500 for an event
or result over Lambda's 6 MB (payload.py). A function error, a timeout or an out-of-memory kill
is 500 {"message":"Internal Server Error"}
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-lambda.html),
and an integration slower than the HTTP API limit of 30 s is 504
(https://repost.aws/knowledge-center/api-gateway-504-errors; the module keeps function timeouts at
or below 30 s, so a timeout surfaces as the function error).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from scribe_local.emulator.function import FunctionError, LocalFunction
from scribe_local.emulator.gateway import cors
from scribe_local.emulator.gateway.authorization import (
    authenticate,
    check_caller_may_invoke,
    check_invoke_permission,
)
from scribe_local.emulator.gateway.callers import Caller, CallersFile
from scribe_local.emulator.gateway.errors import (
    Forbidden,
    GatewayError,
    IntegrationTimeout,
    InternalServerError,
    NotFound,
    PayloadTooLarge,
)
from scribe_local.emulator.gateway.jwt_authorizer import JwksCache
from scribe_local.emulator.gateway.payload import (
    MAX_PAYLOAD_BYTES,
    Headers,
    Request,
    Response,
    build_event,
    check_event_size,
    check_result_size,
    error_response,
    map_result,
)
from scribe_local.emulator.gateway.routes import ApiConfig, load_api
from scribe_local.emulator.gateway.throttling import Throttler
from scribe_local.emulator.moto_server import moto_client
from scribe_local.iam_evaluator import Evaluator

INTEGRATION_TIMEOUT_S = 30.0  # HTTP API maximum integration timeout


class Gateway:
    """The routing and invocation logic, independent of the HTTP server."""

    def __init__(
        self,
        config: ApiConfig,
        functions: dict[str, LocalFunction],
        callers: dict[str, Caller] | None = None,
        callers_file: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
        jwks: JwksCache | None = None,
    ) -> None:
        self.config = config
        self.functions = functions
        self.callers = callers or {}  # access key id -> caller accepted on AWS_IAM routes
        # Callers issued while the gateway runs (`make caller`) join through the callers file.
        self.callers_file = CallersFile(callers_file) if callers_file else None
        self.evaluator = Evaluator()  # the caller's IAM policy; Node starts on first use
        self.throttler = Throttler(config.throttles, config.default_throttle, clock)
        self.jwks = jwks or JwksCache()  # the JWT issuers' keys, fetched over HTTPS
        # The hosts requests may be signed for: the API's own domain, and where it is served.
        self.hosts = {config.domain_name}

    def handle(
        self, method: str, target: str, headers: Headers, body: bytes, source_ip: str
    ) -> Response:
        request = Request.parse(method, target, headers, body, source_ip)
        try:
            return self._respond(request)
        except GatewayError as refused:
            return error_response(refused, request.request_id)

    def _respond(self, request: Request) -> Response:
        if self.config.execute_api_endpoint_disabled:
            raise Forbidden
        path = self.config.stage_path(request.raw_path)
        if len(request.body) > MAX_PAYLOAD_BYTES:
            raise PayloadTooLarge
        try:
            route, parameters = self.config.route_for(request.method, path)
        except NotFound:
            if self.config.cors is None or not cors.is_preflight(request.method, request.headers):
                raise
            headers = cors.preflight_headers(self.config.cors, request.headers)
            headers.append(("apigw-requestid", request.request_id))
            return Response(cors.PREFLIGHT_STATUS, headers, b"")
        self.throttler.admit(route.key)
        callers = self.callers | (self.callers_file.current() if self.callers_file else {})
        caller = authenticate(self.config, route, request, callers, self.hosts, self.jwks)
        if isinstance(caller, Caller):
            check_caller_may_invoke(
                self.evaluator, self.config, caller, request.method, path, request.source_ip
            )
        check_invoke_permission(self.config, route, request.method, path)
        event = build_event(self.config, route, parameters, request, caller)
        check_event_size(event)
        started = time.monotonic()
        try:
            payload = self.functions[route.function_name].invoke(event, request.request_id)
        except FunctionError:
            if time.monotonic() - started > INTEGRATION_TIMEOUT_S:
                raise IntegrationTimeout from None
            raise InternalServerError from None
        check_result_size(payload)
        mapped = map_result(payload, request.request_id)
        headers = cors.integration_headers(self.config.cors, request.headers, mapped.headers)
        return Response(mapped.status, headers, mapped.body)

    def close(self) -> None:
        for function in self.functions.values():
            function.close()
        self.evaluator.close()


def role_credentials(endpoint_url: str, role_arn: str, session_name: str) -> dict[str, str]:
    """Temporary credentials of the function's role, as Lambda hands them to the runtime."""
    sts = moto_client("sts", endpoint_url)
    creds = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name[:64])["Credentials"]
    return {
        "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
        "AWS_SESSION_TOKEN": creds["SessionToken"],
    }


def load_gateway(
    endpoint_url: str,
    api_id: str,
    zip_path: Path,
    log_path: Path,
    callers: dict[str, Caller] | None = None,
    callers_file: Path | None = None,
    jwks: JwksCache | None = None,
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
    return Gateway(config, functions, callers, callers_file, jwks=jwks)
