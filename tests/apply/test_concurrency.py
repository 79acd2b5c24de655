"""Concurrency through the local gateway of an applied stack (IAM enforcement on), over loopback.

(a) 500 generated-key POSTs from 32 threads, a new connection each: 500 x 201, 500 distinct keys,
    every object holds its text.
(b) 50 create-only POSTs of one name released together by a barrier: every answer is 201 or 409
    already_exists, and the versions are exactly the 201s.
(c) overwrite=true 5 times keeps every earlier version: 6 versions, each with its text.

Why (b) has two parts. Real S3 decides PutObject with If-None-Match: * atomically. The moto server
does not: its put_object looks the key up, then stores, without a lock, so two concurrent
conditional PUTs may both succeed. Against moto directly, (b) therefore asserts what holds either
way (each winner is one version with its own text, every loser is already_exists, no version
without a 201) and reports how many writers won. The exact outcome, 1 x 201 and 49 x 409, is
asserted with a second gateway whose function reaches moto through a recording proxy that
serialises S3 requests (the atomicity S3 itself gives); its log proves that each of the 50 writes
was a single PutObject carrying If-None-Match: * (no check-then-write: no HEAD or GET of the key).
"""

from __future__ import annotations

import functools
import hashlib
import http.client
import json
import queue
import re
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import pytest

from scribe_local.client import signed_headers
from scribe_local.emulator.gateway import GatewayServer, load_gateway
from scribe_local.emulator.gateway.callers import Caller
from scribe_local.emulator.moto_server import REGION
from tests.apply.conftest import Stack, credentials

PLAIN = {"Content-Type": "text/plain; charset=utf-8"}
GENERATED = re.compile(r"incoming/\d{8}T\d{6}\.\d{6}Z-[0-9a-f]{16}\.txt")
REQUESTS, WORKERS = 500, 32
RACERS = 50
REQUEST_TIMEOUT_S = 60  # per request; the function itself times out at 28 s
BATCH_TIMEOUT_S = 240  # the whole batch: the test stops itself
T = TypeVar("T")


@dataclass(frozen=True)
class Answer:
    status: int
    document: Any


def exchange(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    body: bytes,
    caller: Caller | None = None,
) -> Answer:
    """One request on the connection, SigV4-signed with the caller's keys when given."""
    url = f"http://{connection.host}:{connection.port}{path}"
    headers = (
        signed_headers(credentials(caller), method, url, body, PLAIN, REGION) if caller else PLAIN
    )
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    return Answer(response.status, json.loads(response.read()))


def post(base_url: str, path: str, body: bytes, caller: Caller | None) -> Answer:
    """One signed POST on a new connection."""
    connection = http.client.HTTPConnection(
        urllib.parse.urlsplit(base_url).netloc, timeout=REQUEST_TIMEOUT_S
    )
    try:
        return exchange(connection, "POST", path, body, caller)
    finally:
        connection.close()


class Connections:
    """Keep-alive connections to the gateway, opened beforehand, one per client thread, so that
    requests released together leave together (no connect in between). Each is checked with a
    GET that the gateway answers itself (404) before it is used.
    """

    def __init__(self, base_url: str, count: int) -> None:
        netloc = urllib.parse.urlsplit(base_url).netloc
        self.opened: list[http.client.HTTPConnection] = []
        self.free: queue.SimpleQueue[http.client.HTTPConnection] = queue.SimpleQueue()
        self.local = threading.local()
        for _ in range(count):
            connection = http.client.HTTPConnection(netloc, timeout=REQUEST_TIMEOUT_S)
            self.opened.append(connection)
            assert exchange(connection, "GET", "/", b"").status == 404
            self.free.put(connection)

    def mine(self) -> http.client.HTTPConnection:
        """This thread's connection."""
        if not hasattr(self.local, "connection"):
            self.local.connection = self.free.get_nowait()
        connection: http.client.HTTPConnection = self.local.connection
        return connection

    def close(self) -> None:
        for connection in self.opened:
            connection.close()


def run_all(calls: list[Callable[[], T]], workers: int) -> list[T]:
    """Run calls on a bounded pool; fail (not hang) if the batch outlives BATCH_TIMEOUT_S."""
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        futures: list[Future[T]] = [pool.submit(call) for call in calls]
        _, pending = wait(futures, timeout=BATCH_TIMEOUT_S)
        assert not pending, f"{len(pending)} of {len(calls)} calls still running"
        return [future.result() for future in futures]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def object_versions(stack: Stack, key: str) -> list[dict[str, Any]]:
    found = stack.s3.list_object_versions(Bucket=stack.outputs["bucket_name"], Prefix=key)
    return [v for v in found.get("Versions", []) if v["Key"] == key]


def version_text(stack: Stack, key: str, version_id: str) -> bytes:
    bucket = stack.outputs["bucket_name"]
    data: bytes = stack.s3.get_object(Bucket=bucket, Key=key, VersionId=version_id)["Body"].read()
    return data


def test_500_concurrent_generated_key_posts(stack: Stack) -> None:
    texts = [f"concurrent text {i} {uuid.uuid4()}\n".encode() for i in range(REQUESTS)]
    started = time.perf_counter()
    answers = run_all(
        [functools.partial(post, stack.url, "/", text, stack.caller) for text in texts], WORKERS
    )
    wall = time.perf_counter() - started

    statuses = Counter(a.status for a in answers)
    assert statuses == {201: REQUESTS}, statuses
    keys = [a.document["key"] for a in answers]
    assert len(set(keys)) == REQUESTS
    assert all(GENERATED.fullmatch(k) for k in keys)
    for answer, text in zip(answers, texts, strict=True):
        assert answer.document["size"] == len(text)
        assert answer.document["sha256"] == hashlib.sha256(text).hexdigest()

    bucket = stack.outputs["bucket_name"]

    def read(key: str) -> bytes:
        data: bytes = stack.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        return data

    assert run_all([functools.partial(read, key) for key in keys], 16) == texts
    assert len({a.document["version_id"] for a in answers}) == REQUESTS
    print(
        f"\n(a) {REQUESTS} POSTs, {WORKERS} threads: {wall:.1f} s, {REQUESTS / wall:.0f} req/s, "
        f"statuses {dict(statuses)}"
    )


def race(base_url: str, path: str, caller: Caller | None) -> tuple[list[Answer], list[bytes]]:
    """RACERS create-only POSTs of one name, each on its own open connection, released together."""
    barrier = threading.Barrier(RACERS, timeout=30)
    texts = [f"racer {i} {uuid.uuid4()}".encode() for i in range(RACERS)]
    connections = Connections(base_url, RACERS)

    def racer(text: bytes) -> Answer:
        connection = connections.mine()
        barrier.wait()
        return exchange(connection, "POST", path, text, caller)

    try:
        return run_all([functools.partial(racer, t) for t in texts], RACERS), texts
    finally:
        connections.close()


def test_50_way_race_on_one_name_against_moto(stack: Stack) -> None:
    """What holds whatever moto's (non-atomic) conditional PUT does; the winners are reported."""
    answers, texts = race(stack.url, "/race/direct.txt", stack.caller)
    key = "incoming/race/direct.txt"
    winners = [(a, t) for a, t in zip(answers, texts, strict=True) if a.status == 201]
    losers = [a for a in answers if a.status != 201]
    assert winners
    assert all(a.status == 409 and a.document["error"] == "already_exists" for a in losers)
    found = object_versions(stack, key)
    assert sorted(v["VersionId"] for v in found) == sorted(
        a.document["version_id"] for a, _ in winners
    )
    for answer, text in winners:  # every winner's version holds its own text
        assert version_text(stack, key, answer.document["version_id"]) == text
    print(f"\n(b) moto direct: {len(winners)} x 201, {len(losers)} x 409, {len(found)} version(s)")


class RecordingProxy(ThreadingHTTPServer):
    """HTTP proxy to moto that logs every request and forwards one at a time."""

    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.upstream = urllib.parse.urlsplit(upstream).netloc
        self.lock = threading.Lock()
        self.log: list[tuple[str, str, dict[str, str]]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # answers Expect: 100-continue itself
    server: RecordingProxy

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        # Host stays the proxy's (it is signed); Expect is not signed and was answered here
        headers = {k: v for k, v in self.headers.items() if k.lower() != "expect"}
        with self.server.lock:
            self.server.log.append(
                (self.command, self.path, {k.lower(): v for k, v in headers.items()})
            )
            upstream = http.client.HTTPConnection(self.server.upstream, timeout=30)
            try:
                upstream.request(self.command, self.path, body=body, headers=headers)
                response = upstream.getresponse()
                data = response.read()
            finally:
                upstream.close()
        self.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _forward

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def serialised_gateway(
    stack: Stack, package_zip: Path, tmp_path: Path
) -> Iterator[tuple[str, RecordingProxy]]:
    """A second gateway on the same API whose function reaches moto through RecordingProxy."""
    proxy = RecordingProxy(stack.moto.url)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    api_id = stack.outputs["api_id"]
    with stack.enforcement_paused():
        assert stack.caller is not None
        accepted = {stack.caller.access_key_id: stack.caller}
        gateway = load_gateway(proxy.url, api_id, package_zip, tmp_path / "function.log", accepted)
    server = GatewayServer(gateway)
    server.start_in_thread()
    try:
        yield server.url, proxy
    finally:
        server.close()
        proxy.shutdown()
        proxy.server_close()


def test_50_way_race_on_one_name_has_one_winner_when_s3_is_atomic(
    stack: Stack, serialised_gateway: tuple[str, RecordingProxy]
) -> None:
    url, proxy = serialised_gateway
    proxy.log.clear()
    answers, texts = race(url, "/race/atomic.txt", stack.caller)
    key = "incoming/race/atomic.txt"
    statuses = Counter(a.status for a in answers)
    assert statuses == {201: 1, 409: RACERS - 1}, statuses
    assert all(a.document["error"] == "already_exists" for a in answers if a.status == 409)
    [winner] = [(a, t) for a, t in zip(answers, texts, strict=True) if a.status == 201]
    [version] = object_versions(stack, key)
    assert version["VersionId"] == winner[0].document["version_id"]
    assert version_text(stack, key, version["VersionId"]) == winner[1]

    bucket = stack.outputs["bucket_name"]
    on_key = [(m, h) for m, path, h in proxy.log if path.split("?")[0] == f"/{bucket}/{key}"]
    assert len(on_key) == RACERS  # one request per writer: no HEAD/GET before the write
    assert all(method == "PUT" and h.get("if-none-match") == "*" for method, h in on_key)
    print(
        f"\n(b) atomic S3: {dict(statuses)}, 1 version, {len(on_key)} PutObject "
        "all with If-None-Match: *"
    )


def test_overwrite_five_times_keeps_every_version(stack: Stack) -> None:
    key = "incoming/overwrite/doc.txt"
    texts = [f"version {i}".encode() for i in range(6)]
    created = [post(stack.url, "/overwrite/doc.txt", texts[0], stack.caller)]
    created += [
        post(stack.url, "/overwrite/doc.txt?overwrite=true", t, stack.caller) for t in texts[1:]
    ]
    assert [a.status for a in created] == [201] * 6
    ids = [a.document["version_id"] for a in created]
    assert len(set(ids)) == 6
    found = object_versions(stack, key)
    assert sorted(v["VersionId"] for v in found) == sorted(ids)
    assert [v["VersionId"] for v in found if v["IsLatest"]] == [ids[-1]]
    for version_id, text in zip(ids, texts, strict=True):
        assert version_text(stack, key, version_id) == text
    print(f"\n(c) 1 create + 5 overwrites: {len(found)} versions, each with its text")


def test_gateway_listen_backlog_takes_a_burst_of_clients(stack: Stack) -> None:
    """With socketserver's default backlog of 5, 32 clients connecting at once overflowed the
    accept queue (ListenOverflows) and a connection was reset mid-request in test (a)."""
    assert stack.gateway is not None
    assert stack.gateway.request_queue_size >= max(WORKERS, RACERS)
