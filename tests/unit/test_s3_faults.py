"""S3 faults under the handler's own client: the answer, bounded attempts and time, nothing stored.

A FaultyS3 hook stands in for S3 on the handler's client: moto's before-send hook is taken off that
client and FaultyS3 answers each PutObject attempt with the next fault of its plan (an S3 error
document with its status, or a raised timeout), handing the others to moto. An injected fault
therefore never also reaches moto, and botocore's retry loop (standard mode, total_max_attempts
3) runs for real over the attempts; its backoff delays are recorded instead of slept, except in
the black-hole test, which uses real sockets and real timers.

test_core.py and test_apigw.py already cover the error mapping (Stubber, no retries) and the
retries of an unreachable endpoint in core; this file adds, through the handler: attempts per fault,
the backoff, the time budget against the 28 s function timeout, the log line of each failure, that
every retry keeps If-None-Match: *, recovery after transient faults, and how a create-only
conflict found by a retry is answered.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
import types
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import boto3
import botocore.endpoint
import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError
from botocore.retries.standard import ExponentialBackoff
from moto.core.models import botocore_stubber

from scribe import apigw
from tests.unit.conftest import BUCKET, PREFIX, all_keys, event, invoke, stored, versions

FUNCTION_TIMEOUT_S = 28  # writer.timeout default (README, Root inputs)
SECRET = "secret body text that must never be logged"
LOG_FIELDS = {"request_id", "route", "status", "key", "bytes", "duration_ms", "error", "exception"}
# botocore standard mode: delay_i = rand * min(base * 2**(i-1), cap). The locked botocore: base
# 1 s for throttling errors (0.05 s otherwise), and an x-amz-retry-after header may raise it by up
# to 5 s. The Lambda runtimes' botocore (1.38.36, `make unit-runtime`): base 1 s for every error,
# and x-amz-retry-after is not read.
READS_RETRY_AFTER = hasattr(ExponentialBackoff, "_DEFAULT_BACKOFF_CONFIG")
if READS_RETRY_AFTER:
    THROTTLING_BASE_S = ExponentialBackoff._DEFAULT_BACKOFF_CONFIG["throttling_base_scale"]
    OTHER_BASE_S = ExponentialBackoff._DEFAULT_BACKOFF_CONFIG["non_throttling_base_scale"]
    RETRY_AFTER_EXTRA_S = ExponentialBackoff._RETRY_AFTER_MAX_ADDITIONAL
else:
    THROTTLING_BASE_S = OTHER_BASE_S = 1.0
    RETRY_AFTER_EXTRA_S = 0
MAX_BACKOFF_S = ExponentialBackoff._MAX_BACKOFF
# botocore sends PutObject with Expect: 100-continue and waits up to 1 s for the interim answer
# before it sends the body (AWSConnection._send_output), so an attempt can take that long too
EXPECT_WAIT_S = 1

Fault = Callable[[Any], AWSResponse]
RETRIED = "already_exists_after_retry"


class Body:
    """The raw stream of an injected response."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


def s3_error(code: str, status: int, retry_after_ms: int | None = None) -> Fault:
    """S3's answer with an error document (and, optionally, an x-amz-retry-after header)."""

    def answer(request: Any) -> AWSResponse:
        headers = HTTPHeaders()
        headers["Content-Type"] = "application/xml"
        headers["x-amz-request-id"] = "INJECTED"
        if retry_after_ms is not None:
            headers["x-amz-retry-after"] = str(retry_after_ms)
        document = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f"<Error><Code>{code}</Code><Message>injected</Message>"
            "<RequestId>INJECTED</RequestId></Error>"
        )
        return AWSResponse(request.url, status, headers, Body(document.encode()))

    return answer


def raised(error: Callable[..., Exception]) -> Fault:
    def answer(request: Any) -> AWSResponse:
        raise error(endpoint_url=request.url)

    return answer


def lost_response(request: Any) -> AWSResponse:
    """S3 stores the object, then the answer is lost: the client sees a read timeout."""
    botocore_stubber(event_name="before-send.s3.PutObject", request=request)
    raise ReadTimeoutError(endpoint_url=request.url)


class FaultyS3:
    """Stands in for S3 on one client: each attempt of one operation (PutObject unless told)
    gets the next fault of the plan."""

    def __init__(self, client: Any, plan: list[Fault | None], operation: str = "PutObject") -> None:
        self.plan, self.operation = plan, operation
        self.attempts: list[dict[str, str]] = []  # the headers of each attempt
        client.meta.events.unregister("before-send", botocore_stubber)
        client.meta.events.register("before-send", self)

    def __call__(self, event_name: str, request: Any, **_: Any) -> AWSResponse | None:
        if event_name.endswith(f".{self.operation}"):
            headers = {
                k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()
            }
            self.attempts.append(headers)
            index = len(self.attempts) - 1
            fault = self.plan[index] if index < len(self.plan) else None
            if fault is not None:
                return fault(request)
        response: AWSResponse | None = botocore_stubber(event_name=event_name, request=request)
        return response


@pytest.fixture
def backoff(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The delays botocore's retry loop asks for, recorded instead of slept."""
    delays: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=delays.append))
    return delays


def client_config() -> tuple[int, float, float]:
    config = apigw.client().meta.config
    assert config.retries["mode"] == "standard"
    return config.retries["total_max_attempts"], config.connect_timeout, config.read_timeout


def worst_case_s(retry_after: bool = False) -> float:
    """Every attempt waits its full connect timeout, 100-continue wait and read timeout, and
    every backoff is the largest (base 1 s, the throttling one, bounds every error's)."""
    attempts, connect, read = client_config()
    extra = RETRY_AFTER_EXTRA_S if retry_after else 0
    backoff = sum(
        min(THROTTLING_BASE_S * 2 ** (i - 1), MAX_BACKOFF_S) + extra for i in range(1, attempts)
    )
    return float(attempts * (connect + EXPECT_WAIT_S + read) + backoff)


def one_log_line(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    out = capsys.readouterr().out
    assert SECRET not in out
    lines = out.splitlines()
    assert len(lines) == 1, lines
    record: dict[str, Any] = json.loads(lines[0])
    return record


FAULTS = {
    # fault: (what every attempt gets, status, error, attempts, backoff base)
    "SlowDown 503": (s3_error("SlowDown", 503), 503, "storage_throttled", 3, THROTTLING_BASE_S),
    "InternalError 500": (s3_error("InternalError", 500), 502, "storage_error", 3, OTHER_BASE_S),
    # S3's 503 ServiceUnavailable means "reduce your request rate": core maps every 503 to
    # storage_throttled (503 + Retry-After), as test_core.py::test_storage_error_mapping pins
    "ServiceUnavailable 503": (
        s3_error("ServiceUnavailable", 503),
        503,
        "storage_throttled",
        3,
        OTHER_BASE_S,
    ),
    "AccessDenied 403": (s3_error("AccessDenied", 403), 502, "storage_error", 1, 0.0),
    "connect timeout": (raised(ConnectTimeoutError), 502, "storage_error", 3, OTHER_BASE_S),
    "read timeout": (raised(ReadTimeoutError), 502, "storage_error", 3, OTHER_BASE_S),
}
CAUSES = {
    "SlowDown 503": "ClientError SlowDown 503",
    "InternalError 500": "ClientError InternalError 500",
    "ServiceUnavailable 503": "ClientError ServiceUnavailable 503",
    "AccessDenied 403": "ClientError AccessDenied 403",
    "connect timeout": "ConnectTimeoutError",
    "read timeout": "ReadTimeoutError",
}


@pytest.mark.parametrize("fault_name", list(FAULTS))
def test_fault_answer_attempts_backoff_log_and_nothing_stored(
    s3: Any, backoff: list[float], capsys: pytest.CaptureFixture[str], fault_name: str
) -> None:
    fault, status, code, attempts, base = FAULTS[fault_name]
    fake = FaultyS3(apigw.client(), [fault] * 10)
    started = time.perf_counter()
    reply = invoke(event(SECRET, name="fault.txt"))
    elapsed = time.perf_counter() - started

    assert reply.status == status, reply.body
    assert reply.body == {"error": code, "message": reply.body["message"], "request_id": "req-1"}
    if status == 503:
        assert reply.headers["Retry-After"] == "1"
    else:
        assert "Retry-After" not in reply.headers
    assert len(fake.attempts) == attempts
    assert all(a.get("If-None-Match") == "*" for a in fake.attempts)
    assert all(a.get("Expect") == "100-continue" for a in fake.attempts)
    assert len(backoff) == attempts - 1
    for i, delay in enumerate(backoff, start=1):
        assert 0 <= delay <= min(base * 2 ** (i - 1), MAX_BACKOFF_S), backoff
    assert elapsed < 2  # nothing slept, nothing waited on a socket
    assert all_keys(s3) == []
    record = one_log_line(capsys)
    assert set(record) == LOG_FIELDS
    assert record["request_id"] == "req-1"
    assert (record["status"], record["error"], record["key"], record["bytes"]) == (
        status,
        code,
        None,
        None,
    )
    assert record["exception"] == CAUSES[fault_name]
    print(f"\n{fault_name}: {status} {code}, {attempts} attempt(s), backoff {backoff}")


def test_worst_case_with_real_backoff_fits_the_function_timeout(s3: Any) -> None:
    """3 attempts x (1 s connect + 1 s 100-continue wait + 2 s read) + (1 + 2) s of backoff
    = 15 s < 28 s (12 s without the 100-continue wait)."""
    attempts, connect, read = client_config()
    assert (attempts, connect, read) == (3, 1, 2)
    worst = worst_case_s()
    print(f"\nworst case: {worst} s (function timeout {FUNCTION_TIMEOUT_S} s)")
    assert worst == 15
    assert worst < FUNCTION_TIMEOUT_S


class BlackHole:
    """A TCP server that accepts connections, reads requests and never answers."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.1)
        self.connections: list[socket.socket] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.getsockname()[1]}"

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            self.connections.append(connection)

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(5)
        for connection in self.connections:
            connection.close()
        self.server.close()


def test_unresponsive_s3_with_real_timers_answers_502_within_the_budget(
    s3: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Real sockets and sleeps: 3 attempts of 1 s + 2 s, then 502, inside the worst case."""
    hole = BlackHole()
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL", hole.url)
        apigw.reset()
        started = time.perf_counter()
        reply = invoke(event(SECRET, name="hole.txt"))
        elapsed = time.perf_counter() - started
        connections = len(hole.connections)
    finally:
        hole.close()
        apigw.reset()
    record = one_log_line(capsys)
    attempts, _, read = client_config()
    print(f"\nblack hole: {reply.status} after {elapsed:.2f} s, {connections} connections")
    assert reply.status == 502
    assert reply.body["error"] == "storage_error"
    assert connections == attempts
    # each attempt: the 1 s wait for 100 Continue, then the 2 s read timeout
    assert attempts * (EXPECT_WAIT_S + read) <= elapsed < worst_case_s()
    assert all_keys(s3) == []
    assert (record["status"], record["exception"]) == (502, "ReadTimeoutError")


@pytest.mark.parametrize(
    ("plan", "attempts"),
    [
        ([s3_error("SlowDown", 503)], 2),
        ([s3_error("InternalError", 500), s3_error("InternalError", 500)], 3),
        ([raised(ConnectTimeoutError)], 2),
        ([raised(ReadTimeoutError), s3_error("ServiceUnavailable", 503)], 3),
    ],
    ids=["slowdown", "two-500s", "connect-timeout", "read-timeout-then-503"],
)
def test_transient_faults_then_success_store_one_version(
    s3: Any, backoff: list[float], plan: list[Fault | None], attempts: int
) -> None:
    fake = FaultyS3(apigw.client(), plan)
    reply = invoke(event("recovered", name="recovered.txt"))
    assert reply.status == 201, reply.body
    assert len(fake.attempts) == attempts
    assert all(a.get("If-None-Match") == "*" for a in fake.attempts)
    assert stored(s3, PREFIX + "recovered.txt") == b"recovered"
    found = versions(s3, PREFIX + "recovered.txt")
    assert [v["VersionId"] for v in found] == [reply.body["version_id"]]


@pytest.mark.skipif(not READS_RETRY_AFTER, reason="this botocore does not read x-amz-retry-after")
def test_backoff_honours_x_amz_retry_after(s3: Any, backoff: list[float]) -> None:
    """botocore raises a delay to S3's x-amz-retry-after (ms), by at most 5 s over its own."""
    FaultyS3(apigw.client(), [s3_error("SlowDown", 503, retry_after_ms=60_000)] * 3)
    reply = invoke(event("x", name="retry-after.txt"))
    assert reply.status == 503
    assert len(backoff) == 2
    for i, delay in enumerate(backoff, start=1):
        assert (
            RETRY_AFTER_EXTRA_S <= delay <= THROTTLING_BASE_S * 2 ** (i - 1) + RETRY_AFTER_EXTRA_S
        )


def test_worst_case_with_retry_after_fits_the_function_timeout(s3: Any) -> None:
    """Even when the last attempt ends in a conflict after every wait, and the lookup of the
    latest version then waits its full single attempt (1 s connect + 1 s read, no body sent):
    25 s + 2 s < 28 s."""
    worst = worst_case_s(retry_after=True)
    config = apigw.lookup_client().meta.config
    assert config.retries["total_max_attempts"] == 1
    lookup = config.connect_timeout + config.read_timeout
    print(f"\nworst case with x-amz-retry-after: {worst} s, and a lookup: {worst + lookup} s")
    # 3 attempts of 1+1+2 s and backoffs of at most 1 and 2 s, each +5 s with x-amz-retry-after
    assert (worst, lookup) == (25 if READS_RETRY_AFTER else 15, 2)
    assert worst + lookup < FUNCTION_TIMEOUT_S


def another_writer_then(fault: Fault, text: bytes = b"theirs") -> Fault:
    """Another writer creates the name first, then this attempt gets the fault (nothing stored)."""

    def answer(request: Any) -> AWSResponse:
        boto3.client("s3", region_name="us-east-1").put_object(
            Bucket=BUCKET, Key=PREFIX + "taken.txt", Body=text
        )
        return fault(request)

    return answer


def kms_etag(parsed: dict[str, Any], **_: Any) -> None:
    """The listing as SSE-KMS gives it: the ETag is not the MD5 of the text (moto's always is)."""
    for version in parsed.get("Versions", []):
        version["ETag"] = '"0123456789abcdef0123456789abcdef"'


class Sent:
    """The operations each client sent (every attempt), after the faults are in place."""

    def __init__(self) -> None:
        self.puts: list[str] = []
        self.lookups: list[str] = []
        apigw.client().meta.events.register("before-send.s3", self.on(self.puts))
        apigw.lookup_client().meta.events.register("before-send.s3", self.on(self.lookups))

    @staticmethod
    def on(calls: list[str]) -> Callable[..., None]:
        return lambda event_name, **_: calls.append(event_name.rsplit(".", 1)[1])


SAME_TEXT: dict[str, list[Fault | None]] = {
    # scenario: the plan of the PutObject attempts
    "own attempt stored, answer lost": [lost_response],
    "another writer stored the same text between attempts": [
        another_writer_then(s3_error("SlowDown", 503), b"mine")
    ],
}


@pytest.mark.parametrize("scenario", list(SAME_TEXT))
def test_retry_that_finds_its_own_text_answers_201_with_the_one_stored_version(
    s3: Any, backoff: list[float], capsys: pytest.CaptureFixture[str], scenario: str
) -> None:
    """The retry's 412, then one ListObjectVersions(Prefix=key, MaxKeys=1) on the lookup client:
    the latest version of the key has the MD5 of this text as its ETag and its size, so the answer
    is the 201 a first attempt would have given, with that version's id. No read, no second
    version. (When another writer stored the very same text between the attempts, the answer is
    201 too: the name holds exactly this text, and nothing tells the two apart.)"""
    fake = FaultyS3(apigw.client(), SAME_TEXT[scenario])
    sent = Sent()

    reply = invoke(event("mine", name="taken.txt"))

    assert reply.status == 201, reply.body
    found = versions(s3, PREFIX + "taken.txt")
    assert [v["VersionId"] for v in found] == [reply.body["version_id"]]
    assert reply.body == {
        "bucket": BUCKET,
        "key": PREFIX + "taken.txt",
        "version_id": found[0]["VersionId"],
        "size": 4,
        "sha256": hashlib.sha256(b"mine").hexdigest(),
    }
    assert reply.headers["Location"] == f"s3://{BUCKET}/{PREFIX}taken.txt"
    assert stored(s3, PREFIX + "taken.txt") == b"mine"
    assert len(fake.attempts) == 2
    assert all(a.get("If-None-Match") == "*" and "If-Match" not in a for a in fake.attempts)
    assert (sent.puts, sent.lookups) == (["PutObject"] * 2, ["ListObjectVersions"])
    record = one_log_line(capsys)
    assert (record["status"], record["error"], record["key"]) == (201, None, PREFIX + "taken.txt")


def test_the_lookup_asks_for_one_entry_under_the_key(s3: Any, backoff: list[float]) -> None:
    """What the function role's policy allows (s3:prefix = the key, s3:max-keys <= 1), and no
    more: the request carries prefix=<key> and max-keys=1."""
    FaultyS3(apigw.client(), [lost_response])
    urls: list[str] = []
    apigw.lookup_client().meta.events.register(
        "before-send.s3.ListObjectVersions", lambda request, **_: urls.append(request.url)
    )
    assert invoke(event("mine", name="notes/taken.txt")).status == 201
    [url] = urls
    query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    # encoding-type=url: botocore asks for encoded keys in the answer and decodes them itself
    assert query == {
        "versions": "",
        "prefix": PREFIX + "notes/taken.txt",
        "max-keys": "1",
        "encoding-type": "url",
    }


def lookup_fault(fault: Fault) -> Callable[[], None]:
    def arrange() -> None:
        FaultyS3(apigw.lookup_client(), [fault] * 3, operation="ListObjectVersions")

    return arrange


def kms_listing() -> None:
    apigw.lookup_client().meta.events.register("after-call.s3.ListObjectVersions", kms_etag)


Arrange = Callable[[], None]
CONFLICTS: dict[str, tuple[bytes | None, list[Fault | None], Arrange | None, int, str, bytes]] = {
    # scenario: (stored before, PutObject plan, lookup arrangement, lookups, error, stored after)
    "first attempt finds it taken": (b"theirs", [], None, 0, "already_exists", b"theirs"),
    "another writer between attempts": (
        None,
        [another_writer_then(s3_error("SlowDown", 503))],
        None,
        1,
        RETRIED,
        b"theirs",
    ),
    "own text stored, lookup denied": (
        None,
        [lost_response],
        lookup_fault(s3_error("AccessDenied", 403)),
        1,
        RETRIED,
        b"mine",
    ),
    "own text stored, lookup times out": (
        None,
        [lost_response],
        lookup_fault(raised(ReadTimeoutError)),
        1,
        RETRIED,
        b"mine",
    ),
    "own text stored, SSE-KMS ETag": (None, [lost_response], kms_listing, 1, RETRIED, b"mine"),
}


@pytest.mark.parametrize("scenario", list(CONFLICTS))
def test_conflict_not_shown_to_be_this_text_answers_409(
    s3: Any, backoff: list[float], capsys: pytest.CaptureFixture[str], scenario: str
) -> None:
    """409 already_exists on a first attempt (no lookup); 409 already_exists_after_retry when a
    retry's conflict cannot be shown to be this text: another writer's text, a listing that fails
    (denied, or its single attempt times out: no retry), or an ETag that is not the MD5 (SSE-KMS).
    One version stays stored, and the function never reads it."""
    before, plan, arrange, lookups, code, after = CONFLICTS[scenario]
    if before is not None:
        s3.put_object(Bucket=BUCKET, Key=PREFIX + "taken.txt", Body=before)
    fake = FaultyS3(apigw.client(), plan)
    if arrange is not None:
        arrange()
    sent = Sent()

    reply = invoke(event("mine", name="taken.txt"))

    assert (reply.status, reply.body["error"]) == (409, code), reply.body
    assert len(fake.attempts) == len(plan) + 1
    assert sent.puts == ["PutObject"] * (len(plan) + 1)
    assert sent.lookups == ["ListObjectVersions"] * lookups
    assert all(a.get("If-None-Match") == "*" and "If-Match" not in a for a in fake.attempts)
    assert stored(s3, PREFIX + "taken.txt") == after
    assert len(versions(s3, PREFIX + "taken.txt")) == 1
    record = one_log_line(capsys)
    assert (record["status"], record["error"], record["key"]) == (409, code, None)
