"""One AWS request and its answer as the emulator's proxy keeps them: `Record`, JSON-able.

A body is kept as text when it is UTF-8 (base64 otherwise) and capped in size; a large JSON body
(Lambda CreateFunction carries the zip) keeps its structure with its long strings cut. The SigV4
credential scope names who signed a request, for which region and service.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BODY_CAP = 256 * 1024
ELIDE_LONGER_THAN = 4096
CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/([^/]+)/([^/]+)/([^/]+)/aws4_request")

Headers = list[tuple[str, str]]


@dataclass(frozen=True)
class Body:
    """A body as JSON can hold it: text when it is UTF-8, base64 otherwise; capped in size."""

    data: str = ""
    encoding: str = "text"  # "text" or "base64"
    size: int = 0  # the full size in bytes, before the cap
    truncated: bool = False  # data is the first `cap` bytes only
    elided: bool = False  # a JSON body over the cap, kept whole but with its long strings cut

    @classmethod
    def of(cls, raw: bytes, cap: int = BODY_CAP) -> Body:
        if len(raw) > cap:
            elided = _elide_json(raw, cap)
            if elided is not None:
                return cls(elided, "text", len(raw), elided=True)
        kept = raw[:cap]
        try:
            return cls(kept.decode("utf-8"), "text", len(raw), len(raw) > cap)
        except UnicodeDecodeError:
            return cls(base64.b64encode(kept).decode("ascii"), "base64", len(raw), len(raw) > cap)

    def bytes(self) -> bytes:
        if self.encoding == "base64":
            return base64.b64decode(self.data)
        return self.data.encode("utf-8")

    def text(self) -> str:
        """The body as text (base64 bodies decoded with replacement characters)."""
        if self.encoding == "text":
            return self.data
        return self.bytes().decode("utf-8", errors="replace")


def _elide_json(raw: bytes, cap: int) -> str | None:
    """A large JSON body (Lambda CreateFunction carries the zip in it) with every long string
    replaced by a marker: the parameters that decide authorization (names, roles, tags) stay."""
    try:
        document = json.loads(raw)
    except ValueError:
        return None

    def shorten(value: Any) -> Any:
        if isinstance(value, str) and len(value) > ELIDE_LONGER_THAN:
            return f"<{len(value)} characters elided>"
        if isinstance(value, dict):
            return {key: shorten(item) for key, item in value.items()}
        if isinstance(value, list):
            return [shorten(item) for item in value]
        return value

    text = json.dumps(shorten(document))
    return text if len(text.encode()) <= cap else None


@dataclass(frozen=True)
class Scope:
    """The SigV4 credential scope of a request: who signed it, for which region and service."""

    access_key_id: str
    date: str
    region: str
    service: str


@dataclass(frozen=True)
class Record:
    """One request through the proxy and moto's answer; JSON-able through `to_json`."""

    seq: int  # arrival order, from 0: the order in which iam/calls reads the records
    time: float  # epoch seconds at arrival
    phase: str | None
    method: str
    path: str  # as sent (percent-encoded), without the query
    query: str  # the raw query string, "" when none
    headers: Headers
    body: Body
    status: int = 0  # 0 when moto never answered (see error)
    response_headers: Headers = field(default_factory=list)
    response_body: Body = field(default_factory=Body)
    access_key_id: str | None = None
    duration: float = 0.0
    error: str | None = None
    fault: str | None = None  # the injected failure this request got, if any

    def header(self, name: str) -> str | None:
        return first_header(self.headers, name)

    def response_header(self, name: str) -> str | None:
        return first_header(self.response_headers, name)

    def query_params(self) -> dict[str, list[str]]:
        return urllib.parse.parse_qs(self.query, keep_blank_values=True)

    @property
    def scope(self) -> Scope | None:
        return credential_scope(self.header("authorization"), self.query)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Record:
        values = dict(data)
        values["headers"] = [tuple(pair) for pair in values["headers"]]
        values["response_headers"] = [tuple(pair) for pair in values["response_headers"]]
        values["body"] = Body(**values["body"])
        values["response_body"] = Body(**values["response_body"])
        return cls(**values)


def first_header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers if key.lower() == wanted), None)


def credential_scope(authorization: str | None, query: str) -> Scope | None:
    """The scope from `Authorization: AWS4-HMAC-SHA256 Credential=AKID/date/region/svc/...`
    or, for a presigned URL, from its X-Amz-Credential query parameter."""
    candidates = [authorization or ""]
    presigned = urllib.parse.parse_qs(query).get("X-Amz-Credential", [])
    candidates += [f"Credential={value}" for value in presigned]
    for text in candidates:
        found = CREDENTIAL.search(text)
        if found:
            return Scope(*found.groups())
    return None


def load(path: Path) -> list[Record]:
    """Records written by `RecordingProxy.dump`."""
    lines = path.read_text().splitlines()
    return [Record.from_json(json.loads(line)) for line in lines if line.strip()]
