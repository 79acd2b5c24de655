"""A local OIDC issuer for JWT authorizers (`make up AUTH=jwt`), served over HTTPS.

The API module accepts only an https:// issuer, and API Gateway fetches the issuer's keys over
HTTPS, so this issuer makes a self-signed certificate for 127.0.0.1 at start-up and writes it to
a file the gateway trusts (and nothing else does). It also makes an RSA key (RS256) and serves:

    GET  {issuer}/.well-known/openid-configuration   the discovery document (issuer, jwks_uri, ...)
    GET  {issuer}/jwks.json                          the public key as a JWKS
    POST {issuer}/token   {"aud": "other"}        -> {"token": "<jwt>"}

A token from /token carries the claims of the default token (the one printed as JWT_TOKEN:
iss, sub, aud, scope, iat, exp in 24 h) overridden by the JSON object posted; a claim given as
null is left out. It exists for tests: anyone who can reach the port can mint a token.

    python -m scribe_local.emulator.oidc_issuer --ready-file <file> --cert-file <pem>
        --audience <aud> [--scope <scope> ...] [--port N]

It serves until SIGTERM and writes {"url": ..., "token": ...} to the ready file once it listens.
"""

from __future__ import annotations

import argparse
import datetime
import ipaddress
import json
import signal
import ssl
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from joserfc import jwt
from joserfc.jwk import RSAKey

HOST = "127.0.0.1"
TOKEN_LIFETIME_S = 24 * 3600
SUBJECT = "scribe-local-client"
MAX_BODY_BYTES = 64 * 1024


def self_signed_certificate(host: str = HOST) -> tuple[bytes, bytes]:
    """A certificate (PEM) valid for host and localhost, and its private key (PEM)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "scribe local OIDC issuer")])
    now = datetime.datetime.now(datetime.UTC)
    public = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(host)), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return certificate.public_bytes(serialization.Encoding.PEM), key_pem


class OidcIssuer:
    """The issuer's keys and tokens, independent of the HTTP server."""

    def __init__(self, url: str, audience: str, scopes: Iterable[str] = ()) -> None:
        self.url = url
        self.key = RSAKey.generate_key(
            2048, parameters={"kid": uuid.uuid4().hex, "use": "sig", "alg": "RS256"}
        )
        now = int(time.time())
        self.default_claims: dict[str, Any] = {
            "iss": url,
            "sub": SUBJECT,
            "aud": audience,
            "scope": " ".join(scopes),
            "iat": now,
            "exp": now + TOKEN_LIFETIME_S,
        }

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.url,
            "jwks_uri": f"{self.url}/jwks.json",
            "token_endpoint": f"{self.url}/token",
            "response_types_supported": ["token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.as_dict(private=False)]}

    def token(self, overrides: Mapping[str, Any] | None = None) -> str:
        """A token with the default claims overridden (a None value leaves the claim out)."""
        claims = {**self.default_claims, **(overrides or {})}
        claims = {name: value for name, value in claims.items() if value is not None}
        header = {"alg": "RS256", "typ": "JWT", "kid": self.key.kid}
        return jwt.encode(header, claims, self.key)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: IssuerServer

    def do_GET(self) -> None:
        issuer = self.server.issuer
        documents = {
            "/.well-known/openid-configuration": issuer.discovery,
            "/jwks.json": issuer.jwks,
        }
        document = documents.get(self.path)
        if document is None:
            self._send(404, {"message": f"no {self.path}: try /.well-known/openid-configuration"})
        else:
            self._send(200, document())

    def do_POST(self) -> None:
        if self.path != "/token":
            self._send(404, {"message": f"no {self.path}: POST /token mints tokens"})
            return
        length = self.headers.get("content-length") or "0"
        if not length.isdigit() or int(length) > MAX_BODY_BYTES:
            self._send(400, {"message": "send a JSON object of claims with a Content-Length"})
            return
        try:
            claims = json.loads(self.rfile.read(int(length)) or b"{}")
        except ValueError:
            claims = None
        if not isinstance(claims, dict):
            example = '{"aud": "other"}'
            self._send(
                400, {"message": f"the body must be a JSON object of claims, e.g. {example}"}
            )
            return
        self._send(200, {"token": self.server.issuer.token(claims)})

    def _send(self, status: int, document: dict[str, Any]) -> None:
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class IssuerServer(ThreadingHTTPServer):
    """The issuer over HTTPS on loopback, with its own self-signed certificate (cert_file)."""

    daemon_threads = True

    def __init__(
        self, cert_file: Path, audience: str, scopes: Iterable[str] = (), port: int = 0
    ) -> None:
        super().__init__((HOST, port), _Handler)
        cert_pem, key_pem = self_signed_certificate()
        cert_file.write_bytes(cert_pem)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with tempfile.NamedTemporaryFile() as key_file:  # load_cert_chain reads files only
            key_file.write(key_pem)
            key_file.flush()
            context.load_cert_chain(cert_file, key_file.name)
        self.socket = context.wrap_socket(self.socket, server_side=True)
        self.issuer = OidcIssuer(self.url, audience, scopes)

    @property
    def url(self) -> str:
        return f"https://{HOST}:{self.server_address[1]}"

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="scribe-issuer", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        self.shutdown()
        self.server_close()


def _parse_args(argv: Iterable[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="A local OIDC issuer for JWT authorizers.")
    parser.add_argument("--ready-file", type=Path, required=True, help="gets {url, token}")
    parser.add_argument("--cert-file", type=Path, required=True, help="gets the certificate")
    parser.add_argument("--audience", required=True, help="aud of the default token")
    parser.add_argument("--scope", action="append", default=[], help="a scope of the default token")
    parser.add_argument("--port", type=int, default=0)
    return parser.parse_args(list(argv) if argv is not None else None)


def main(argv: Iterable[str] | None = None) -> int:
    args = _parse_args(argv)
    server = IssuerServer(args.cert_file, args.audience, args.scope, args.port)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    ready = {"url": server.url, "token": server.issuer.token()}
    args.ready_file.write_text(json.dumps(ready))
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
