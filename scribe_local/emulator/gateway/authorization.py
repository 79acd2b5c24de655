"""Who may call a route, and whether API Gateway may invoke its function.

- A route's authorization type: AWS_IAM requires a SigV4 signature (service execute-api) by one
  of the callers the gateway was given (sigv4.py); an unsigned or wrongly signed request is 403
  with API Gateway's message. Then the caller's identity policies (inline, attached, boundary;
  callers.py) must allow execute-api:Invoke on
  arn:aws:execute-api:<region>:<account>:<api id>/<stage>/<METHOD>/<path>, decided by the same
  IAM evaluator as the CI identity tests (scribe_local/iam_evaluator.py), with the request
  context keys API Gateway supplies; an implicit or explicit deny is 403 {"message":"Forbidden"}
  (HTTP APIs answer IAM refusals with their generic message). JWT requires a token the route's
  authorizer accepts (jwt_authorizer.py): 401 without a valid one, 403 without one of the
  route's scopes.
- The function's resource policy, checked like Lambda does: a statement allowing
  apigateway.amazonaws.com whose AWS:SourceArn (compared with StringLike) matches
  arn:aws:execute-api:<region>:<account>:<api id>/<stage>/<METHOD>/<path>; without one the
  answer is 500, as in AWS.
"""

from __future__ import annotations

import re
import time
from collections.abc import Collection
from datetime import UTC, datetime

from scribe_local.emulator.function import FunctionSpec
from scribe_local.emulator.gateway.callers import Caller
from scribe_local.emulator.gateway.errors import Forbidden, InternalServerError, Unauthorized
from scribe_local.emulator.gateway.jwt_authorizer import JwksCache, JwtIdentity, authorize
from scribe_local.emulator.gateway.payload import Request
from scribe_local.emulator.gateway.routes import ApiConfig, Route
from scribe_local.emulator.gateway.sigv4 import SignatureError, verify
from scribe_local.iam_evaluator import ContextValue, Evaluator, Request as IamRequest


def authenticate(
    config: ApiConfig,
    route: Route,
    request: Request,
    callers: dict[str, Caller],
    hosts: Collection[str],
    jwks: JwksCache | None = None,
) -> Caller | JwtIdentity | None:
    """The signing caller on an AWS_IAM route, the token's identity on a JWT route, None on a
    route open to all; raises the refusal."""
    if route.authorization_type == "NONE":
        return None
    if route.authorization_type == "JWT":
        if route.authorizer is None or jwks is None:
            raise Unauthorized
        return authorize(route.authorizer, route.scopes, request.headers, jwks)
    if route.authorization_type != "AWS_IAM":
        raise Unauthorized  # CUSTOM (Lambda) authorizers are not emulated
    try:
        return verify(
            callers,
            config.region,
            request.method,
            request.raw_path,
            request.raw_query,
            request.headers,
            request.body,
            hosts,
        )
    except SignatureError as refused:
        raise Forbidden(str(refused)) from None


BOUNDARY = "permissions-boundary"  # the boundary's name among the caller's policies


def invoke_request(config: ApiConfig, caller: Caller, resource: str, source_ip: str) -> IamRequest:
    """execute-api:Invoke as API Gateway asks IAM to decide it for a signed request, with the
    global condition keys it supplies (the deployed API is HTTPS only: aws:SecureTransport is
    true even though the local gateway is plain HTTP)."""
    kind = "AssumedRole" if ":assumed-role/" in caller.arn else "User"
    context: dict[str, ContextValue] = {
        "aws:PrincipalArn": caller.principal_arn or caller.arn,
        "aws:PrincipalAccount": config.account_id,
        "aws:PrincipalType": kind,
        "aws:SourceIp": source_ip,
        "aws:SecureTransport": "true",
        "aws:CurrentTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(time.time())),
        "aws:RequestedRegion": config.region,
        "aws:ViaAWSService": "false",
    }
    if kind == "User":
        context["aws:username"] = caller.arn.rsplit("/", 1)[-1]
    return IamRequest(
        principal=caller.arn,
        action="execute-api:Invoke",
        resource=resource,
        identity=tuple(caller.policies),
        boundaries=(BOUNDARY,) if caller.boundary is not None else (),
        context=context,
        account=config.account_id,
    )


def check_caller_may_invoke(
    evaluator: Evaluator,
    config: ApiConfig,
    caller: Caller,
    method: str,
    path: str,
    source_ip: str,
) -> None:
    """Raise Forbidden unless the caller's IAM identity allows execute-api:Invoke on the route."""
    request = invoke_request(config, caller, source_arn(config, method, path), source_ip)
    policies = dict(caller.policies)
    if caller.boundary is not None:
        policies[BOUNDARY] = caller.boundary
    if not evaluator.evaluate(policies, [request])[0].allowed:
        raise Forbidden


def string_like(pattern: str, value: str) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


def source_arn(config: ApiConfig, method: str, path: str) -> str:
    """The execute-api ARN API Gateway names as AWS:SourceArn when it invokes the function."""
    return (
        f"arn:aws:execute-api:{config.region}:{config.account_id}:"
        f"{config.api_id}/{config.stage}/{method}{path}"
    )


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


def check_invoke_permission(config: ApiConfig, route: Route, method: str, path: str) -> None:
    if not invoke_allowed(config.functions[route.function_name], source_arn(config, method, path)):
        raise InternalServerError
