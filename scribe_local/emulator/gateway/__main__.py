"""The gateway as a process (`make up` starts it):

    python -m scribe_local.emulator.gateway --endpoint-url <moto> --api-id <id> --package <zip>
        --ready-file <file> --log-file <file> [--callers <file>] [--trust-cert <pem>] [--port N]

--trust-cert: the certificate JWT issuers' keys are fetched with (the local issuer's own);
without it, the system's certificate authorities.

It serves until SIGTERM and writes {"url": ...} to the ready file once it listens.
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
from collections.abc import Iterable
from pathlib import Path

from scribe_local.emulator.gateway.gateway import load_gateway
from scribe_local.emulator.gateway.jwt_authorizer import JwksCache
from scribe_local.emulator.gateway.server import GatewayServer


def _parse_args(argv: Iterable[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="A local stand-in for the deployed HTTP API.")
    parser.add_argument("--endpoint-url", required=True, help="moto server URL")
    parser.add_argument("--api-id", required=True)
    parser.add_argument("--package", required=True, type=Path, help="the zip that was deployed")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--ready-file",
        type=Path,
        required=True,
        help="written with the gateway's URL once it serves",
    )
    parser.add_argument("--log-file", type=Path, required=True, help="function log lines")
    parser.add_argument(
        "--callers", type=Path, help="callers file for AWS_IAM routes (re-read when it changes)"
    )
    parser.add_argument("--trust-cert", type=Path, help="PEM certificate of the JWT issuer")
    return parser.parse_args(list(argv) if argv is not None else None)


def main(argv: Iterable[str] | None = None) -> int:
    args = _parse_args(argv)
    gateway = load_gateway(
        args.endpoint_url,
        args.api_id,
        args.package,
        args.log_file,
        callers_file=args.callers,
        jwks=JwksCache(args.trust_cert),
    )
    server = GatewayServer(gateway, args.port)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    args.ready_file.write_text(json.dumps({"url": server.url}))
    try:
        server.serve_forever()
    finally:
        server.server_close()
        gateway.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
