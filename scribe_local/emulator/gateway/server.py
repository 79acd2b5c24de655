"""Raw HTTP for the gateway: a threading server on loopback, request bodies (Content-Length or
chunked, within the payload limit) and responses."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from scribe_local.emulator.gateway.callers import Caller
from scribe_local.emulator.gateway.errors import BadRequest, GatewayError, PayloadTooLarge
from scribe_local.emulator.gateway.gateway import Gateway, load_gateway
from scribe_local.emulator.gateway.payload import MAX_PAYLOAD_BYTES, Response, error_response


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: GatewayServer

    def __getattr__(self, name: str) -> Callable[[], None]:
        # http.server looks up do_<METHOD> and answers 501 when it is missing: every method
        # reaches the gateway instead, and a method without a route gets API Gateway's 404.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except GatewayError as refused:
            self._send(error_response(refused))
            self.close_connection = True
            return
        # The target as sent: self.path has a leading "//" folded into "/" by http.server.
        words = self.requestline.split(" ")
        target = words[1] if len(words) == 3 else self.path
        response = self.server.gateway.handle(
            self.command, target, list(self.headers.items()), body, self.client_address[0]
        )
        self._send(response)

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            return self._read_chunked()
        declared = self.headers.get("content-length") or "0"
        if not declared.isdigit():
            raise BadRequest
        if int(declared) > MAX_PAYLOAD_BYTES:
            raise PayloadTooLarge
        return self.rfile.read(int(declared))

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            size_field = self.rfile.readline(1024).split(b";")[0].strip()
            try:
                size = int(size_field, 16)
            except ValueError:
                raise BadRequest from None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            if sum(map(len, chunks)) + size > MAX_PAYLOAD_BYTES:
                raise PayloadTooLarge
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)  # the CRLF after the chunk

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            if name not in ("content-length", "connection"):
                self.send_header(name, value)
        self.send_header("content-length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # API Gateway's access logs are not emulated; the function logs its own line


class GatewayServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # listen backlog; the default 5 resets bursts of concurrent clients

    def __init__(self, gateway: Gateway, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.gateway = gateway
        bound = self.server_address[1]
        gateway.hosts |= {f"127.0.0.1:{bound}", f"localhost:{bound}"}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="scribe-gateway", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        self.shutdown()
        self.server_close()
        self.gateway.close()


@contextlib.contextmanager
def serving(
    endpoint_url: str,
    api_id: str,
    zip_path: Path,
    log_path: Path,
    callers: dict[str, Caller] | None = None,
) -> Iterator[GatewayServer]:
    """The gateway for a deployed API, served from a thread of this process while in the block
    (the tests and the bench; `make up` runs it as a process: __main__.py)."""
    server = GatewayServer(load_gateway(endpoint_url, api_id, zip_path, log_path, callers))
    server.start_in_thread()
    try:
        yield server
    finally:
        server.close()
