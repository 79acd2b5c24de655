"""CORS as an HTTP API applies it, from the API's CORS configuration (GetApi's CorsConfiguration,
which Terraform's cors_configuration writes and moto stores and returns as sent).

What AWS documents ("Configure CORS for HTTP APIs in API Gateway",
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html):
- "If you configure CORS for an API, API Gateway automatically sends a response to preflight
  OPTIONS requests, even if there isn't an OPTIONS route configured for your API." No route, so
  no authorizer, no IAM check and no function: gateway.py answers it where route matching finds
  no route.
- "The $default route catches requests for all methods and routes that you haven't explicitly
  defined, including OPTIONS requests" (same page): a route that takes the OPTIONS request
  ($default, ANY, OPTIONS) wins over the automatic answer, and its authorization applies. The
  module's routes are POST only, so every preflight to it is answered by the API.
- "For a CORS request, API Gateway adds the configured CORS headers to the response from an
  integration." and "If you configure CORS for an API, API Gateway ignores CORS headers returned
  from your backend integration.": the function's Access-Control-* headers are dropped and the
  configured ones put in their place.
- "To return CORS headers, your request must contain an origin header. For the OPTIONS method,
  your request must contain an origin header and an Access-Control-Request-Method header."
- The configuration's properties and the headers they give: allowOrigins ->
  Access-Control-Allow-Origin, allowCredentials -> -Allow-Credentials, exposeHeaders ->
  -Expose-Headers, maxAge -> -Max-Age, allowMethods -> -Allow-Methods, allowHeaders ->
  -Allow-Headers.

Where the documentation is silent, this module reads it as follows, the stricter way where there
is a choice (a client that works here works on AWS):
- the preflight's answer is 204 with no body (its status is not documented; any 2xx passes a
  browser's check);
- a preflight whose origin, requested method or any requested header is not allowed gets the 204
  without any CORS header, so the browser refuses the request; a method must be listed (or "*")
  even if it is one the Fetch standard lets browsers send without it;
- origins are compared whole and ASCII case-insensitively (the AWS provider keeps allow_origins as
  a case-insensitive set; browsers send origins in lower case); header names and methods
  case-insensitively too (API Gateway stores allowHeaders and exposeHeaders in lower case);
- Access-Control-Allow-Origin is "*" when "*" is configured, else the request's Origin as sent;
  Allow-Methods, Allow-Headers and Expose-Headers are the configured lists joined by ","; Max-Age
  is sent only when configured, Allow-Credentials only when true;
- API Gateway's own refusals (401, 403, 404, 413, 429, 500, 504) get no CORS header: the
  documentation names only "the response from an integration". A browser then sees a CORS error
  instead of the status;
- the automatic preflight answer is not throttled here: it has no route, and so no route's limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Headers = list[tuple[str, str]]

PREFLIGHT_STATUS = 204


@dataclass(frozen=True)
class CorsConfig:
    """An API's CORS configuration, as GetApi answers it (CorsConfiguration)."""

    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False

    @classmethod
    def from_api(cls, api: Mapping[str, Any]) -> CorsConfig | None:
        """The configuration of a GetApi answer; None when the API has none."""
        cors = api.get("CorsConfiguration")
        if cors is None:
            return None
        max_age = cors.get("MaxAge")
        return cls(
            allow_origins=tuple(cors.get("AllowOrigins") or ()),
            allow_methods=tuple(cors.get("AllowMethods") or ()),
            allow_headers=tuple(cors.get("AllowHeaders") or ()),
            expose_headers=tuple(cors.get("ExposeHeaders") or ()),
            max_age=None if max_age is None else int(max_age),
            allow_credentials=bool(cors.get("AllowCredentials")),
        )

    def allow_origin(self, origin: str | None) -> str | None:
        """The Access-Control-Allow-Origin value for a request from `origin`; None when that
        origin is not allowed (or the request names none)."""
        if not origin:
            return None
        if "*" in self.allow_origins:
            return "*"
        wanted = origin.strip().lower()
        if any(allowed.lower() == wanted for allowed in self.allow_origins):
            return origin.strip()
        return None

    def allows_method(self, method: str) -> bool:
        listed = {m.upper() for m in self.allow_methods}
        return "*" in listed or method.strip().upper() in listed

    def allows_headers(self, names: list[str]) -> bool:
        listed = {h.lower() for h in self.allow_headers}
        return "*" in listed or all(name in listed for name in names)

    def summary(self) -> str:
        """One line for people: what the configuration lets a browser do."""
        parts = [f"origins {', '.join(self.allow_origins) or '(none)'}"]
        parts.append(f"methods {', '.join(self.allow_methods) or '(none)'}")
        parts.append(f"headers {', '.join(self.allow_headers) or '(none)'}")
        if self.expose_headers:
            parts.append(f"exposes {', '.join(self.expose_headers)}")
        if self.max_age is not None:
            parts.append(f"preflight cached {self.max_age} s")
        if self.allow_credentials:
            parts.append("with credentials")
        return "; ".join(parts)


def is_preflight(method: str, headers: Mapping[str, str]) -> bool:
    """A CORS preflight as AWS defines it: OPTIONS with an Origin and an
    Access-Control-Request-Method header (`headers` has lower-case names, as Request keeps
    them)."""
    return method == "OPTIONS" and {"origin", "access-control-request-method"} <= headers.keys()


def requested_headers(headers: Mapping[str, str]) -> list[str]:
    """The names in Access-Control-Request-Headers, lower-cased."""
    value = headers.get("access-control-request-headers", "")
    return [name.strip().lower() for name in value.split(",") if name.strip()]


def preflight_headers(config: CorsConfig, headers: Mapping[str, str]) -> Headers:
    """The CORS headers of the API's answer to a preflight: none unless the origin, the requested
    method and every requested header are allowed."""
    allow_origin = config.allow_origin(headers.get("origin"))
    if (
        allow_origin is None
        or not config.allows_method(headers.get("access-control-request-method", ""))
        or not config.allows_headers(requested_headers(headers))
    ):
        return []
    answer = [("access-control-allow-origin", allow_origin)]
    if config.allow_methods:
        answer.append(("access-control-allow-methods", ",".join(config.allow_methods)))
    if config.allow_headers:
        answer.append(("access-control-allow-headers", ",".join(config.allow_headers)))
    if config.max_age is not None:
        answer.append(("access-control-max-age", str(config.max_age)))
    if config.allow_credentials:
        answer.append(("access-control-allow-credentials", "true"))
    return answer


def integration_headers(
    config: CorsConfig | None, request_headers: Mapping[str, str], response_headers: Headers
) -> Headers:
    """The headers of an integration's response as the API sends it: unchanged without a CORS
    configuration; with one, the integration's own Access-Control-* headers dropped and, for an
    allowed Origin, the configured ones added."""
    if config is None:
        return response_headers
    kept = [(n, v) for n, v in response_headers if not n.lower().startswith("access-control-")]
    allow_origin = config.allow_origin(request_headers.get("origin"))
    if allow_origin is None:
        return kept
    kept.append(("access-control-allow-origin", allow_origin))
    if config.expose_headers:
        kept.append(("access-control-expose-headers", ",".join(config.expose_headers)))
    if config.allow_credentials:
        kept.append(("access-control-allow-credentials", "true"))
    return kept
