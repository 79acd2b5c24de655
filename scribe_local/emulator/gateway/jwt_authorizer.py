"""JWT authorizers, checked the way an HTTP API checks them.

API Gateway's workflow for a route with a JWT authorizer
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html):
1. take the token from the identity source (`$request.header.Authorization`), bare or prefixed
   with `Bearer `;
2. decode it;
3. check its algorithm and signature with the public key from the issuer's `jwks_uri` (found in
   `{issuer}/.well-known/openid-configuration`); only RSA-based algorithms are supported;
4. validate claims: `kid` (header) names a key of the JWKS; `iss` equals the authorizer's
   issuer; `aud`, or `client_id` when there is no `aud`, is one of its audiences; `exp` is after
   the current time; `nbf` and `iat` are before it; when the route has authorization scopes,
   the token's `scope` or `scp` holds at least one of them.
A failed step 1-4 is 401 {"message":"Unauthorized"}; a valid token without a route's scope is
403 {"message":"Forbidden"}. The claims then reach the function as
`requestContext.authorizer.jwt = {"claims": {...}, "scopes": [...]}` (payload format 2.0,
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html),
every claim value as a string, a list as "[a b]".

Emulation choices where the documentation says nothing: a token without `exp` is refused; `nbf`
and `iat` equal to the current second are accepted (no other clock skew); `scopes` in the event
lists the token's scopes (null when it has none). The `www-authenticate` header AWS adds to some
refusals is not emulated. JWKS are fetched over HTTPS like API Gateway does (certificates checked,
against `cafile` when given: the local issuer's self-signed certificate) and cached per issuer;
an unknown `kid` makes one fresh fetch, as a key rotation would.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

from scribe_local.emulator.gateway.errors import Forbidden, Unauthorized

RSA_ALGORITHMS = ["RS256", "RS384", "RS512"]
FETCH_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class JwtAuthorizer:
    """A route's JWT authorizer, as apigatewayv2 GetAuthorizer returns it."""

    issuer: str
    audience: tuple[str, ...]
    identity_source: tuple[str, ...] = ("$request.header.Authorization",)


@dataclass(frozen=True)
class JwtIdentity:
    """What a valid token tells the function: its claims and scopes."""

    claims: dict[str, Any]
    scopes: tuple[str, ...]

    def event_context(self) -> dict[str, Any]:
        """requestContext.authorizer of a payload 2.0 event."""
        return {
            "jwt": {
                "claims": {name: claim_string(value) for name, value in self.claims.items()},
                "scopes": list(self.scopes) or None,
            }
        }


def claim_string(value: Any) -> str:
    """A claim as API Gateway hands it to the function: strings as they are, lists as "[a b]"."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + " ".join(claim_string(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value) if isinstance(value, dict) else str(value)


KeyFetcher = Callable[[str], KeySet]


class JwksCache:
    """The issuers' key sets, fetched over HTTPS through their discovery documents."""

    def __init__(self, cafile: Path | None = None) -> None:
        self.context = ssl.create_default_context(cafile=str(cafile) if cafile else None)
        self._keys: dict[str, KeySet] = {}
        self._lock = threading.Lock()

    def _get_json(self, url: str) -> Any:
        if not url.startswith("https://"):
            raise Unauthorized  # API Gateway fetches keys over HTTPS only
        with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_S, context=self.context) as answer:  # noqa: S310
            return json.loads(answer.read())

    def fetch(self, issuer: str) -> KeySet:
        discovery = self._get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
        return KeySet.import_key_set(self._get_json(discovery["jwks_uri"]))

    def keys(self, issuer: str, refresh: bool = False) -> KeySet:
        with self._lock:
            if refresh or issuer not in self._keys:
                try:
                    self._keys[issuer] = self.fetch(issuer)
                except (OSError, ValueError, KeyError, TypeError, JoseError):
                    raise Unauthorized from None  # the issuer cannot vouch for any token
            return self._keys[issuer]


def bearer_token(authorizer: JwtAuthorizer, headers: Mapping[str, str]) -> str:
    """Step 1: the token in the identity source (header names are lower-cased in headers)."""
    for source in authorizer.identity_source:
        name = source.removeprefix("$request.header.").lower()
        value = headers.get(name, "").strip()
        if value:
            return value[7:].strip() if value[:7].lower() == "bearer " else value
    raise Unauthorized


def signing_key(token: str, jwks: JwksCache, issuer: str) -> RSAKey:
    """Steps 2-3: the JWKS key the token's header names (verified_claims allows RSA only)."""
    try:
        header = jws.extract_compact(token.encode()).protected
    except (JoseError, ValueError, UnicodeError):
        raise Unauthorized from None
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise Unauthorized
    for refresh in (False, True):
        try:
            key = jwks.keys(issuer, refresh).get_by_kid(kid)
        except (JoseError, ValueError):
            continue
        if isinstance(key, RSAKey):
            return key
    raise Unauthorized


def verified_claims(token: str, key: RSAKey) -> dict[str, Any]:
    try:
        claims = jwt.decode(token, key, algorithms=RSA_ALGORITHMS).claims
    except (JoseError, ValueError, UnicodeError):
        raise Unauthorized from None
    return dict(claims)


def check_claims(authorizer: JwtAuthorizer, claims: Mapping[str, Any], now: float) -> None:
    """Step 4: issuer, audience (or client_id), expiry, not-before, issued-at."""
    if claims.get("iss") != authorizer.issuer:
        raise Unauthorized
    audience = claims["aud"] if "aud" in claims else claims.get("client_id")
    audiences = audience if isinstance(audience, list) else [audience]
    if not any(isinstance(a, str) and a in authorizer.audience for a in audiences):
        raise Unauthorized
    if not is_number(claims.get("exp")) or claims["exp"] <= now:
        raise Unauthorized
    for name in ("nbf", "iat"):
        if name in claims and (not is_number(claims[name]) or claims[name] > now):
            raise Unauthorized


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def token_scopes(claims: Mapping[str, Any]) -> tuple[str, ...]:
    """The token's scopes: `scope` (space-separated, RFC 8693) or `scp` (a list or a string)."""
    value = claims.get("scope", claims.get("scp"))
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def authorize(
    authorizer: JwtAuthorizer,
    route_scopes: tuple[str, ...],
    headers: Mapping[str, str],
    jwks: JwksCache,
    now: float | None = None,
) -> JwtIdentity:
    """The token's identity, or Unauthorized (401) / Forbidden (403) as API Gateway answers."""
    token = bearer_token(authorizer, headers)
    claims = verified_claims(token, signing_key(token, jwks, authorizer.issuer))
    check_claims(authorizer, claims, time.time() if now is None else now)
    scopes = token_scopes(claims)
    if route_scopes and not set(route_scopes) & set(scopes):
        raise Forbidden
    return JwtIdentity(claims, scopes)
