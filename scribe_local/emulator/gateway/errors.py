"""Refusals that carry API Gateway's HTTP status and message.

Each step of a request raises one of these; `Gateway.handle` is the one place that turns it into
a response (`{"message": ...}` as JSON, the way HTTP APIs answer their own errors).
"""

from __future__ import annotations


class GatewayError(Exception):
    """A request refused by the API itself (not by the function)."""

    status = 500
    default_message = "Internal Server Error"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)
        self.message = message or self.default_message


class BadRequest(GatewayError):
    status, default_message = 400, "Bad Request"


class Unauthorized(GatewayError):
    status, default_message = 401, "Unauthorized"


class Forbidden(GatewayError):
    status, default_message = 403, "Forbidden"


class NotFound(GatewayError):
    status, default_message = 404, "Not Found"


class PayloadTooLarge(GatewayError):
    status, default_message = 413, "Request Entity Too Large"


class TooManyRequests(GatewayError):
    """Stage or route throttling (throttling.py)."""

    status, default_message = 429, "Too Many Requests"


class InternalServerError(GatewayError):
    """The integration failed: no invoke permission, a function error, a malformed result, an
    event or a result over Lambda's synchronous payload limit (payload.py)."""


class IntegrationTimeout(GatewayError):
    status, default_message = 504, "Service Unavailable"
