"""JWT routes, checked as API Gateway checks them, against the local OIDC issuer over HTTPS."""

from __future__ import annotations

import base64
import json
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from scribe_local.emulator.gateway import ApiConfig, Gateway, Route
from scribe_local.emulator.gateway.jwt_authorizer import JwksCache, JwtAuthorizer, claim_string
from scribe_local.emulator.gateway.routes import load_api
from scribe_local.emulator.moto_server import MotoServer, moto_client
from scribe_local.emulator.oidc_issuer import IssuerServer
from scribe_local.stack import JWT_AUDIENCE, JWT_SCOPES, jwt_api_settings
from tests.local.test_gateway import ARN_PREFIX, OK, StubFunction, spec_with_policy, statement
from tests.local.test_moto_server import tiny_zip

AUDIENCE = "scribe-local"
WRITE = "scribe/write"


@pytest.fixture(scope="module")
def cert_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("issuer") / "issuer.pem"


@pytest.fixture(scope="module")
def issuer(cert_file: Path) -> Iterator[IssuerServer]:
    server = IssuerServer(cert_file, AUDIENCE, [WRITE, "openid"])
    server.start_in_thread()
    try:
        yield server
    finally:
        server.close()


def jwt_gateway(issuer: IssuerServer, cert_file: Path) -> Gateway:
    """POST / needs any valid token; POST /{name+} also needs the scribe/write scope."""
    authorizer = JwtAuthorizer(issuer.url, (AUDIENCE, "another-client"))
    routes = (
        Route.parse("POST /", "JWT", "fn", authorizer),
        Route.parse("POST /{name+}", "JWT", "fn", authorizer, (WRITE, "scribe/admin")),
    )
    spec = spec_with_policy([statement(ARN_PREFIX), statement(ARN_PREFIX + "*")])
    config = ApiConfig(api_id="abc123", stage="$default", routes=routes, functions={"fn": spec})
    functions = {"fn": StubFunction(OK)}
    return Gateway(config, functions, jwks=JwksCache(cert_file))  # type: ignore[arg-type]


def post(gateway: Gateway, path: str, authorization: str | None) -> tuple[int, str]:
    headers = [("Content-Type", "text/plain")]
    if authorization is not None:
        headers.append(("Authorization", authorization))
    answer = gateway.handle("POST", path, headers, b"hello", "127.0.0.1")
    return answer.status, json.loads(answer.body).get("message", "")


def events(gateway: Gateway) -> list[dict[str, Any]]:
    return gateway.functions["fn"].events  # type: ignore[attr-defined,no-any-return]


def test_the_issuer_token_reaches_the_function_with_its_claims(
    issuer: IssuerServer, cert_file: Path
) -> None:
    gateway = jwt_gateway(issuer, cert_file)
    token = issuer.issuer.token()
    assert post(gateway, "/notes/a.txt", f"Bearer {token}") == (201, "")
    assert post(gateway, "/", token)[0] == 201  # the bare token is accepted too
    context = events(gateway)[0]["requestContext"]["authorizer"]["jwt"]
    assert context["claims"]["iss"] == issuer.url
    assert context["claims"]["aud"] == AUDIENCE
    assert context["claims"]["sub"] == "scribe-local-client"
    assert context["claims"]["exp"] == str(issuer.issuer.default_claims["exp"])
    assert context["scopes"] == [WRITE, "openid"]


def test_claims_reach_the_function_as_strings() -> None:
    assert claim_string(["a", "b"]) == "[a b]"
    assert claim_string(17) == "17"
    assert claim_string(True) == "true"
    assert claim_string("x") == "x"


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "not-a-jwt", "a.b.c", "Bearer a.b"],
)
def test_a_missing_or_malformed_token_is_401(
    issuer: IssuerServer, cert_file: Path, authorization: str | None
) -> None:
    gateway = jwt_gateway(issuer, cert_file)
    assert post(gateway, "/", authorization) == (401, "Unauthorized")
    assert events(gateway) == []


def forged(issuer: IssuerServer, case: str) -> str:
    claims = dict(issuer.issuer.default_claims)
    own = issuer.issuer.key
    other = RSAKey.generate_key(2048, parameters={"kid": own.kid or ""})
    if case == "signed by another key":
        return jwt.encode({"alg": "RS256", "kid": own.kid}, claims, other)
    if case == "unknown kid":
        stranger = RSAKey.generate_key(2048, parameters={"kid": "stranger"})
        return jwt.encode({"alg": "RS256", "kid": "stranger"}, claims, stranger)
    if case == "no kid":
        return jwt.encode({"alg": "RS256"}, claims, own)
    if case == "HS256 keyed with the public key":
        public = json.dumps(own.as_dict(private=False)).encode()
        header = {"alg": "HS256", "kid": own.kid}
        return jwt.encode(header, claims, OctKey.import_key(public), algorithms=["HS256"])
    if case == "alg none":
        payload = issuer.issuer.token().split(".")[1]
        return f"{_b64({'alg': 'none', 'kid': own.kid})}.{payload}."
    if case == "tampered claims":
        head, _, signature = issuer.issuer.token().split(".")
        return f"{head}.{_b64({**claims, 'sub': 'admin'})}.{signature}"
    raise AssertionError(case)


def _b64(document: dict[str, Any]) -> str:
    raw = json.dumps(document).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "case",
    [
        "signed by another key",
        "unknown kid",
        "no kid",
        "HS256 keyed with the public key",
        "alg none",
        "tampered claims",
    ],
)
def test_a_token_the_issuer_did_not_sign_is_401(
    issuer: IssuerServer, cert_file: Path, case: str
) -> None:
    gateway = jwt_gateway(issuer, cert_file)
    assert post(gateway, "/", f"Bearer {forged(issuer, case)}") == (401, "Unauthorized")
    assert events(gateway) == []


NOW = int(time.time())


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": "https://127.0.0.1:1"},
        {"iss": None},
        {"aud": "other"},
        {"aud": ["other", "third"]},
        {"aud": None},  # and no client_id either
        {"aud": None, "client_id": "other"},
        {"aud": "other", "client_id": AUDIENCE},  # aud wins over client_id
        {"exp": 1},
        {"exp": NOW - 5},
        {"exp": None},
        {"exp": "tomorrow"},
        {"nbf": NOW + 3600},
        {"iat": NOW + 3600},
    ],
)
def test_a_wrong_claim_is_401(
    issuer: IssuerServer, cert_file: Path, claims: dict[str, Any]
) -> None:
    gateway = jwt_gateway(issuer, cert_file)
    token = issuer.issuer.token(claims)
    assert post(gateway, "/", f"Bearer {token}") == (401, "Unauthorized")
    assert events(gateway) == []


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": ["other", "another-client"]},
        {"aud": None, "client_id": AUDIENCE},
        {"nbf": NOW - 5, "iat": NOW - 5},
        {"scope": None, "scp": [WRITE]},
        {"scope": None, "scp": "openid scribe/admin"},
        {"scope": "scribe/admin"},
    ],
)
def test_accepted_variants_are_201(
    issuer: IssuerServer, cert_file: Path, claims: dict[str, Any]
) -> None:
    gateway = jwt_gateway(issuer, cert_file)
    token = issuer.issuer.token(claims)
    assert post(gateway, "/notes/a.txt", f"Bearer {token}") == (201, "")


@pytest.mark.parametrize(
    "claims",
    [
        {"scope": "openid"},
        {"scope": None},
        {"scope": "scribe/write2 scribe"},
        {"scope": None, "scp": ["x"]},
    ],
)
def test_a_token_without_a_route_scope_is_403(
    issuer: IssuerServer, cert_file: Path, claims: dict[str, Any]
) -> None:
    """scribe/write (or scribe/admin) is needed on POST /{name+}, matched whole; POST / needs
    no scope."""
    gateway = jwt_gateway(issuer, cert_file)
    token = issuer.issuer.token(claims)
    assert post(gateway, "/notes/a.txt", f"Bearer {token}") == (403, "Forbidden")
    assert post(gateway, "/", f"Bearer {token}") == (201, "")
    assert len(events(gateway)) == 1


def test_the_gateway_trusts_only_the_issuer_certificate(
    issuer: IssuerServer, tmp_path: Path
) -> None:
    """Without the issuer's certificate the keys cannot be fetched: every token is 401."""
    other = tmp_path / "other.pem"
    IssuerServer(other, AUDIENCE).server_close()  # another self-signed certificate
    gateway = jwt_gateway(issuer, other)
    assert post(gateway, "/", f"Bearer {issuer.issuer.token()}") == (401, "Unauthorized")


def test_the_issuer_serves_discovery_jwks_and_tokens(issuer: IssuerServer, cert_file: Path) -> None:
    context = ssl.create_default_context(cafile=str(cert_file))

    def fetch(url: str, body: bytes | None = None) -> Any:
        request = urllib.request.Request(  # noqa: S310 (the local issuer)
            url, data=body, method="POST" if body else "GET"
        )
        with urllib.request.urlopen(request, timeout=5, context=context) as answer:  # noqa: S310
            return json.loads(answer.read())

    discovery = fetch(f"{issuer.url}/.well-known/openid-configuration")
    assert discovery["issuer"] == issuer.url
    assert [k["kid"] for k in fetch(discovery["jwks_uri"])["keys"]] == [issuer.issuer.key.kid]
    assert "d" not in fetch(discovery["jwks_uri"])["keys"][0]  # never the private key
    minted = fetch(f"{issuer.url}/token", json.dumps({"aud": "other", "sub": None}).encode())
    claims = jwt.decode(minted["token"], issuer.issuer.key).claims
    assert claims["aud"] == "other"
    assert "sub" not in claims
    assert claims["exp"] == issuer.issuer.default_claims["exp"]
    with pytest.raises(urllib.error.HTTPError) as refused:
        fetch(f"{issuer.url}/token", b"[1, 2]")
    assert refused.value.code == 400


def test_load_api_reads_the_jwt_authorizer_and_route_scopes(moto: MotoServer) -> None:
    """As moto returns the module's resources: GetAuthorizer per route (moto has no
    GetAuthorizers), the route's AuthorizationScopes."""
    role = moto_client("iam", moto.url).create_role(
        RoleName="jwt-fn", AssumeRolePolicyDocument=json.dumps({})
    )
    function = moto_client("lambda", moto.url).create_function(
        FunctionName="jwt-fn",
        Runtime="python3.13",
        Role=role["Role"]["Arn"],
        Handler="index.handler",
        Code={"ZipFile": tiny_zip()},
    )
    apis = moto_client("apigatewayv2", moto.url)
    api_id = apis.create_api(Name="jwt", ProtocolType="HTTP")["ApiId"]
    integration = apis.create_integration(
        ApiId=api_id,
        IntegrationType="AWS_PROXY",
        IntegrationUri=function["FunctionArn"],
        PayloadFormatVersion="2.0",
    )
    authorizer = apis.create_authorizer(
        ApiId=api_id,
        Name="jwt",
        AuthorizerType="JWT",
        IdentitySource=["$request.header.Authorization"],
        JwtConfiguration={"Issuer": "https://issuer.example", "Audience": ["a", "b"]},
    )
    target = f"integrations/{integration['IntegrationId']}"
    apis.create_route(
        ApiId=api_id,
        RouteKey="POST /{name+}",
        Target=target,
        AuthorizationType="JWT",
        AuthorizerId=authorizer["AuthorizerId"],
        AuthorizationScopes=[WRITE],
    )
    apis.create_route(ApiId=api_id, RouteKey="POST /", Target=target, AuthorizationType="NONE")
    apis.create_stage(ApiId=api_id, StageName="$default")
    routes = {route.key: route for route in load_api(moto.url, api_id).routes}
    assert routes["POST /{name+}"].authorizer == JwtAuthorizer(
        "https://issuer.example", ("a", "b"), ("$request.header.Authorization",)
    )
    assert routes["POST /{name+}"].scopes == (WRITE,)
    assert (routes["POST /"].authorizer, routes["POST /"].scopes) == (None, ())


def test_make_up_auth_jwt_keeps_the_local_api_settings() -> None:
    """The var file that replaces envs/local.tfvars' api object keeps its other settings."""
    settings = jwt_api_settings("https://127.0.0.1:8443")
    assert settings["authorization_type"] == "JWT"
    assert settings["jwt_authorizer"] == {
        "issuer": "https://127.0.0.1:8443",
        "audience": [JWT_AUDIENCE],
        "scopes": list(JWT_SCOPES),
    }
    assert settings["access_log_retention_days"] == 1
    assert settings["throttling"] == {"burst_limit": 20, "rate_limit": 10}
