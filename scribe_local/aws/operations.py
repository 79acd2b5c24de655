"""Which AWS operation a request is: botocore's service models read against the wire.

`identify(record)` names the service (botocore's name), the operation and its top-level input
members of one request (`scribe_local.aws.record.Record`), or gives None when no model explains
it:
- the service comes from the SigV4 credential scope (`Credential=AKID/date/region/SERVICE/...`),
  or from the Action of a request AWS accepts unsigned (STS AssumeRoleWithWebIdentity);
- the operation from the `X-Amz-Target` header (JSON protocol), the `Action` form field (query
  protocol) or else method + URI template (REST: S3 path-style, Lambda, API Gateway, Route 53),
  the most specific template winning.

Shared by the emulator's proxy and fault injector, the model check (`model_check.py`) and the IAM
mapping (`scribe_local/iam/calls/`), none of which this module imports.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import botocore.session
from botocore.exceptions import DataNotFoundError, UnknownServiceError

from scribe_local.aws.record import Record

# SigV4 signing name -> the botocore services signing with it (both API Gateway APIs sign as
# "apigateway"; HTTP APIs live under /v2/). Any other signing name is its own botocore name.
SIGNING_SERVICES: dict[str, tuple[str, ...]] = {
    "apigateway": ("apigatewayv2", "apigateway"),
    "monitoring": ("cloudwatch",),
}
# Requests AWS accepts unsigned (the web identity token is the credential): service by Action.
UNSIGNED_ACTIONS = {"AssumeRoleWithWebIdentity": "sts", "AssumeRoleWithSAML": "sts"}
DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class Operation:
    """A recorded request identified: service (botocore name), operation and its parameters."""

    service: str
    name: str
    region: str
    params: dict[str, Any]  # input members by botocore member name (top level)
    form: dict[str, str]  # query protocol: the flattened form fields
    record: Record

    @property
    def call(self) -> str:
        return f"{self.service}.{self.name}"

    def text(self, member: str) -> str | None:
        value = self.params.get(member)
        return value if isinstance(value, str) else None

    def response_json(self) -> Any:
        return _json(self.record.response_body.text())


@dataclass(frozen=True)
class Route:
    """One REST operation's URI template, compiled for matching."""

    operation: str
    method: str
    pattern: re.Pattern[str]
    labels: tuple[tuple[str, str], ...]  # (regex group, member name)
    literal_query: tuple[tuple[str, str | None], ...]
    required_query: tuple[str, ...]
    required_headers: tuple[str, ...]
    specificity: tuple[int, int, int]


@cache
def _session() -> Any:
    return botocore.session.get_session()


@cache
def service_model(service: str) -> Any:
    return _session().get_service_model(service)


LABEL = re.compile(r"\{([^}]+)\}")


@cache
def routes(service: str) -> tuple[Route, ...]:
    """The REST templates of a service, most specific first."""
    model = service_model(service)
    found = [_route(model.operation_model(name)) for name in model.operation_names]
    return tuple(sorted(found, key=lambda route: route.specificity, reverse=True))


def _route(operation: Any) -> Route:
    path, _, query = operation.http["requestUri"].partition("?")
    members = operation.input_shape.members if operation.input_shape else {}
    by_location_name = {
        shape.serialization.get("name", name): name
        for name, shape in members.items()
        if shape.serialization.get("location") == "uri"
    }
    pattern, labels = "^", []
    position = 0
    for index, found in enumerate(LABEL.finditer(path)):
        pattern += re.escape(path[position : found.start()])
        label = found.group(1)
        greedy = label.endswith("+")
        label = label.rstrip("+")
        pattern += f"(?P<g{index}>{'.+' if greedy else '[^/]+'})"
        labels.append((f"g{index}", by_location_name.get(label, label)))
        position = found.end()
    pattern += re.escape(path[position:]).rstrip("/") + "/?$"
    literal = tuple(
        (key, value if sep else None)
        for key, sep, value in (part.partition("=") for part in query.split("&") if part)
        if key != "x-id"
    )
    required = operation.input_shape.required_members if operation.input_shape else []
    required_query = tuple(
        members[name].serialization.get("name", name)
        for name in required
        if members[name].serialization.get("location") == "querystring"
    )
    required_headers = tuple(
        members[name].serialization.get("name", name).lower()
        for name in required
        if members[name].serialization.get("location") == "header"
    )
    literal_segments = sum(1 for part in path.split("/") if part and "{" not in part)
    constraints = len(literal) + len(required_query) + len(required_headers)
    return Route(
        operation=operation.name,
        method=operation.http["method"],
        pattern=re.compile(pattern),
        labels=tuple(labels),
        literal_query=literal,
        required_query=required_query,
        required_headers=required_headers,
        specificity=(literal_segments, constraints, 0 if operation.deprecated else 1),
    )


def _route_matches(route: Route, record: Record, query: Mapping[str, list[str]]) -> bool:
    if route.method != record.method:
        return False
    if any(
        key not in query or (value is not None and value not in query[key])
        for key, value in route.literal_query
    ):
        return False
    if any(key not in query for key in route.required_query):
        return False
    headers = {name.lower() for name, _ in record.headers}
    if any(header not in headers for header in route.required_headers):
        return False
    x_id = query.get("x-id")
    return not (x_id and x_id[0] != route.operation) and bool(route.pattern.match(record.path))


def identify(record: Record) -> Operation | None:
    """The operation a record is, or None when no model explains it."""
    scope = record.scope
    form = form_fields(record)
    if scope is not None:
        signing, region = scope.service, scope.region
    elif form.get("Action") in UNSIGNED_ACTIONS:
        signing, region = UNSIGNED_ACTIONS[form["Action"]], DEFAULT_REGION
    else:
        return None
    for service in _candidates(signing, record.path):
        found = _identify_in(service, region, record, form)
        if found is not None:
            return found
    return None


def _candidates(signing: str, path: str) -> tuple[str, ...]:
    services = SIGNING_SERVICES.get(signing, (signing,))
    if signing == "apigateway":
        return services if path.startswith("/v2/") else services[::-1]
    return services


def _identify_in(
    service: str, region: str, record: Record, form: dict[str, str]
) -> Operation | None:
    try:
        model = service_model(service)
    except (UnknownServiceError, DataNotFoundError):
        return None
    target = record.header("x-amz-target")
    if target:
        name = target.rsplit(".", 1)[-1]
        body = _json(record.body.text())
        params = body if isinstance(body, dict) else {}
        return _known(model, name, Operation(service, name, region, params, {}, record))
    if "Action" in form:
        name = form["Action"]
        params = {key: value for key, value in form.items() if "." not in key}
        return _known(model, name, Operation(service, name, region, params, form, record))
    return _identify_rest(service, region, record)


def _known(model: Any, name: str, operation: Operation) -> Operation | None:
    return operation if name in model.operation_names else None


def _identify_rest(service: str, region: str, record: Record) -> Operation | None:
    query = record.query_params()
    for route in routes(service):
        if _route_matches(route, record, query):
            return Operation(
                service, route.operation, region, _rest_params(service, route, record), {}, record
            )
    return None


def _rest_params(service: str, route: Route, record: Record) -> dict[str, Any]:
    """Input members of a REST request: URI labels (decoded), query, headers, JSON body."""
    operation = service_model(service).operation_model(route.operation)
    matched = route.pattern.match(record.path)
    assert matched is not None
    params: dict[str, Any] = {
        member: urllib.parse.unquote(matched.group(group)) for group, member in route.labels
    }
    query = record.query_params()
    body = _json(record.body.text()) if record.body.text().startswith("{") else None
    members = operation.input_shape.members if operation.input_shape else {}
    for name, shape in members.items():
        location = shape.serialization.get("location")
        wire = shape.serialization.get("name", name)
        if location == "querystring" and wire in query:
            params[name] = query[wire] if shape.type_name == "list" else query[wire][0]
        elif location == "header" and record.header(wire) is not None:
            params[name] = record.header(wire)
        elif location is None and isinstance(body, dict) and wire in body:
            params[name] = body[wire]
    return params


def _json(text: str) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def form_fields(record: Record) -> dict[str, str]:
    """The query-protocol parameters: the form body, else the query string."""
    content_type = (record.header("content-type") or "").lower()
    text = record.body.text() if "x-www-form-urlencoded" in content_type else ""
    source = text or (record.query if "Action=" in record.query else "")
    return dict(urllib.parse.parse_qsl(source, keep_blank_values=True))
