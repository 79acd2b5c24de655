"""The core on its own: names, keys, query, media types, bodies, the S3 write and its errors."""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from moto.s3.responses import S3Response

from scribe import core
from tests.unit.conftest import BUCKET, PREFIX, versions

KEY_FORMAT = re.compile(r"incoming/(\d{8}T\d{6}\.\d{6}Z)-[0-9a-f]{16}\.txt")


def raise_on_put(s3_client: Any, error: Exception) -> None:
    """Make every PutObject of s3_client fail with error before anything is sent."""

    def fail(**_: Any) -> None:
        raise error

    s3_client.meta.events.register("before-call.s3.PutObject", fail)


def if_none_match(request: Any) -> str | None:
    """The If-None-Match header of a botocore AWSPreparedRequest (its values may be bytes)."""
    value = request.headers.get("If-None-Match")
    return value.decode() if isinstance(value, bytes) else value


def client_error(code: str, status: int, retries: int = 0) -> ClientError:
    response: Any = {"Error": {"Code": code, "Message": "m"}}
    response["ResponseMetadata"] = {"HTTPStatusCode": status, "RetryAttempts": retries}
    return ClientError(response, "PutObject")


# names


@pytest.mark.parametrize(
    "name",
    [
        "a",
        "hello.txt",
        "notes/first.txt",
        "a/b/c/d.e",
        "A-Z_a-z.0-9",
        "...",
        ".hidden",
        "-",
        "x" * 255,
        "/".join(["abc"] * 64)[:255],
    ],
)
def test_valid_names(name: str) -> None:
    assert core.check_name(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        ".",
        "..",
        "a/../b",
        "../a",
        "a/..",
        "a/./b",
        "a//b",
        "a/",
        "/a",
        "/",
        "bad name",
        "bad%20name",
        "caf\u00e9",
        "\u00fc.txt",
        "a\nb",
        "a\n",
        "a\x00",
        "a\\b",
        "a:b",
        "a+b",
        "x" * 256,
        "\ud800",
    ],
)
def test_invalid_names(name: str) -> None:
    with pytest.raises(core.ScribeError) as raised:
        core.check_name(name)
    assert (raised.value.status, raised.value.code) == (400, "invalid_name")


# generated keys


def test_generated_key_format_and_time() -> None:
    before = datetime.now(UTC)
    key = core.generated_key(PREFIX)
    after = datetime.now(UTC)
    match = KEY_FORMAT.fullmatch(key)
    assert match, key
    stamp = datetime.strptime(match.group(1), "%Y%m%dT%H%M%S.%fZ").replace(tzinfo=UTC)
    assert before - timedelta(microseconds=1) <= stamp <= after


def test_generated_keys_sort_in_time_order_and_are_unique() -> None:
    keys = []
    for _ in range(50):
        keys.append(core.generated_key(""))
        # one microsecond apart at least, so the time decides the order, not the random part
        start = datetime.now(UTC)
        while datetime.now(UTC) == start:
            pass
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    assert all(k.endswith(".txt") and not k.startswith("/") for k in keys)


# query


@pytest.mark.parametrize(
    ("query", "expected"),
    [([], False), ([("overwrite", "false")], False), ([("overwrite", "true")], True)],
)
def test_overwrite_query(query: list[tuple[str, str]], expected: bool) -> None:
    assert core.overwrite(query) is expected


@pytest.mark.parametrize(
    "query",
    [
        [("overwrite", "TRUE")],
        [("overwrite", "1")],
        [("overwrite", "")],
        [("overwrite", "yes")],
        [("x", "1")],
        [("overwrite", "true"), ("overwrite", "true")],
        [("overwrite", "true"), ("x", "1")],
    ],
)
def test_invalid_query(query: list[tuple[str, str]]) -> None:
    with pytest.raises(core.ScribeError) as raised:
        core.overwrite(query)
    assert (raised.value.status, raised.value.code) == (400, "invalid_query")


# media types


@pytest.mark.parametrize(
    ("content_type", "media"),
    [
        ("text/plain", "text/plain"),
        ("text/plain; charset=utf-8", "text/plain"),
        ("TEXT/PLAIN; Charset=UTF-8", "text/plain"),
        ("text/plain;charset=utf-8", "text/plain"),
        ("application/json", "application/json"),
        ("application/json; charset=utf-8", "application/json"),
    ],
)
def test_media_types(content_type: str, media: str) -> None:
    assert core.media_type(content_type) == media


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "",
        "text/plain; charset=iso-8859-1",
        "text/plain; charset=utf-16",
        "text/plain; format=flowed",
        "text/plain; charset=utf-8; format=flowed",
        "text/html",
        "application/xml",
        "application/octet-stream",
        "multipart/form-data; boundary=x",
    ],
)
def test_unsupported_media_types(content_type: str | None) -> None:
    with pytest.raises(core.ScribeError) as raised:
        core.media_type(content_type)
    assert (raised.value.status, raised.value.code) == (415, "unsupported_media_type")


# bodies


@pytest.mark.parametrize(
    ("media", "raw", "text"),
    [
        ("text/plain", b"hello", b"hello"),
        ("text/plain", "h\u00e9llo \u2603\n".encode(), "h\u00e9llo \u2603\n".encode()),
        ("application/json", b'{"text": "hi"}', b"hi"),
        ("application/json", b'{"text": "\\u00e9"}', "\u00e9".encode()),
    ],
)
def test_text_bytes(media: str, raw: bytes, text: bytes) -> None:
    assert core.text_bytes(media, raw) == text


@pytest.mark.parametrize(
    ("media", "raw", "code"),
    [
        ("text/plain", b"", "empty_body"),
        ("application/json", b"", "empty_body"),
        ("application/json", b'{"text": ""}', "empty_body"),
        ("text/plain", b"\xff\xfe", "invalid_utf8"),
        ("text/plain", b"ok \xc3", "invalid_utf8"),
        ("application/json", b'{"text": "\xff"}', "invalid_utf8"),
        ("application/json", b'{"text": "\\ud800"}', "invalid_utf8"),
        ("text/plain", b"a\x00b", "nul_in_text"),
        ("text/plain", b"\x00", "nul_in_text"),
        ("application/json", b'{"text": "\\u0000"}', "nul_in_text"),
        ("application/json", b"{bad", "invalid_json"),
        ("application/json", b'"just a string"', "invalid_json"),
        ("application/json", b'["text"]', "invalid_json"),
        ("application/json", b"null", "invalid_json"),
        ("application/json", b'{"text": 1}', "invalid_json"),
        ("application/json", b'{"text": null}', "invalid_json"),
        ("application/json", b'{"text": "a", "extra": 1}', "invalid_json"),
        ("application/json", b'{"body": "a"}', "invalid_json"),
        ("application/json", b"{}", "invalid_json"),
        ("application/json", b"[" * 100_000, "invalid_json"),
    ],
)
def test_text_bytes_rejects(media: str, raw: bytes, code: str) -> None:
    with pytest.raises(core.ScribeError) as raised:
        core.text_bytes(media, raw)
    assert (raised.value.status, raised.value.code) == (400, code)


# the S3 client


def test_client_config(aws_env: None) -> None:
    """Standard retries, 3 attempts in all, short timeouts: the worst case fits the timeout."""
    config = core.new_client().meta.config
    assert config.retries == {"mode": "standard", "total_max_attempts": 3}
    assert (config.connect_timeout, config.read_timeout) == (1, 2)


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"])
def test_client_honours_endpoint_variables(
    aws_env: None, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, "http://127.0.0.1:4599")
    assert core.new_client().meta.endpoint_url == "http://127.0.0.1:4599"


# writes


def test_put_text_writes_object_with_type_and_checksum(s3: Any) -> None:
    data = "caf\u00e9\n".encode()
    result = core.put_text(core.new_client(), BUCKET, "incoming/a.txt", data, True)
    digest = hashlib.sha256(data)
    assert result == {
        "bucket": BUCKET,
        "key": "incoming/a.txt",
        "version_id": versions(s3, "incoming/a.txt")[0]["VersionId"],
        "size": len(data),
        "sha256": digest.hexdigest(),
    }
    head = s3.head_object(Bucket=BUCKET, Key="incoming/a.txt", ChecksumMode="ENABLED")
    assert head["ContentType"] == "text/plain; charset=utf-8"
    assert head["ChecksumSHA256"] == base64.b64encode(digest.digest()).decode()
    assert s3.get_object(Bucket=BUCKET, Key="incoming/a.txt")["Body"].read() == data


def test_create_only_sends_if_none_match_and_plain_put_does_not(s3: Any) -> None:
    client = core.new_client()
    sent: list[tuple[str, str | None]] = []

    client.meta.events.register(
        "before-send.s3", lambda request, **_: sent.append((request.method, if_none_match(request)))
    )
    core.put_text(client, BUCKET, "incoming/k", b"one", True)
    with pytest.raises(core.ScribeError) as raised:
        core.put_text(client, BUCKET, "incoming/k", b"two", True)
    assert (raised.value.status, raised.value.code) == (409, "already_exists")
    core.put_text(client, BUCKET, "incoming/k", b"three", False)
    assert sent == [("PUT", "*"), ("PUT", "*"), ("PUT", None)]
    assert s3.get_object(Bucket=BUCKET, Key="incoming/k")["Body"].read() == b"three"
    assert len(versions(s3, "incoming/k")) == 2


def test_concurrent_create_only_writes_have_one_winner(
    s3: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """20 threads create the same name through the core: one 201, nineteen 409, one version.

    Real S3 decides If-None-Match: * atomically. moto's in-process PutObject checks for the key and
    then stores it without a lock, so this test serialises moto's PutObject handler (what S3's own
    atomicity gives) and proves the rest: every request is a conditional PUT carrying
    If-None-Match: * (no check-then-write: no HEAD/GET, no unconditional put), and the losers'
    PreconditionFailed becomes already_exists.
    """
    lock = threading.Lock()
    original: Callable[..., Any] = S3Response.put_object

    def atomic_put_object(self: S3Response) -> Any:
        with lock:
            return original(self)

    monkeypatch.setattr(S3Response, "put_object", atomic_put_object)
    client = core.new_client()
    sent: list[tuple[str, str | None]] = []
    client.meta.events.register(
        "before-send.s3", lambda request, **_: sent.append((request.method, if_none_match(request)))
    )
    start = threading.Barrier(20)

    def create(writer: int) -> str:
        start.wait()
        try:
            core.put_text(client, BUCKET, "incoming/race.txt", f"writer {writer}".encode(), True)
        except core.ScribeError as error:
            return error.code
        return f"writer {writer}"

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(create, range(20)))

    winners = [o for o in outcomes if o.startswith("writer ")]
    assert len(winners) == 1
    assert outcomes.count("already_exists") == 19
    assert len(versions(s3, "incoming/race.txt")) == 1
    assert s3.get_object(Bucket=BUCKET, Key="incoming/race.txt")["Body"].read() == (
        winners[0].encode()
    )
    assert sent == [("PUT", "*")] * 20


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        ("PreconditionFailed", 412, (409, "already_exists")),
        ("ConditionalRequestConflict", 409, (409, "already_exists")),
        ("SlowDown", 503, (503, "storage_throttled")),
        ("ServiceUnavailable", 503, (503, "storage_throttled")),
        ("Throttling", 400, (503, "storage_throttled")),
        ("RequestLimitExceeded", 400, (503, "storage_throttled")),
        ("SomethingNew", 503, (503, "storage_throttled")),
        ("AccessDenied", 403, (502, "storage_error")),
        ("NoSuchBucket", 404, (502, "storage_error")),
        ("InternalError", 500, (502, "storage_error")),
        ("OperationAborted", 409, (502, "storage_error")),
    ],
)
def test_storage_error_mapping(code: str, status: int, expected: tuple[int, str]) -> None:
    error = core.storage_error(client_error(code, status))
    assert (error.status, error.code) == expected
    assert code in error.cause


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        ("PreconditionFailed", 412, (409, "already_exists_after_retry")),
        ("ConditionalRequestConflict", 409, (409, "already_exists_after_retry")),
        ("SlowDown", 503, (503, "storage_throttled")),
        ("InternalError", 500, (502, "storage_error")),
    ],
)
def test_storage_error_mapping_after_retries(
    code: str, status: int, expected: tuple[int, str]
) -> None:
    """botocore counts the retries of the call in the error's ResponseMetadata.RetryAttempts: a
    conflict found by a retry may be this request's own earlier attempt (S3 lost its answer)."""
    for retries in (1, 2):
        error = core.storage_error(client_error(code, status, retries))
        assert (error.status, error.code) == expected
        assert error.cause == f"ClientError {code} {status}"


def test_latest_if_same_gives_the_latest_version_of_exactly_that_key(s3: Any) -> None:
    """Prefix=key, MaxKeys=1: the key's latest version, never a longer name under it or an older
    version; None when the text, the size or the latest entry (a delete marker) differs."""
    client, key = core.new_client(), "incoming/same.txt"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"old")
    latest = s3.put_object(Bucket=BUCKET, Key=key, Body=b"new")["VersionId"]
    s3.put_object(Bucket=BUCKET, Key=key + ".bak", Body=b"new")
    s3.put_object(Bucket=BUCKET, Key=key + "0", Body=b"new")
    found = core.latest_if_same(client, BUCKET, key, b"new")
    assert found is not None
    assert (found["Key"], found["VersionId"], found["IsLatest"]) == (key, latest, True)
    assert core.latest_if_same(client, BUCKET, key, b"old") is None  # an older version
    assert core.latest_if_same(client, BUCKET, key, b"ne") is None
    assert core.latest_if_same(client, BUCKET, "incoming/sam", b"new") is None  # not that key
    s3.delete_object(Bucket=BUCKET, Key=key)
    assert core.latest_if_same(client, BUCKET, key, b"new") is None
    assert core.latest_if_same(client, "no-such-bucket-here", key, b"new") is None


def test_unversioned_bucket_gives_no_version_id_as_a_first_attempt_would(s3: Any) -> None:
    """S3 lists the version of an unversioned bucket as "null"; PutObject answers none."""
    s3.create_bucket(Bucket="plain-bucket")
    client = core.new_client()
    first = core.put_text(client, "plain-bucket", "incoming/p.txt", b"x", True)
    raise_on_put(client, client_error("PreconditionFailed", 412, retries=1))
    again = core.put_text(client, "plain-bucket", "incoming/p.txt", b"x", True, lambda: client)
    assert first == again
    assert again["version_id"] is None


def test_missing_bucket_is_storage_error(s3: Any) -> None:
    with pytest.raises(core.ScribeError) as raised:
        core.put_text(core.new_client(), "no-such-bucket-here", "k", b"x", True)
    assert (raised.value.status, raised.value.code) == (502, "storage_error")
    assert "NoSuchBucket" in raised.value.cause
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [BUCKET]


@pytest.mark.parametrize(
    "error",
    [
        EndpointConnectionError(endpoint_url="https://s3.example"),
        ConnectTimeoutError(endpoint_url="https://s3.example"),
        ReadTimeoutError(endpoint_url="https://s3.example"),
        ConnectionClosedError(endpoint_url="https://s3.example"),
    ],
)
def test_network_errors_are_storage_errors(s3: Any, error: Exception) -> None:
    client = core.new_client()
    raise_on_put(client, error)
    with pytest.raises(core.ScribeError) as raised:
        core.put_text(client, BUCKET, "incoming/n.txt", b"x", True)
    assert (raised.value.status, raised.value.code) == (502, "storage_error")
    assert raised.value.cause == type(error).__name__
    assert versions(s3, "incoming/n.txt") == []


def test_unreachable_endpoint_is_retried_then_storage_error(s3: Any) -> None:
    """A connection failure goes through botocore's standard retries (bounded), then 502."""
    client = core.new_client()
    attempts: list[str] = []

    def unreachable(request: Any, **_: Any) -> None:
        attempts.append(request.method)
        raise EndpointConnectionError(endpoint_url=request.url)

    client.meta.events.register("before-send.s3.PutObject", unreachable)
    with pytest.raises(core.ScribeError) as raised:
        core.put_text(client, BUCKET, "incoming/r.txt", b"x", True)
    assert (raised.value.status, raised.value.code) == (502, "storage_error")
    assert attempts == ["PUT"] * 3
