"""The handler end to end against moto: every row of the HTTP contract, the logs, the errors."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ReadTimeoutError
from botocore.stub import Stubber
from moto import mock_aws

from scribe import apigw, core
from tests.unit.conftest import (
    BUCKET,
    MAX_BODY,
    PLAIN,
    PREFIX,
    FakeContext,
    all_keys,
    b64,
    event,
    invoke,
    stored,
    versioned_bucket,
    versions,
)


@pytest.fixture(scope="module")
def aws_mock() -> Iterator[Any]:
    """One in-process moto for this module, reset before each test: starting a mock per test
    costs about 0.1 s (and no test here needs a real socket)."""
    with mock_aws() as mock:
        yield mock


@pytest.fixture
def s3(aws_env: None, aws_mock: Any) -> Iterator[Any]:
    """Overrides conftest's: the same versioned bucket, in the module's moto, emptied first."""
    aws_mock.reset()
    yield versioned_bucket()
    apigw.reset()


GENERATED = re.compile(r"incoming/\d{8}T\d{6}\.\d{6}Z-[0-9a-f]{16}\.txt")
LOG_FIELDS = {"request_id", "route", "status", "key", "bytes", "duration_ms", "error"}


def assert_error(reply: Any, status: int, code: str, request_id: str = "req-1") -> None:
    assert reply.status == status, reply.body
    assert reply.body == {"error": code, "message": reply.body["message"], "request_id": request_id}
    assert isinstance(reply.body["message"], str)
    assert reply.body["message"]
    assert reply.headers["Content-Type"] == "application/json"


def log_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    out = capsys.readouterr().out
    return [json.loads(line) for line in out.splitlines()]


# success


def test_generated_key_write(s3: Any) -> None:
    reply = invoke(event("hello world\n"))
    assert reply.status == 201, reply.body
    key = reply.body["key"]
    assert GENERATED.fullmatch(key), key
    data = b"hello world\n"
    assert reply.body == {
        "bucket": BUCKET,
        "key": key,
        "version_id": versions(s3, key)[0]["VersionId"],
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    assert reply.headers == {"Content-Type": "application/json", "Location": f"s3://{BUCKET}/{key}"}
    assert stored(s3, key) == data
    head = s3.head_object(Bucket=BUCKET, Key=key, ChecksumMode="ENABLED")
    assert head["ContentType"] == "text/plain; charset=utf-8"
    assert head["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(data).digest()).decode()


def test_generated_keys_are_time_sortable(s3: Any) -> None:
    first = invoke(event("one")).body["key"]
    second = invoke(event("two")).body["key"]
    assert first.startswith(PREFIX)
    assert second.startswith(PREFIX)
    assert first < second
    assert sorted(all_keys(s3)) == [first, second]


def test_named_write(s3: Any) -> None:
    reply = invoke(event("named text", name="hello.txt"))
    assert reply.status == 201, reply.body
    assert reply.body["key"] == "incoming/hello.txt"
    assert reply.headers["Location"] == f"s3://{BUCKET}/incoming/hello.txt"
    assert reply.body["size"] == len(b"named text")
    assert stored(s3, "incoming/hello.txt") == b"named text"


def test_nested_name(s3: Any) -> None:
    reply = invoke(event("deep", name="notes/2024/05/a.txt"))
    assert reply.status == 201, reply.body
    assert reply.body["key"] == "incoming/notes/2024/05/a.txt"
    assert stored(s3, "incoming/notes/2024/05/a.txt") == b"deep"


def test_prefix_may_be_empty(s3: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KEY_PREFIX")
    apigw.reset()
    assert invoke(event("x", name="top.txt")).body["key"] == "top.txt"
    assert re.fullmatch(r"\d{8}T\d{6}\.\d{6}Z-[0-9a-f]{16}\.txt", invoke(event("y")).body["key"])


def test_unicode_text_size_and_sha256_are_of_utf8_bytes(s3: Any) -> None:
    text = "h\u00e9llo \u2603 \U0001f600\n"
    reply = invoke(event(text, name="u.txt"))
    assert reply.status == 201, reply.body
    assert reply.body["size"] == len(text.encode())
    assert reply.body["sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert stored(s3, "incoming/u.txt").decode() == text


# names


@pytest.mark.parametrize(
    "name",
    [
        *("a/../b", "..", ".", "a/./b", "a//b", "a/", "/a", ""),
        *("bad name", "bad%20name", "caf\u00e9", "a?b", "x" * 256),
    ],
)
def test_invalid_names_are_400_and_write_nothing(s3: Any, name: str) -> None:
    assert_error(invoke(event("x", name=name)), 400, "invalid_name")
    assert all_keys(s3) == []


def test_name_of_255_bytes_is_accepted(s3: Any) -> None:
    name = "n" * 251 + ".txt"
    reply = invoke(event("x", name=name))
    assert reply.status == 201, reply.body
    assert reply.body["key"] == PREFIX + name


def test_named_route_without_path_parameter_is_invalid_name(s3: Any) -> None:
    request = event("x", name="a")
    del request["pathParameters"]
    assert_error(invoke(request), 400, "invalid_name")


# create-only and overwrite


def test_second_create_is_409_and_keeps_the_original(s3: Any) -> None:
    assert invoke(event("original", name="once.txt")).status == 201
    assert_error(invoke(event("second", name="once.txt")), 409, "already_exists")
    assert_error(
        invoke(event("third", name="once.txt", query="overwrite=false")), 409, "already_exists"
    )
    assert stored(s3, "incoming/once.txt") == b"original"
    assert len(versions(s3, "incoming/once.txt")) == 1


def test_overwrite_true_replaces_and_versioning_keeps_both(s3: Any) -> None:
    first = invoke(event("one", name="v.txt"))
    second = invoke(event("two", name="v.txt", query="overwrite=true"))
    assert second.status == 201, second.body
    assert second.body["version_id"] != first.body["version_id"]
    assert stored(s3, "incoming/v.txt") == b"two"
    found = versions(s3, "incoming/v.txt")
    assert len(found) == 2
    assert {v["VersionId"] for v in found} == {first.body["version_id"], second.body["version_id"]}


def test_overwrite_true_creates_a_new_name_too(s3: Any) -> None:
    assert invoke(event("new", name="fresh.txt", query="overwrite=true")).status == 201
    assert stored(s3, "incoming/fresh.txt") == b"new"


@pytest.mark.parametrize("query", ["overwrite=false", "overwrite=true"])
def test_overwrite_query_is_allowed_on_the_generated_route(s3: Any, query: str) -> None:
    reply = invoke(event("g", query=query))
    assert reply.status == 201, reply.body
    assert GENERATED.fullmatch(reply.body["key"])


@pytest.mark.parametrize(
    "query",
    [
        "x=1",
        "overwrite=yes",
        "overwrite=TRUE",
        "overwrite=1",
        "overwrite",
        "overwrite=",
        "overwrite=true&overwrite=true",
        "overwrite=true&overwrite=false",
        "overwrite=true&x=1",
    ],
)
@pytest.mark.parametrize("name", [None, "q.txt"])
def test_invalid_query_is_400(s3: Any, query: str, name: str | None) -> None:
    assert_error(invoke(event("x", name=name, query=query)), 400, "invalid_query")
    assert all_keys(s3) == []


# media types and bodies


@pytest.mark.parametrize(
    "content_type", ["text/plain", "text/plain; charset=utf-8", "TEXT/PLAIN; Charset=UTF-8"]
)
def test_text_plain_variants(s3: Any, content_type: str) -> None:
    reply = invoke(event("plain", name="p.txt", content_type=content_type))
    assert reply.status == 201, reply.body
    assert stored(s3, "incoming/p.txt") == b"plain"


@pytest.mark.parametrize(
    "content_type",
    [None, "application/xml", "text/html", "text/plain; charset=latin-1", "text/plain; x=y"],
)
def test_unsupported_media_type_is_415(s3: Any, content_type: str | None) -> None:
    assert_error(invoke(event("x", content_type=content_type)), 415, "unsupported_media_type")
    assert all_keys(s3) == []


def test_json_body(s3: Any) -> None:
    reply = invoke(event('{"text": "from json \\u00e9"}', content_type="application/json"))
    assert reply.status == 201, reply.body
    text = "from json \u00e9".encode()
    assert stored(s3, reply.body["key"]) == text
    assert reply.body["size"] == len(text)
    assert reply.body["sha256"] == hashlib.sha256(text).hexdigest()


@pytest.mark.parametrize(
    "body",
    [
        *("{bad", "[]", '"text"', "42", "{}", '{"other": "a"}'),
        *('{"text": 1}', '{"text": ["a"]}', '{"text": "a", "b": "c"}'),
    ],
)
def test_bad_json_is_400(s3: Any, body: str) -> None:
    assert_error(invoke(event(body, content_type="application/json")), 400, "invalid_json")
    assert all_keys(s3) == []


def test_base64_body_is_decoded(s3: Any) -> None:
    text = "b64 \u2603"
    reply = invoke(event(b64(text.encode()), name="b.txt", base64_encoded=True))
    assert reply.status == 201, reply.body
    assert stored(s3, "incoming/b.txt") == text.encode()


def test_base64_json_body_is_decoded(s3: Any) -> None:
    body = b64(b'{"text": "json in base64"}')
    reply = invoke(event(body, content_type="application/json", base64_encoded=True))
    assert reply.status == 201, reply.body
    assert stored(s3, reply.body["key"]) == b"json in base64"


@pytest.mark.parametrize("body", ["not base64!", "aGVsbG8", "aGVs bG8=", "aGVsbG8=\n", "\u00e9"])
def test_invalid_base64_is_400(s3: Any, body: str) -> None:
    assert_error(invoke(event(body, base64_encoded=True)), 400, "invalid_body")
    assert all_keys(s3) == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [("", PLAIN), (None, PLAIN), ("", "application/json"), ('{"text": ""}', "application/json")],
)
def test_empty_is_400(s3: Any, body: str | None, content_type: str) -> None:
    assert_error(invoke(event(body, content_type=content_type)), 400, "empty_body")
    assert all_keys(s3) == []


def test_empty_base64_body_is_400(s3: Any) -> None:
    assert_error(invoke(event("", base64_encoded=True)), 400, "empty_body")


@pytest.mark.parametrize("raw", [b"\xff\xfe", b"ok \xc3", b"\xed\xa0\x80"])
def test_invalid_utf8_is_400(s3: Any, raw: bytes) -> None:
    assert_error(invoke(event(b64(raw), base64_encoded=True)), 400, "invalid_utf8")
    assert all_keys(s3) == []


def test_lone_surrogate_in_a_text_body_is_invalid_utf8(s3: Any) -> None:
    assert_error(invoke(event("a\ud800b")), 400, "invalid_utf8")


def test_body_of_exactly_max_bytes_is_stored(s3: Any) -> None:
    reply = invoke(event("x" * MAX_BODY, name="max.txt"))
    assert reply.status == 201, reply.body
    assert reply.body["size"] == MAX_BODY


def test_body_over_max_bytes_is_413(s3: Any) -> None:
    assert_error(invoke(event("x" * (MAX_BODY + 1), name="big.txt")), 413, "body_too_large")
    assert all_keys(s3) == []


def test_size_is_in_utf8_bytes(s3: Any) -> None:
    """32 two-byte characters are 64 bytes (ok); 33 are 66 (too large)."""
    assert invoke(event("\u00e9" * (MAX_BODY // 2))).status == 201
    assert_error(invoke(event("\u00e9" * (MAX_BODY // 2 + 1))), 413, "body_too_large")


def test_base64_body_size_is_the_decoded_size(s3: Any) -> None:
    assert invoke(event(b64(b"y" * MAX_BODY), name="m.txt", base64_encoded=True)).status == 201
    reply = invoke(event(b64(b"y" * (MAX_BODY + 1)), base64_encoded=True))
    assert_error(reply, 413, "body_too_large")


def test_oversized_base64_is_rejected_by_length_before_decoding(s3: Any) -> None:
    """Far too long to decode to MAX_BODY bytes: 413 even though it is not valid base64."""
    assert_error(invoke(event("!" * (4 * MAX_BODY), base64_encoded=True)), 413, "body_too_large")


def test_json_size_is_checked_before_parsing(s3: Any) -> None:
    body = '{"text": "' + "x" * MAX_BODY + '"}'
    assert_error(invoke(event(body, content_type="application/json")), 413, "body_too_large")
    bad = "{" * (MAX_BODY + 1)
    assert_error(invoke(event(bad, content_type="application/json")), 413, "body_too_large")


@pytest.mark.parametrize(
    ("request_args", "status", "code"),
    [
        ({"name": "a/../b", "query": "x=1", "content_type": None}, 400, "invalid_name"),
        ({"query": "x=1", "content_type": "application/xml"}, 400, "invalid_query"),
        ({"content_type": "application/xml", "body": "x" * 1000}, 415, "unsupported_media_type"),
        ({"content_type": None, "body": ""}, 415, "unsupported_media_type"),
        ({"body": b64(b"\xff" * (MAX_BODY + 1)), "base64_encoded": True}, 413, "body_too_large"),
        ({"body": "{" * (MAX_BODY + 1), "content_type": "application/json"}, 413, "body_too_large"),
    ],
)
def test_order_of_checks(s3: Any, request_args: dict[str, Any], status: int, code: str) -> None:
    """Route/name, then query, then media type, then size, then decoding and validation."""
    assert_error(invoke(event(**request_args)), status, code)


def test_unknown_route_is_404(s3: Any) -> None:
    assert_error(invoke(event("x", route="GET /{name+}")), 404, "not_found")
    assert_error(invoke(event("x", route="$default")), 404, "not_found")


# errors, request ids and logs


def test_request_id_falls_back_to_the_context(s3: Any) -> None:
    reply = invoke(event("x", name="a/../b", request_id=None))
    assert_error(reply, 400, "invalid_name", request_id=FakeContext.aws_request_id)


def test_one_log_line_per_request_without_the_body(
    s3: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "do-not-log-this-text"
    reply = invoke(event(secret, name="logged.txt"))
    out = capsys.readouterr().out
    assert secret not in out
    assert out.endswith("\n")
    assert out.count("\n") == 1
    record = json.loads(out)
    assert set(record) == LOG_FIELDS
    assert record["request_id"] == "req-1"
    assert record["route"] == "POST /{name+}"
    assert (record["status"], record["error"]) == (201, None)
    assert (record["key"], record["bytes"]) == ("incoming/logged.txt", len(secret))
    assert reply.body["key"] == record["key"]
    assert isinstance(record["duration_ms"], (int, float))
    assert record["duration_ms"] >= 0


def test_error_log_line(s3: Any, capsys: pytest.CaptureFixture[str]) -> None:
    secret = '{"text": "secret json text", "x": 1}'
    invoke(event(secret, content_type="application/json"))
    [record] = log_lines(capsys)
    assert set(record) == LOG_FIELDS
    assert (record["status"], record["error"]) == (400, "invalid_json")
    assert (record["key"], record["bytes"]) == (None, None)
    assert record["route"] == "POST /"
    assert "secret" not in json.dumps(record)


def test_conflict_log_line(s3: Any, capsys: pytest.CaptureFixture[str]) -> None:
    invoke(event("a", name="c.txt"))
    invoke(event("b", name="c.txt"))
    first, second = log_lines(capsys)
    assert (first["status"], first["key"], first["bytes"]) == (201, "incoming/c.txt", 1)
    assert (second["status"], second["error"], second["key"]) == (409, "already_exists", None)


def test_missing_bucket_is_502_and_writes_nothing(
    s3: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BUCKET_NAME", "scribe-no-such-bucket")
    apigw.reset()
    reply = invoke(event("x", name="lost.txt"))
    assert_error(reply, 502, "storage_error")
    assert "Retry-After" not in reply.headers
    assert all_keys(s3) == []
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [BUCKET]
    [record] = log_lines(capsys)
    assert record["error"] == "storage_error"
    assert "NoSuchBucket" in record["exception"]


def test_s3_timeout_is_502(s3: Any) -> None:
    def timeout(**_: Any) -> None:
        raise ReadTimeoutError(endpoint_url="https://s3.example")

    apigw.client().meta.events.register("before-call.s3.PutObject", timeout)
    assert_error(invoke(event("x", name="t.txt")), 502, "storage_error")
    assert all_keys(s3) == []


@pytest.mark.parametrize(
    ("code", "status"),
    [("SlowDown", 503), ("ServiceUnavailable", 503), ("Throttling", 400), ("X", 503)],
)
def test_s3_throttling_is_503_with_retry_after(s3: Any, code: str, status: int) -> None:
    with Stubber(apigw.client()) as stub:
        stub.add_client_error("put_object", service_error_code=code, http_status_code=status)
        reply = invoke(event("x", name="slow.txt"))
        stub.assert_no_pending_responses()
    assert_error(reply, 503, "storage_throttled")
    assert reply.headers["Retry-After"] == "1"
    assert all_keys(s3) == []


def test_s3_access_denied_is_502(s3: Any) -> None:
    with Stubber(apigw.client()) as stub:
        stub.add_client_error("put_object", service_error_code="AccessDenied", http_status_code=403)
        assert_error(invoke(event("x", name="denied.txt")), 502, "storage_error")


def test_unexpected_exception_is_500_without_details(
    s3: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*_: Any, **__: Any) -> dict[str, Any]:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(core, "put_text", broken)
    reply = invoke(event("the body text", name="boom.txt"))
    assert_error(reply, 500, "internal_error")
    captured = capsys.readouterr()
    everything = json.dumps(reply.body) + captured.out + captured.err
    assert "secret internal detail" not in everything
    assert "Traceback" not in everything
    assert "the body text" not in everything
    record = json.loads(captured.out)
    assert (record["status"], record["error"], record["exception"]) == (
        500,
        "internal_error",
        "RuntimeError",
    )


def test_missing_configuration_is_500(s3: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BUCKET_NAME")
    apigw.reset()
    assert_error(invoke(event("x")), 500, "internal_error")


# cold start


def test_settings_and_client_are_cached_until_reset(
    s3: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = apigw.client()
    assert apigw.client() is client
    assert invoke(event("x", name="one.txt")).body["key"] == "incoming/one.txt"
    monkeypatch.setenv("KEY_PREFIX", "other/")
    assert invoke(event("x", name="two.txt")).body["key"] == "incoming/two.txt"
    apigw.reset()
    assert apigw.client() is not client
    assert invoke(event("x", name="three.txt")).body["key"] == "other/three.txt"


def test_default_settings(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KEY_PREFIX")
    monkeypatch.delenv("MAX_BODY_BYTES")
    apigw.reset()
    try:
        assert apigw.settings() == core.Settings(BUCKET, "", 1048576)
    finally:
        apigw.reset()


@pytest.mark.parametrize(
    ("version", "refused"),
    [("1.34.162", True), ("1.35.1", True), ("1.35.2", False), ("1.38.36", False), ("2.0.0", False)],
)
def test_an_sdk_without_put_object_if_none_match_is_refused(version: str, refused: bool) -> None:
    if refused:
        with pytest.raises(RuntimeError, match=rf"botocore {re.escape(version)} cannot send"):
            core.check_sdk(version)
    else:
        core.check_sdk(version)


def test_an_old_runtime_sdk_fails_the_cold_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check runs when Lambda imports the handler (its init), not on each request."""
    import importlib

    import botocore

    monkeypatch.setattr(botocore, "__version__", "1.35.1")
    with pytest.raises(RuntimeError, match=re.escape("needs 1.35.2 or newer")):
        importlib.reload(apigw)
    monkeypatch.undo()
    importlib.reload(apigw)
    assert callable(apigw.handler)


def test_the_locked_sdk_knows_what_the_handler_sends() -> None:
    """OLDEST_BOTOCORE is the first botocore whose S3 model has PutObject IfNoneMatch (checked in
    the 1.35.1 and 1.35.2 wheels); whichever botocore runs the tests must have it."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("s3")
    put = model.operation_model("PutObject").input_shape.members
    listing = model.operation_model("ListObjectVersions").input_shape.members
    assert {"IfNoneMatch", "ChecksumSHA256", "ChecksumAlgorithm"} <= set(put)
    assert {"Prefix", "MaxKeys"} <= set(listing)
