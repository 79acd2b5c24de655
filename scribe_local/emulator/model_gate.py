"""Every request moto receives, checked against AWS's API model as it arrives.

moto accepts requests AWS refuses (names over AWS's limits, values outside an enum or a pattern,
missing members). The moto server the project starts (moto_launcher.py) wraps its WSGI app in
`ModelGate`: each request is kept as a `Record`, identified (scribe_local/aws/operations.py) and
checked (scribe_local/aws/model_check.py), then handed to moto unchanged. moto still answers it:
the gate reports, it does not refuse, so a test sees every violation of a run at once.

The violations wait in the server until a client drains them: `POST /scribe-api/model-check`
answers `{"requests": {protocol: count}, "members": n, "violations": [...]}` for everything
checked since the last drain, and starts again (`MotoServer.drain_model_check`). The tests drain
after each test and fail on any violation (tests/conftest.py). moto's own API (/moto-api/) and
requests no model explains are passed through unchecked.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict
from typing import Any

from scribe_local.aws.model_check import Examined, check
from scribe_local.aws.operations import identify
from scribe_local.aws.record import Body, Record

DRAIN_PATH = "/scribe-api/model-check"
KEPT_AT_MOST = 1000  # violations kept between drains (a server nobody drains stays small)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class ModelGate:
    """A WSGI middleware in front of moto: checks each request, then lets moto answer it."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._examined = Examined()
        self._seq = 0
        self.errors: list[str] = []  # the check's own failures (a bug here, never moto's)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == DRAIN_PATH:
            return self._drain(start_response)
        if not path.startswith("/moto-api"):
            raw = _read_body(environ)
            try:
                self._check(environ, raw)
            except Exception as error:  # the check must never break moto's answer
                with self._lock:
                    if len(self.errors) < 10:
                        method = environ.get("REQUEST_METHOD")
                        self.errors.append(f"{method} {path}: {type(error).__name__}: {error}")
        return self.app(environ, start_response)

    def _check(self, environ: dict[str, Any], raw: bytes) -> None:
        started = time.perf_counter()
        with self._lock:
            seq, self._seq = self._seq, self._seq + 1
        operation = identify(_record(seq, environ, raw))
        examined = Examined()
        if operation is not None:
            check(operation, examined)
        examined.seconds = time.perf_counter() - started
        with self._lock:
            room = KEPT_AT_MOST - len(self._examined.violations)
            self._examined.violations += examined.violations[: max(room, 0)]
            self._examined.requests.update(examined.requests)
            self._examined.members += examined.members
            self._examined.seconds += examined.seconds

    def _drain(self, start_response: StartResponse) -> Iterable[bytes]:
        with self._lock:
            examined, self._examined = self._examined, Examined()
            errors, self.errors = self.errors, []
        body = json.dumps(
            {
                "requests": dict(examined.requests),
                "members": examined.members,
                "seconds": examined.seconds,
                "violations": [asdict(v) for v in examined.violations],
                "errors": errors,
            }
        ).encode()
        start_response(
            "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        )
        return [body]


def _read_body(environ: dict[str, Any]) -> bytes:
    """The whole body, read once and put back for moto (as a stream it can read again)."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    length = environ.get("CONTENT_LENGTH") or ""
    if length.isdigit():
        raw = stream.read(int(length)) if int(length) else b""
    elif environ.get("wsgi.input_terminated"):  # chunked: werkzeug ends the stream for us
        raw = stream.read()
    else:
        return b""
    environ["wsgi.input"] = io.BytesIO(raw)
    return bytes(raw)


def _record(seq: int, environ: dict[str, Any], raw: bytes) -> Record:
    """The request as the recording proxy would have kept it: path as sent (percent-encoded),
    raw query string, headers by their wire names."""
    uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "")
    path = uri.split("?", 1)[0]
    headers = [
        (key[5:].replace("_", "-").lower(), str(value))
        for key, value in environ.items()
        if key.startswith("HTTP_")
    ]
    if environ.get("CONTENT_TYPE"):
        headers.append(("content-type", environ["CONTENT_TYPE"]))
    return Record(
        seq=seq,
        time=0.0,
        phase=None,
        method=environ.get("REQUEST_METHOD", "GET"),
        path=path,
        query=environ.get("QUERY_STRING", ""),
        headers=headers,
        body=Body.of(raw),
    )
