"""A local stand-in for an API Gateway HTTP API that invokes the deployed Lambda zip.

It reads the real API from moto and serves HTTP on loopback. One module per concern:
- routes.py         the API as deployed (routes, stage, functions) and route matching;
- throttling.py     the stage's and routes' throttling: a token bucket per route, 429;
- cors.py           the API's CORS configuration: preflights answered by the API, the
                    configured headers on the function's responses;
- authorization.py  the route's caller check (SigV4 in sigv4.py and the caller's IAM policy,
                    callers in callers.py; JWT in jwt_authorizer.py) and the invoke permission;
- payload.py        payload format 2.0: the event sent to the function, the result mapped back,
                    and the size limits of API Gateway and Lambda;
- errors.py         refusals carrying API Gateway's status and message;
- gateway.py        one request from arrival to response (`Gateway.handle`);
- server.py         raw HTTP (bodies, chunked encoding) around a Gateway;
- __main__.py       the process `make up` starts.
"""

from scribe_local.emulator.gateway.authorization import invoke_allowed, string_like
from scribe_local.emulator.gateway.gateway import Gateway, load_gateway, role_credentials
from scribe_local.emulator.gateway.payload import Request, Response, build_event, map_result
from scribe_local.emulator.gateway.routes import ApiConfig, Route, function_name_from_uri
from scribe_local.emulator.gateway.server import GatewayServer, serving
from scribe_local.emulator.gateway.throttling import Throttle, TokenBucket

__all__ = [
    "ApiConfig",
    "Gateway",
    "GatewayServer",
    "Request",
    "Response",
    "Route",
    "Throttle",
    "TokenBucket",
    "build_event",
    "function_name_from_uri",
    "invoke_allowed",
    "load_gateway",
    "map_result",
    "role_credentials",
    "serving",
    "string_like",
]
