"""The API as deployed: its routes, stage (and its throttling), CORS configuration and functions,
read from moto, and route matching.

A request is matched the way HTTP APIs do: literal paths before {param} before {param+}, then
$default; no match is 404. A route with a JWT authorizer carries it (issuer, audiences, identity
source) and its authorization scopes.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from scribe_local.emulator.function import FunctionSpec
from scribe_local.emulator.gateway.cors import CorsConfig
from scribe_local.emulator.gateway.errors import NotFound
from scribe_local.emulator.gateway.jwt_authorizer import JwtAuthorizer
from scribe_local.emulator.gateway.throttling import ACCOUNT_THROTTLE, Throttle, route_throttles
from scribe_local.emulator.moto_server import ACCOUNT_ID, REGION, moto_client


@dataclass(frozen=True)
class Route:
    key: str
    method: str
    pattern: re.Pattern[str]
    precedence: tuple[int, int]
    authorization_type: str
    function_name: str
    authorizer: JwtAuthorizer | None = None
    scopes: tuple[str, ...] = ()  # the route's authorization scopes (JWT)

    @classmethod
    def parse(
        cls,
        key: str,
        authorization_type: str,
        function_name: str,
        authorizer: JwtAuthorizer | None = None,
        scopes: tuple[str, ...] = (),
    ) -> Route:
        auth = (authorization_type, function_name, authorizer, scopes)
        if key == "$default":
            return cls(key, "ANY", re.compile(".*"), (3, 0), *auth)
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
        return cls(key, method, pattern, (kind, -literal_segments), *auth)

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
    throttles: dict[str, Throttle] = field(default_factory=dict)  # route key -> its limits
    default_throttle: Throttle = ACCOUNT_THROTTLE  # a route the stage's settings do not list
    cors: CorsConfig | None = None  # the API's CORS configuration (cors.py); None: no CORS
    # DisableExecuteApiEndpoint: the API is reached through its custom domain only, and its
    # execute-api endpoint, which this gateway stands for, answers 403 to every request.
    execute_api_endpoint_disabled: bool = False

    @property
    def domain_name(self) -> str:
        """The API's default endpoint host, as AWS names it."""
        return f"{self.api_id}.execute-api.{self.region}.amazonaws.com"

    def stage_path(self, raw_path: str) -> str:
        """The path below the stage: a named stage is the first path segment; $default has none."""
        if self.stage == "$default":
            return raw_path
        prefix = f"/{self.stage}"
        if not (raw_path == prefix or raw_path.startswith(prefix + "/")):
            raise NotFound
        return raw_path[len(prefix) :] or "/"

    def route_for(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        """The route that takes the request (routes are kept in precedence order) and its path
        parameters; NotFound when none does."""
        for route in self.routes:
            parameters = route.match(method, path)
            if parameters is not None:
                return route, parameters
        raise NotFound


def function_name_from_uri(uri: str) -> str:
    """arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function arn>/invocations"""
    found = re.search(r"functions/(arn:[^/]+)/invocations", uri) or re.search(r"^(arn:.*)$", uri)
    if found is None:
        raise ValueError(f"not a Lambda integration URI: {uri}")
    return found.group(1).split(":")[6]


def jwt_authorizer(apigw: Any, api_id: str, authorizer_id: str) -> JwtAuthorizer:
    """A JWT authorizer by id (GetAuthorizer: moto has no GetAuthorizers)."""
    item = apigw.get_authorizer(ApiId=api_id, AuthorizerId=authorizer_id)
    if item.get("AuthorizerType") != "JWT":
        raise RuntimeError(f"authorizer {authorizer_id}: only JWT authorizers are emulated")
    jwt = item.get("JwtConfiguration") or {}
    return JwtAuthorizer(
        issuer=jwt.get("Issuer", ""),
        audience=tuple(jwt.get("Audience") or ()),
        identity_source=tuple(item.get("IdentitySource") or ()),
    )


def load_api(endpoint_url: str, api_id: str) -> ApiConfig:
    """Read the API, its routes and integrations, and their functions from moto."""
    apigw = moto_client("apigatewayv2", endpoint_url)
    api = apigw.get_api(ApiId=api_id)
    cors = CorsConfig.from_api(api)
    lam = moto_client("lambda", endpoint_url)
    stages = {s["StageName"]: s for s in apigw.get_stages(ApiId=api_id)["Items"]}
    if not stages:
        raise RuntimeError(f"API {api_id} has no stage: nothing is deployed")
    stage = "$default" if "$default" in stages else next(iter(stages))
    integrations = {i["IntegrationId"]: i for i in apigw.get_integrations(ApiId=api_id)["Items"]}
    authorizers: dict[str, JwtAuthorizer] = {}
    routes: list[Route] = []
    functions: dict[str, FunctionSpec] = {}
    for item in apigw.get_routes(ApiId=api_id)["Items"]:
        integration = integrations[item["Target"].removeprefix("integrations/")]
        if integration.get("PayloadFormatVersion") != "2.0":
            raise RuntimeError(f"route {item['RouteKey']}: only payload format 2.0 is emulated")
        name = function_name_from_uri(integration["IntegrationUri"])
        if name not in functions:
            functions[name] = FunctionSpec.from_lambda(lam, name)
        authorization_type = item.get("AuthorizationType", "NONE")
        authorizer = None
        if authorization_type == "JWT":
            authorizer_id = item["AuthorizerId"]
            if authorizer_id not in authorizers:
                authorizers[authorizer_id] = jwt_authorizer(apigw, api_id, authorizer_id)
            authorizer = authorizers[authorizer_id]
        scopes = tuple(item.get("AuthorizationScopes") or ())
        routes.append(Route.parse(item["RouteKey"], authorization_type, name, authorizer, scopes))
    routes.sort(key=lambda r: r.precedence)
    return ApiConfig(
        api_id=api_id,
        stage=stage,
        routes=tuple(routes),
        functions=functions,
        throttles=route_throttles(stages[stage], (r.key for r in routes)),
        default_throttle=ACCOUNT_THROTTLE.over(stages[stage].get("DefaultRouteSettings")),
        cors=cors,
        execute_api_endpoint_disabled=bool(api.get("DisableExecuteApiEndpoint")),
    )
