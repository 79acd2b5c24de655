"""A recording reverse proxy in front of a moto server: every AWS request a test sends, kept.

Terraform's AWS provider and its S3 backend are pointed at `RecordingProxy.url` instead of moto's
URL. The proxy forwards each request unchanged (method, path and query, headers including the
client's Host, body) and keeps one `Record` per request: what was asked, what moto answered and
the access key that signed it. `scribe_local.iam.calls` maps the records to the IAM requests AWS
would authorize, so that a deploy policy can be checked against what Terraform really sends rather
than against a hand-written list.

One request is answered by the proxy itself, never by moto: Lambda GetAccountSettings
(`GET /2016-08-19/account-settings`, which `make preflight` sends), when the proxy is given an
`account_settings` function. moto 5.2.5 does not implement it (moto/awslambda/urls.py has no
account-settings route), so this is an explicit emulator gap fill: the function returns the
answer in AWS's documented shape (see `moto_server.lambda_account_settings`), the record carries
the header `x-scribe-answered-by: recording-proxy`, and it is mapped and evaluated like any other.

Given a `FaultInjector` (scribe_local/emulator/faults.py), the proxy asks it about each request
first and answers with the AWS failure it injects (throttling, a 500), or forwards the request and
drops moto's answer (a timeout), or holds it unsent (unsent); the record then carries the injected
answer and `fault`. `when(predicate)` gives an event set once a matching request has been answered
(or, arrived=True, as soon as it arrives): the fault matrix interrupts Terraform at that point.

The Host header is forwarded as the client sent it: the SigV4 signature covers it, and moto checks
signatures when IAM enforcement is on. Standard library only; one upstream connection per request
(loopback, cheap) with a timeout, so a stuck moto fails a request instead of hanging a test.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from scribe_local.aws.record import (
    BODY_CAP,
    Body,
    Headers,
    Record,
    Scope,
    credential_scope,
    first_header,
)
from scribe_local.emulator.faults import FaultInjector

# Headers that describe one hop, not the request: http.client and the server set their own.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "expect",
        "content-length",
    }
)
# Answered by the proxy itself (see the module docstring): Lambda GetAccountSettings.
LAMBDA_ACCOUNT_SETTINGS = "/2016-08-19/account-settings"
ANSWERED_BY = ("x-scribe-answered-by", "recording-proxy")


class _Handler(BaseHTTPRequestHandler):
    """Forwards one request to moto and hands the exchange to the proxy to record."""

    protocol_version = "HTTP/1.1"  # keep-alive: the provider's SDK reuses its connections
    timeout = 30  # an idle keep-alive connection is closed after this, freeing its thread
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the records are the log."""

    def _forward(self) -> None:
        proxy = self.server.proxy
        seq, phase, started = proxy._arrive()
        path, _, query = self.path.partition("?")
        headers = [(name, value) for name, value in self.headers.items()]
        raw = self._read_body()
        scope = credential_scope(first_header(headers, "authorization"), query)
        asked = Record(seq, started, phase, self.command, path, query, headers, Body.of(raw))
        fault = proxy.faults.decide(asked) if proxy.faults is not None else None
        proxy._arrived(asked)
        local: tuple[int, Headers, bytes, str | None] | None
        local = proxy._local_answer(self.command, path, scope)
        if fault is not None and not fault.drop:
            local = (fault.status, fault.headers, fault.body, None)
        elif fault is not None and not fault.forward:
            local = (0, [], b"", "never sent (injected)")
        status, response_headers, answer, error = local or proxy._upstream(
            self.command, self.path, headers, raw
        )
        record = Record(
            seq=seq,
            time=started,
            phase=phase,
            method=self.command,
            path=path,
            query=query,
            headers=headers,
            body=Body.of(raw, proxy.body_cap),
            status=status if error is None else 0,
            response_headers=response_headers,
            response_body=Body.of(answer, proxy.body_cap),
            access_key_id=scope.access_key_id if scope else None,
            duration=time.time() - started,
            error=error,
            fault=fault.note if fault is not None else None,
        )
        proxy._keep(record)
        if fault is not None and fault.drop:
            time.sleep(fault.hold_s)  # then the connection closes with no answer at all
            self.close_connection = True
        else:
            self._reply(status, response_headers, answer)
        proxy._answered(record)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _forward

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes:
        """HTTP/1.1 chunked request body, de-chunked (moto gets it with a Content-Length)."""
        parts: list[bytes] = []
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline()

    def _reply(self, status: int, headers: Headers, body: bytes) -> None:
        self.send_response_only(status)
        no_body = self.command == "HEAD" or status in (204, 304) or 100 <= status < 200
        for name, value in headers:
            lowered = name.lower()
            if lowered in HOP_BY_HOP and not (no_body and lowered == "content-length"):
                continue
            self.send_header(name, value)
        if not no_body:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not no_body:
            self.wfile.write(body)
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a stuck client connection never blocks shutdown
    request_queue_size = 128  # the provider opens many connections at once
    proxy: RecordingProxy

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, _Handler)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End the keep-alive connections still open, so that no handler thread outlives us."""
        with self._open_lock:
            open_now = list(self._open)
        for connection in open_now:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up is its own business: its request is recorded already."""


class RecordingProxy:
    """`with RecordingProxy(moto_url) as proxy:` point clients at proxy.url; read proxy.records.

    mark(phase) labels every request that arrives afterwards (e.g. "apply-dev"); dump(path)
    writes the records as JSON lines. Safe for concurrent requests.
    """

    def __init__(
        self,
        upstream: str,
        upstream_timeout: float = 120.0,
        body_cap: int = BODY_CAP,
        account_settings: Callable[[str], Mapping[str, Any]] | None = None,
        faults: FaultInjector | None = None,
    ) -> None:
        """account_settings(region): the Lambda GetAccountSettings answer moto cannot give;
        faults: the AWS failures to inject (module docstring)."""
        parsed = urllib.parse.urlsplit(upstream)
        if parsed.scheme != "http" or not parsed.hostname:
            raise ValueError(f"an http:// upstream is needed, got {upstream!r}")
        self.upstream = upstream
        self._host = parsed.hostname
        self._port = parsed.port or 80
        self.upstream_timeout = upstream_timeout
        self.body_cap = body_cap
        self.account_settings = account_settings
        self.faults = faults
        self._waiters: list[tuple[Callable[[Record], bool], threading.Event]] = []
        self._arrivals: list[tuple[Callable[[Record], bool], threading.Event]] = []
        self._lock = threading.Lock()
        self._records: list[Record] = []
        self._next_seq = 0
        self._phase: str | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # lifecycle

    def start(self) -> RecordingProxy:
        server = _Server(("127.0.0.1", 0))
        server.proxy = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> RecordingProxy:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the proxy is not running")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # records

    def mark(self, phase: str | None) -> None:
        """Label the requests that arrive from now on (None: no label)."""
        with self._lock:
            self._phase = phase

    @property
    def records(self) -> list[Record]:
        """A snapshot of the records so far, in arrival order."""
        with self._lock:
            return sorted(self._records, key=lambda record: record.seq)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def dump(self, path: Path) -> Path:
        """Write the records as JSON lines (`load` reads them back)."""
        path.write_text("".join(json.dumps(r.to_json()) + "\n" for r in self.records))
        return path

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)

    # called by the handler threads

    def _arrive(self) -> tuple[int, str | None, float]:
        with self._lock:
            seq = self._next_seq
            self._next_seq += 1
            return seq, self._phase, time.time()

    def _keep(self, record: Record) -> None:
        with self._lock:
            self._records.append(record)

    def _answered(self, record: Record) -> None:
        with self._lock:
            ready = [event for predicate, event in self._waiters if predicate(record)]
        for event in ready:
            event.set()

    def when(self, predicate: Callable[[Record], bool], arrived: bool = False) -> threading.Event:
        """An event set once a request matching predicate has been answered (or dropped), or
        (arrived) as soon as it arrives, before it is forwarded."""
        event = threading.Event()
        with self._lock:
            (self._arrivals if arrived else self._waiters).append((predicate, event))
        return event

    def _arrived(self, record: Record) -> None:
        with self._lock:
            ready = [event for predicate, event in self._arrivals if predicate(record)]
        for event in ready:
            event.set()

    def _local_answer(
        self, method: str, path: str, scope: Scope | None
    ) -> tuple[int, Headers, bytes, None] | None:
        """The emulator gap fill: Lambda GetAccountSettings, answered here (None: to moto)."""
        if self.account_settings is None or (method, path) != ("GET", LAMBDA_ACCOUNT_SETTINGS):
            return None
        region = scope.region if scope else "us-east-1"
        body = json.dumps(self.account_settings(region)).encode()
        return 200, [("Content-Type", "application/json"), ANSWERED_BY], body, None

    def _upstream(
        self, method: str, target: str, headers: Headers, body: bytes
    ) -> tuple[int, Headers, bytes, str | None]:
        """Send the request to moto as received; a failure becomes a 502 and the record's error."""
        connection = http.client.HTTPConnection(
            self._host, self._port, timeout=self.upstream_timeout
        )
        try:
            connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                if name.lower() not in HOP_BY_HOP:
                    connection.putheader(name, value)
            if body or method in ("POST", "PUT", "PATCH"):
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body or None)
            response = connection.getresponse()
            answer = response.read()
            return response.status, list(response.getheaders()), answer, None
        except (OSError, http.client.HTTPException) as failure:
            message = f"upstream {self.upstream} failed: {type(failure).__name__}: {failure}"
            return 502, [("Content-Type", "text/plain")], message.encode(), message
        finally:
            connection.close()
