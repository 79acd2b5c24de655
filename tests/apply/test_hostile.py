"""Hostile requests over real HTTP to the local gateway of an applied stack (IAM enforcement on).

Every request of CORPUS is written byte for byte on a socket (the request line, each header, the
body), so nothing is normalised on the way: raw and percent-encoded paths, duplicated headers and
declared lengths reach the gateway as sent; the answer is parsed with http.client. Each case states
the answer it must get: the documented 4xx with the handler's error code, API Gateway's own
{"message": ...} for a gateway-level 404/413, or 201 for requests that look hostile but are valid by
the contract (control characters in a text, %2F in a name...), whose object must then hold exactly
the text. The corpus test asserts every status and error shape, that no answer is a 5xx, and, by
listing the bucket's versions after every request, that a rejected request never creates an
object or a version and an accepted one creates exactly the version it reports.

What reaches the handler: the gateway base64-encodes every body that is not of a text media type
or not valid UTF-8 (as API Gateway does), so the handler only ever sees valid base64. A client
cannot make "invalid base64" reach it: binary media types are refused (415) before the body is
decoded, and an invalid UTF-8 text is decoded from base64 and refused as invalid_utf8.

The last tests are gaps this corpus found in the gateway and the handler, fixed since.
"""

from __future__ import annotations

import gzip
import http.client
import json
import socket
import urllib.parse
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest

from scribe_local.client import signed_headers
from scribe_local.emulator.moto_server import REGION
from tests.apply.conftest import Stack, credentials

PLAIN = "text/plain; charset=utf-8"
MIB = 1048576  # max_body_bytes of the local env (the default)
GATEWAY_LIMIT = 10 * MIB  # API Gateway's payload quota, enforced by the gateway itself
PREFIX = "incoming/"
OK = "hostile-ok"  # every accepted case writes below incoming/hostile-ok/
Headers = tuple[tuple[str, str], ...]
TEXT: Headers = (("Content-Type", PLAIN),)
JSON: Headers = (("Content-Type", "application/json"),)
ERROR_FIELDS = {"error", "message", "request_id"}
CREATED_FIELDS = {"bucket", "key", "version_id", "size", "sha256"}
GATEWAY_BODIES = {404: {"message": "Not Found"}, 413: {"message": "Request Entity Too Large"}}


@dataclass(frozen=True)
class Case:
    label: str
    target: str  # the request-target as sent: one character per byte (latin-1)
    status: int
    error: str | None = None  # the handler's error code; None: 201 or a gateway-level answer
    body: bytes = b"x"
    headers: Headers = TEXT
    method: str = "POST"
    declared_length: int | None = None  # send this Content-Length and no body
    key: str | None = None  # 201: the key the object must have
    stored: bytes | None = None  # 201: the text the object must hold


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def exchange(base_url: str, request: bytes, method: str, timeout: float = 60) -> Answer:
    """Write request on a fresh connection as is; parse the answer with http.client."""
    url = urllib.parse.urlsplit(base_url)
    assert url.hostname is not None
    with socket.create_connection((url.hostname, url.port or 80), timeout=timeout) as sock:
        sock.sendall(request)
        response = http.client.HTTPResponse(sock, method=method)
        try:  # closing the response releases the socket's file, so the connection really closes
            response.begin()
            return Answer(
                response.status,
                {name.lower(): value for name, value in response.getheaders()},
                response.read(),
            )
        finally:
            response.close()


def signature(stack: Stack, method: str, target: str, body: bytes) -> list[str]:
    """The header lines that sign the request for the stack's caller (botocore signs host and
    x-amz-date, and the body's hash): the routes require AWS_IAM, as in dev and prod."""
    assert stack.caller is not None
    if not target.startswith("/"):
        return []  # not a path: refused before any route (and so before any caller) is looked at
    url = stack.url + target
    signed = signed_headers(credentials(stack.caller), method, url, body, {}, REGION)
    return [f"{name}: {value}" for name, value in signed.items()]


def raw_request(
    stack: Stack,
    method: str,
    target: str,
    headers: Headers,
    body: bytes,
    content_length: str | None,
) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", f"Host: {urllib.parse.urlsplit(stack.url).netloc}"]
    lines += signature(stack, method, target, body)
    lines += [f"{name}: {value}" for name, value in headers]
    if content_length is not None:
        lines.append(f"Content-Length: {content_length}")
    lines += ["Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1") + body


def send(stack: Stack, case: Case) -> Answer:
    declared = case.declared_length is not None
    length = str(case.declared_length if declared else len(case.body))
    body = b"" if declared else case.body
    request = raw_request(stack, case.method, case.target, case.headers, body, length)
    return exchange(stack.url, request, case.method)


def accepted(
    label: str,
    name: str,
    body: bytes,
    headers: Headers = TEXT,
    stored: bytes | None = None,
    target: str | None = None,
) -> Case:
    """A valid request: 201, stored at incoming/<name> with exactly the text (body by default)."""
    target = target or "/" + urllib.parse.quote(name)
    return Case(label, target, 201, None, body, headers, key=PREFIX + name, stored=stored or body)


def name_case(label: str, target: str) -> Case:
    return Case(label, target, 400, "invalid_name")


def query_case(label: str, query: str, name: str = "/hostile-q/x.txt") -> Case:
    return Case(label, f"{name}?{query}", 400, "invalid_query")


def media_case(label: str, content_type: str | None, body: bytes = b"hello") -> Case:
    headers: Headers = () if content_type is None else (("Content-Type", content_type),)
    return Case(label, "/hostile-m/x.txt", 415, "unsupported_media_type", body, headers)


def body_case(label: str, body: bytes, error: str, headers: Headers = TEXT) -> Case:
    status = 413 if error == "body_too_large" else 400
    return Case(label, "/hostile-b/x.txt", status, error, body, headers)


def no_route(label: str, method: str, target: str = "/x.txt") -> Case:
    return Case(label, target, 404, None, b"x", TEXT, method)


def json_body(document: str) -> bytes:
    return document.encode()


def build_corpus() -> list[Case]:
    deep_list = b"[" * 500_000 + b"]" * 500_000  # 1,000,000 bytes: within the limit, too deep
    deep_object = b'{"a":' * 170_000 + b"1" + b"}" * 170_000
    return [
        # valid requests that look hostile: 201 and exactly their text
        accepted("control: the name later taken", f"{OK}/taken.txt", b"first"),
        accepted(
            "control characters and ANSI escapes", f"{OK}/ctl.txt", b"\x01\x1b[31mred\x7f\r\n"
        ),
        accepted("text that looks like base64 is not decoded", f"{OK}/b64.txt", b"aGVsbG8="),
        accepted("UTF-8 BOM kept as text", f"{OK}/bom.txt", "\ufeffhello".encode()),
        accepted(
            "JSON escape of US (a control character that is not NUL)",
            f"{OK}/json-ctl.txt",
            json_body('{"text": "\\u001f"}'),
            JSON,
            stored=b"\x1f",
        ),
        accepted(
            "JSON duplicate key: the last one wins",
            f"{OK}/dup.txt",
            json_body('{"text": "first", "text": "second"}'),
            JSON,
            stored=b"second",
        ),
        accepted("name of exactly 255 bytes", f"{OK}/" + "n" * (255 - len(OK) - 1), b"long"),
        accepted(
            "%2F decodes to a valid nested name", f"{OK}/a/b.txt", b"s", target=f"/{OK}/a%2Fb.txt"
        ),
        accepted(
            "percent-encoded query value",
            f"{OK}/q.txt",
            b"q",
            target=f"/{OK}/q.txt?overwrite=tru%65",
        ),
        accepted(
            "upper-case media type",
            f"{OK}/upper.txt",
            b"u",
            (("Content-Type", "TEXT/PLAIN; CHARSET=UTF-8"),),
        ),
        accepted("body of exactly max_body_bytes", f"{OK}/max.txt", b"m" * MIB),
        # names: traversal, empty and dot segments, leading slash
        name_case("dot-dot", "/.."),
        name_case("dot", "/."),
        name_case("dot-dot inside", "/a/../b"),
        name_case("dot inside", "/a/./b"),
        name_case("empty segment", "/a//b"),
        name_case("leading empty segment, encoded", "/%2Fx"),
        name_case("trailing slash", "/a/"),
        name_case("dot-dot to the root", "/../../etc/passwd"),
        # names: percent-encoded traversal
        name_case("%2e%2e", "/%2e%2e"),
        name_case("%2E%2E/etc/passwd", "/%2E%2E/etc/passwd"),
        name_case("%2e%2e inside", "/a/%2e%2e/b"),
        name_case("%2F..%2F", "/a%2F..%2Fb"),
        name_case("%2F leading", "/%2Fetc%2Fpasswd"),
        name_case("%2F%2F", "/a%2F%2Fb"),
        name_case("double-encoded %252e%252e", "/%252e%252e/x"),
        name_case("backslash traversal", "/..%5C..%5Cwin.ini"),
        name_case("overlong UTF-8 dots %c0%ae", "/%c0%ae%c0%ae/x"),
        # names: NUL and control characters
        name_case("NUL", "/a%00b"),
        name_case("NUL after an extension", "/a.txt%00.exe"),
        name_case("LF", "/a%0Ab"),
        name_case("CRLF header injection", "/a%0D%0ASet-Cookie:%20x=1"),
        name_case("tab", "/a%09b"),
        name_case("unit separator", "/a%1Fb"),
        name_case("DEL", "/a%7Fb"),
        name_case("space", "/a%20b"),
        name_case("question mark", "/a%3Fb"),
        name_case("lone percent", "/a%"),
        name_case("invalid escape", "/a%ZZ"),
        name_case("colon", "/c:/x"),
        name_case("tilde", "/~root"),
        # names: lengths
        name_case("256 bytes", "/" + "n" * 256),
        name_case("256 bytes of valid segments", "/" + "a/" * 127 + "ab"),
        name_case("4096 bytes", "/" + "n" * 4096),
        # names: Unicode look-alikes and normalisation
        name_case("NFC cafe", "/caf%C3%A9.txt"),
        name_case("NFD cafe", "/cafe%CC%81.txt"),
        name_case("raw UTF-8 bytes in the request line", "/caf\xc3\xa9.txt"),
        name_case("fullwidth letters", "/%EF%BD%86%EF%BD%8F%EF%BD%8F.txt"),
        name_case("Cyrillic a", "/d%D0%B0ta.txt"),
        name_case("Kelvin sign", "/%E2%84%AA.txt"),
        name_case("Arabic-Indic digit", "/%D9%A1.txt"),
        name_case("zero-width space", "/a%E2%80%8Bb"),
        name_case("right-to-left override", "/%E2%80%AEtxt.exe"),
        name_case("fullwidth solidus traversal", "/a%EF%BC%8F..%EF%BC%8Fb"),
        name_case("one-dot leaders", "/%E2%80%A4%E2%80%A4/x"),
        # query strings other than overwrite=true|false
        query_case("unknown parameter", "x=1"),
        query_case("upper-case value", "overwrite=TRUE"),
        query_case("numeric value", "overwrite=1"),
        query_case("no value", "overwrite"),
        query_case("empty value", "overwrite="),
        query_case("repeated", "overwrite=true&overwrite=true"),
        query_case("contradictory", "overwrite=true&overwrite=false"),
        query_case("semicolon separator", "overwrite=true;x=1"),
        query_case("encoded equals sign", "overwrite%3Dtrue"),
        query_case("plus is a space", "overwrite=+true"),
        query_case("NUL in the value", "overwrite=true%00"),
        query_case("1000 parameters", "&".join(["overwrite=true"] * 1000)),
        query_case("on the generated-key route", "x=1", name="/"),
        # media types: wrong, missing, other charsets, duplicated headers
        media_case("no Content-Type", None),
        media_case("empty Content-Type", ""),
        media_case("octet-stream (base64-encoded by the gateway)", "application/octet-stream"),
        media_case(
            "octet-stream that is not base64", "application/octet-stream", b"!!not base64!!"
        ),
        media_case(
            "octet-stream over max_body_bytes", "application/octet-stream", b"\0" * (MIB + 1)
        ),
        media_case("image/png", "image/png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
        media_case("text/html", "text/html", b"<script>alert(1)</script>"),
        media_case("application/xml", "application/xml", b"<a/>"),
        media_case("form", "application/x-www-form-urlencoded", b"text=hello"),
        media_case("multipart", "multipart/form-data; boundary=x", b"--x\r\n\r\nhello\r\n--x--"),
        media_case("json-patch+json", "application/json-patch+json", b"[]"),
        media_case("latin-1 charset", "text/plain; charset=latin-1", b"caf\xe9"),
        media_case("utf-16 charset", "text/plain; charset=utf-16", "hello".encode("utf-16")),
        media_case(
            "JSON in utf-16", "application/json; charset=utf-16", '{"text":"a"}'.encode("utf-16")
        ),
        media_case("two charsets", "text/plain; charset=utf-8; charset=latin-1"),
        media_case("extra parameter", "text/plain; charset=utf-8; format=flowed"),
        media_case("two types in one header", "text/plain, application/json"),
        media_case("10 KB Content-Type", "text/plain; x=" + "y" * 10_000),
        Case(
            "two identical Content-Type headers (joined with a comma)",
            "/hostile-m/dup.txt",
            415,
            "unsupported_media_type",
            headers=(("Content-Type", "text/plain"), ("Content-Type", "text/plain")),
        ),
        Case(
            "two different Content-Type headers",
            "/hostile-m/dup2.txt",
            415,
            "unsupported_media_type",
            json_body('{"text": "a"}'),
            (("Content-Type", "application/json"), ("Content-Type", "text/plain")),
        ),
        # bodies: NUL (text tools take it for binary)
        body_case("NUL inside the text", b"a\x00b", "nul_in_text"),
        body_case("JSON escape of NUL", json_body('{"text": "a\\u0000b"}'), "nul_in_text", JSON),
        # bodies: empty, invalid UTF-8
        body_case("empty text", b"", "empty_body"),
        body_case("empty JSON body", b"", "empty_body", JSON),
        body_case("empty JSON text", json_body('{"text": ""}'), "empty_body", JSON),
        body_case("invalid UTF-8 ff fe", b"\xff\xfe", "invalid_utf8"),
        body_case("truncated sequence", b"ok \xc3", "invalid_utf8"),
        body_case("lone continuation byte", b"\x80abc", "invalid_utf8"),
        body_case("overlong encoding of /", b"\xc0\xaf", "invalid_utf8"),
        body_case("UTF-8 encoded surrogate", b"\xed\xa0\x80", "invalid_utf8"),
        body_case("code point over U+10FFFF", b"\xf4\x90\x80\x80", "invalid_utf8"),
        body_case("latin-1 declared as UTF-8", b"caf\xe9", "invalid_utf8"),
        body_case("gzip without Content-Encoding support", gzip.compress(b"hello"), "invalid_utf8"),
        body_case("invalid UTF-8 inside JSON", b'{"text": "\xff"}', "invalid_utf8", JSON),
        body_case(
            "lone surrogate escape in JSON", json_body('{"text": "\\ud800"}'), "invalid_utf8", JSON
        ),
        # bodies: JSON that is not {"text": "<string>"}
        body_case("JSON array", b"[]", "invalid_json", JSON),
        body_case("JSON string", b'"text"', "invalid_json", JSON),
        body_case("JSON number", b"42", "invalid_json", JSON),
        body_case("JSON null", b"null", "invalid_json", JSON),
        body_case("text is a number", json_body('{"text": 1}'), "invalid_json", JSON),
        body_case("text is null", json_body('{"text": null}'), "invalid_json", JSON),
        body_case("text is a list", json_body('{"text": ["a"]}'), "invalid_json", JSON),
        body_case("nested text object", json_body('{"text": {"text": "x"}}'), "invalid_json", JSON),
        body_case("extra member", json_body('{"text": "a", "extra": 1}'), "invalid_json", JSON),
        body_case("upper-case member", json_body('{"TEXT": "a"}'), "invalid_json", JSON),
        body_case(
            "duplicate key, last not a string",
            json_body('{"text": "a", "text": 1}'),
            "invalid_json",
            JSON,
        ),
        body_case("syntax error", b"{bad", "invalid_json", JSON),
        body_case("trailing garbage", json_body('{"text": "a"}x'), "invalid_json", JSON),
        body_case("UTF-8 BOM before JSON", '\ufeff{"text": "a"}'.encode(), "invalid_json", JSON),
        body_case("NaN", json_body('{"text": NaN}'), "invalid_json", JSON),
        body_case(
            "number that overflows to inf", json_body('{"text": 1e999999}'), "invalid_json", JSON
        ),
        body_case(
            "5000-digit integer", json_body('{"text": 1' + "0" * 5000 + "}"), "invalid_json", JSON
        ),
        body_case("500,000 nested arrays", deep_list, "invalid_json", JSON),
        body_case("170,000 nested objects", deep_object, "invalid_json", JSON),
        # sizes
        body_case("max_body_bytes + 1", b"x" * (MIB + 1), "body_too_large"),
        body_case("2 MiB", b"x" * (2 * MIB), "body_too_large"),
        body_case(
            "multi-byte text over the limit", "\u00e9".encode() * (MIB // 2 + 1), "body_too_large"
        ),
        body_case("invalid UTF-8 over the limit", b"\xff" * (MIB + 1), "body_too_large"),
        body_case(
            "JSON whose text is over the limit",
            b'{"text": "' + b"x" * MIB + b'"}',
            "body_too_large",
            JSON,
        ),
        Case(
            "declared 10 MiB + 1 (gateway quota)",
            "/hostile-s/x.txt",
            413,
            declared_length=GATEWAY_LIMIT + 1,
        ),
        Case("declared 1 TiB (gateway quota)", "/hostile-s/y.txt", 413, declared_length=2**40),
        # no route: 404 from the gateway
        no_route("GET", "GET"),
        no_route("PUT", "PUT"),
        no_route("DELETE", "DELETE"),
        no_route("PATCH", "PATCH"),
        no_route("OPTIONS", "OPTIONS"),
        no_route("GET the root", "GET", "/"),
        no_route("target without a leading slash", "POST", "x.txt"),
        # create-only: the name taken by the first case
        Case("the same name again", f"/{OK}/taken.txt", 409, "already_exists", b"second"),
        Case(
            "the same name, overwrite=false",
            f"/{OK}/taken.txt?overwrite=false",
            409,
            "already_exists",
        ),
    ]


CORPUS = build_corpus()


def all_versions(stack: Stack) -> dict[tuple[str, str], int]:
    """(key, version id) -> size of every version in the bucket."""
    found: dict[tuple[str, str], int] = {}
    pages = stack.s3.get_paginator("list_object_versions")
    for page in pages.paginate(Bucket=stack.outputs["bucket_name"]):
        for version in page.get("Versions", []) + page.get("DeleteMarkers", []):
            found[(version["Key"], version["VersionId"])] = version.get("Size", -1)
    return found


def problems(case: Case, answer: Answer, new: set[tuple[str, str]], stack: Stack) -> list[str]:
    """What is wrong with answer to case (nothing: [])."""
    wrong: list[str] = []
    if answer.status != case.status:
        wrong.append(f"status {answer.status}, expected {case.status}: {answer.body[:200]!r}")
    try:
        document = answer.json()
    except ValueError:
        return [*wrong, f"body is not JSON: {answer.body[:200]!r}"]
    if b"Traceback" in answer.body:
        wrong.append("a traceback in the answer")
    if case.status == 201:
        if not isinstance(document, dict) or set(document) != CREATED_FIELDS:
            return [*wrong, f"201 document {document}"]
        bucket = stack.outputs["bucket_name"]
        if (document["key"], document["bucket"]) != (case.key, bucket):
            wrong.append(f"stored at {document['bucket']}/{document['key']}, expected {case.key}")
        if new != {(document["key"], document["version_id"])}:
            wrong.append(f"new versions {new}, expected exactly the reported one")
        else:
            data = stack.s3.get_object(Bucket=bucket, Key=document["key"])["Body"].read()
            if data != case.stored:
                wrong.append(f"object holds {data[:80]!r}, expected {(case.stored or b'')[:80]!r}")
        return wrong
    if new:
        wrong.append(f"a request that must be rejected created versions {new}")
    if case.error is None:  # API Gateway's own answer
        if document != GATEWAY_BODIES.get(case.status):
            wrong.append(f"gateway body {document}")
    elif not isinstance(document, dict) or set(document) != ERROR_FIELDS:
        wrong.append(f"error document {document}")
    else:
        if document["error"] != case.error:
            wrong.append(f"error {document['error']}, expected {case.error}")
        if document["request_id"] != answer.headers.get("apigw-requestid"):
            wrong.append(f"request_id {document['request_id']} is not the gateway's")
        if not (isinstance(document["message"], str) and document["message"]):
            wrong.append("empty message")
        if answer.headers.get("content-type") != "application/json":
            wrong.append(f"content-type {answer.headers.get('content-type')}")
    return wrong


def test_hostile_corpus_gets_the_documented_answers_and_writes_nothing(stack: Stack) -> None:
    before = all_versions(stack)
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    created_by_rejected = 0
    for case in CORPUS:
        answer = send(stack, case)
        statuses[answer.status] += 1
        after = all_versions(stack)
        new = set(after) - set(before)
        before = after
        if answer.status != 201:
            created_by_rejected += len(new)
        failures += [
            f"{case.label!r} {case.target[:60]!r}: {p}" for p in problems(case, answer, new, stack)
        ]
    fives = sum(n for status, n in statuses.items() if status >= 500)
    rejected = sum(n for status, n in statuses.items() if status != 201)
    print(
        f"\nhostile corpus: {len(CORPUS)} requests, {rejected} rejected, "
        f"statuses {dict(sorted(statuses.items()))}, 5xx {fives}, "
        f"versions created by rejected requests {created_by_rejected}"
    )
    assert not failures, "\n".join(failures)
    assert fives == 0
    assert created_by_rejected == 0


def test_corpus_size_and_coverage() -> None:
    statuses = Counter(case.status for case in CORPUS)
    rejected = [case for case in CORPUS if case.status != 201]
    assert len(CORPUS) >= 60
    assert len(rejected) >= 60
    assert set(statuses) == {201, 400, 404, 409, 413, 415}
    errors = Counter(case.error for case in rejected if case.error)
    assert set(errors) == {
        "invalid_name",
        "invalid_query",
        "unsupported_media_type",
        "empty_body",
        "invalid_utf8",
        "nul_in_text",
        "invalid_json",
        "body_too_large",
        "already_exists",
    }
    assert len({case.label for case in CORPUS}) == len(CORPUS)
    print(f"\ncorpus: {len(CORPUS)} cases, statuses {dict(sorted(statuses.items()))}")


# Gaps the corpus found, now fixed and kept as regression tests. Each asserts what API Gateway
# and the contract call for (a 4xx with a JSON body, or the 201 of a valid text); the reason says
# what used to happen.


def gap(
    case_id: str,
    request_line: str,
    headers: Headers,
    body: bytes,
    expected: set[int],
    reason: str,
    stored: bytes | None = None,
    raises: type[BaseException] = AssertionError,
) -> Any:
    """A regression case; reason and raises record the failure it had before the fix."""
    return pytest.param(
        request_line,
        headers,
        body,
        expected,
        stored,
        id=case_id,
    )


GAPS = [
    gap(
        "negative-content-length",
        "POST /x.txt HTTP/1.1",
        (*TEXT, ("Content-Length", "-1")),
        b"x",
        {400},
        "gateway: rfile.read(-1) reads until EOF: no answer while the client keeps the "
        "connection open",
        raises=TimeoutError,
    ),
    gap(
        "unknown-method",
        "TRACE /x.txt HTTP/1.1",
        (),
        b"",
        {404},
        "gateway: http.server answers 501 (a 5xx, HTML) to a method without a do_ handler",
    ),
    gap(
        "lower-case-method",
        "post /x.txt HTTP/1.1",
        TEXT,
        b"x",
        {404},
        "gateway: 501 (HTML) for 'post'; no route matches, so API Gateway would say 404",
    ),
    gap(
        "leading-double-slash",
        "POST //x HTTP/1.1",
        TEXT,
        b"x",
        {400},
        "gateway: http.server (gh-87389) rewrites a leading '//' to '/' before routing: the "
        "name '/x' (an empty segment) is stored as 'x' (201), and '///' takes the POST / route",
    ),
    gap(
        "non-numeric-content-length",
        "POST /x.txt HTTP/1.1",
        (*TEXT, ("Content-Length", "abc")),
        b"x",
        {400},
        "gateway: int('abc') raises in _serve: the connection closes without an answer",
        raises=http.client.RemoteDisconnected,
    ),
    gap(
        "chunked-body",
        f"POST /{OK}/chunked.txt HTTP/1.1",
        (*TEXT, ("Transfer-Encoding", "chunked")),
        b"5\r\nhello\r\n0\r\n\r\n",
        {201, 411},
        "gateway: Transfer-Encoding is ignored: the body is read as empty (400 empty_body) and "
        "the chunks stay on the connection, parsed as the next request",
        stored=b"hello",
    ),
    gap(
        "quoted-charset",
        f"POST /{OK}/quoted.txt HTTP/1.1",
        (("Content-Type", 'text/plain; charset="utf-8"'),),
        b"q",
        {201},
        'handler: charset="utf-8" is charset=utf-8 (RFC 9110 5.6.6) but answers 415',
        stored=b"q",
    ),
    gap(
        "tab-before-parameter",
        f"POST /{OK}/tab.txt HTTP/1.1",
        (("Content-Type", "text/plain;\tcharset=utf-8"),),
        b"t",
        {201},
        "handler: a tab is optional whitespace (RFC 9110 5.6.3) but only spaces are removed: 415",
        stored=b"t",
    ),
]


@pytest.mark.parametrize(("request_line", "headers", "body", "expected", "stored"), GAPS)
def test_gap(
    stack: Stack,
    request_line: str,
    headers: Headers,
    body: bytes,
    expected: set[int],
    stored: bytes | None,
) -> None:
    method = request_line.split(" ")[0]
    lines = [request_line, f"Host: {urllib.parse.urlsplit(stack.url).netloc}"]
    # signed for the body the gateway reads (a chunked body is signed as its decoded text)
    lines += signature(stack, method, request_line.split(" ")[1], stored or body)
    lines += [f"{name}: {value}" for name, value in headers]
    if not any(name.lower() in ("content-length", "transfer-encoding") for name, _ in headers):
        lines.append(f"Content-Length: {len(body)}")
    request = "\r\n".join([*lines, "", ""]).encode("latin-1") + body
    answer = exchange(stack.url, request, method, timeout=5)  # the connection stays open
    assert answer.status in expected, (answer.status, answer.body[:200])
    document = answer.json()
    assert isinstance(document, dict)
    if answer.status == 201:
        found = stack.s3.get_object(Bucket=document["bucket"], Key=document["key"])
        assert found["Body"].read() == stored
