"""Requests checked against AWS's own API model (botocore's service models): what moto accepts
and AWS would refuse.

Each request is identified (scribe_local/aws/operations.py: `identify`) and its input rebuilt
from the wire: the JSON body (JSON and REST-JSON protocols), the XML body (REST-XML: S3, Route 53;
payload structures, wrapped and flattened lists), the URI labels, query string and headers (REST
protocols) and the form fields (query protocol, lists as `<member>.member.N`, maps as
`<member>.entry.N.key/value`). Every member present is checked against its shape: type, enum,
length or item count (`min`/`max`), numeric range and pattern (matched whole, the stricter
reading); a structure's required members must be present. A pattern Python's `re` cannot compile
(Java classes such as `\\p{L}`) is skipped, as are the lengths and patterns of a body that was cut.

Where AWS's documentation is stricter than the model (resource names), `name_rules.py` adds the
documented rule, with its source. Used by moto's model gate (every request of every test,
scribe_local/emulator/model_gate.py) and on the recorded pipeline (tests/apply/test_pipeline.py).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from scribe_local.aws.name_rules import rules_for
from scribe_local.aws.operations import Operation, identify, service_model
from scribe_local.aws.record import Record

MISSING = object()


@dataclass(frozen=True)
class Violation:
    """One member of one request that AWS's model refuses."""

    call: str  # "logs.CreateLogGroup"
    member: str  # "logGroupName", "Tags[0].Key"
    value: str  # the value as sent (cut to 80 characters)
    rule: str  # "length 1..512", "enum ...", "pattern ...", "required", "type integer", ...
    phase: str | None = None
    source: str = "model"  # "model": botocore's; "documentation": name_rules.py

    def describe(self) -> str:
        return (
            f"{self.call} {self.member} = {self.value!r}: AWS's {self.source} requires {self.rule}"
        )


@dataclass
class Examined:
    """What a check of recorded requests covered, and what it found."""

    violations: list[Violation] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)  # checked requests by protocol
    members: int = 0  # members checked (each value of each request, nested ones included)
    seconds: float = 0.0  # spent checking (moto's model gate measures it)


def examine(records: Iterable[Record]) -> Examined:
    """Every recorded request that a service model explains, checked."""
    examined = Examined()
    for record in records:
        if record.path.startswith("/moto-api"):
            continue
        operation = identify(record)
        if operation is not None:
            check(operation, examined)
    return examined


def check_records(records: Iterable[Record]) -> list[Violation]:
    """Every violation of every recorded request that a service model explains."""
    return examine(records).violations


def check(operation: Operation, examined: Examined | None = None) -> list[Violation]:
    """The violations of one identified request (added to examined, with what was checked)."""
    examined = examined if examined is not None else Examined()
    model = service_model(operation.service).operation_model(operation.name)
    shape = model.input_shape
    if shape is None:
        return []
    record = operation.record
    body_whole = not (record.body.truncated or record.body.elided)
    checker = _Checker(operation.call, record.phase, strings=body_whole)
    # As the request was sent (a service may speak several protocols): form fields, a JSON
    # body named by X-Amz-Target, or a REST request.
    rest_json = service_model(operation.service).metadata["protocol"] == "rest-json"
    protocol = "rest-json" if rest_json else "rest-xml"
    if operation.form:
        protocol = "query"
    elif record.header("x-amz-target"):
        protocol = "json"
    if protocol == "query":
        value = _from_form(operation.form, shape, "")
        checker.structure(value, shape, "")
    elif protocol == "json":
        if record.body.truncated:  # no JSON to rebuild
            return []
        body = _json(record.body.text())
        checker.structure(body if isinstance(body, dict) else {}, shape, "", wire=True)
    else:  # rest-json, rest-xml: URI, query and header members, and the body's
        located = _rest_located(shape)
        present = dict(operation.params)
        body_known = protocol == "rest-json" and body_whole
        from_xml: set[str] = set()  # read by member name; JSON bodies are keyed by wire name
        if protocol == "rest-xml" and body_whole:
            body_members = _xml_body(record.body.text(), shape)
            if body_members is not None:
                present.update(body_members)
                from_xml = set(body_members)
                body_known = True
        for name in shape.required_members:
            expected = name in located or (body_known and not _payload(shape, name))
            if name not in present and expected:
                checker.fail(name, "", "required")
        for name, value in present.items():
            if name in shape.members:
                checker.value(value, shape.members[name], name, wire=name not in from_xml)
    examined.violations += checker.found
    examined.requests[protocol] += 1
    examined.members += checker.members
    return checker.found


class _Checker:
    def __init__(self, call: str, phase: str | None, strings: bool) -> None:
        self.call = call
        self.phase = phase
        self.strings = strings  # check lengths and patterns (the body was recorded whole)
        self.found: list[Violation] = []
        self.members = 0

    def fail(self, member: str, value: Any, rule: str, source: str = "model") -> None:
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        self.found.append(Violation(self.call, member, text[:80], rule, self.phase, source))

    def structure(self, value: Any, shape: Any, path: str, wire: bool = False) -> None:
        if not isinstance(value, Mapping):
            self.fail(path, value, "a structure")
            return
        for name in shape.required_members:
            key = _wire(shape.members[name], name) if wire else name
            if value.get(key, MISSING) is MISSING:
                self.fail(_join(path, name), "", "required")
        for name, member in shape.members.items():
            key = _wire(member, name) if wire else name
            if key in value:
                self.value(value[key], member, _join(path, name), wire)

    def value(self, value: Any, shape: Any, path: str, wire: bool = False) -> None:
        kind = shape.type_name
        if value is None:
            return
        self.members += 1
        if kind == "structure":
            self.structure(value, shape, path, wire)
        elif kind == "list":
            if not isinstance(value, list):
                self.fail(path, value, "a list")
                return
            self.count(len(value), shape, path, value, "items")
            for index, item in enumerate(value):
                self.value(item, shape.member, f"{path}[{index}]", wire)
        elif kind == "map":
            if not isinstance(value, Mapping):
                self.fail(path, value, "a map")
                return
            self.count(len(value), shape, path, value, "entries")
            for key, item in value.items():
                self.value(key, shape.key, f"{path}.<key>", wire)
                self.value(item, shape.value, f"{path}[{key}]", wire)
        elif kind == "string":
            self.string(value, shape, path)
        elif kind in ("integer", "long", "double", "float"):
            self.number(value, shape, path, kind)
        elif kind == "boolean" and not isinstance(value, bool) and value not in ("true", "false"):
            self.fail(path, value, "a boolean")

    def count(self, size: int, shape: Any, path: str, value: Any, what: str) -> None:
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if (low is not None and size < low) or (high is not None and size > high):
            self.fail(path, value, f"{_bounds(low, high)} {what}")

    def string(self, value: Any, shape: Any, path: str) -> None:
        if not isinstance(value, str):
            self.fail(path, value, "a string")
            return
        if shape.enum and value not in shape.enum:
            self.fail(path, value, f"one of {', '.join(shape.enum)}")
        if not self.strings:
            return
        self.count(len(value), shape, path, value, "characters")
        pattern = _pattern(shape.metadata.get("pattern") or "")
        if pattern is not None and not pattern.fullmatch(value):
            self.fail(path, value, f"the pattern {shape.metadata['pattern']}")
        for rule in rules_for(self.call, path):
            if not rule.accepts(value):
                self.fail(path, value, rule.describe(), "documentation")

    def number(self, value: Any, shape: Any, path: str, kind: str) -> None:
        number = _number(value, integral=kind in ("integer", "long"))
        if number is None:
            self.fail(path, value, f"a {kind}")
            return
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if (low is not None and number < low) or (high is not None and number > high):
            self.fail(path, value, f"a value {_bounds(low, high)}")
        for rule in rules_for(self.call, path):
            if not rule.accepts(str(number)):
                self.fail(path, value, rule.describe(), "documentation")


def _bounds(low: Any, high: Any) -> str:
    if high is None:
        return f"at least {low}"
    if low is None:
        return f"at most {high}"
    return f"{low}..{high}"


def _number(value: Any, integral: bool) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return None if integral and isinstance(value, float) and not value.is_integer() else value
    if isinstance(value, str):
        try:
            return int(value) if integral else float(value)
        except ValueError:
            return None
    return None


@cache
def _pattern(text: str) -> re.Pattern[str] | None:
    """The model's pattern, which a value must match whole (as AWS's validation reports it:
    "Member must satisfy regular expression pattern"); None when empty or written in a Java
    syntax Python's re does not read."""
    if not text:
        return None
    try:
        return re.compile(text)
    except re.error:
        return None


def _wire(shape: Any, name: str) -> str:
    return str(shape.serialization.get("name", name))


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _json(text: str) -> Any:
    try:
        return json.loads(text) if text else {}
    except ValueError:
        return None


def _rest_located(shape: Any) -> set[str]:
    """Top-level members sent in the URI, the query string or a header."""
    return {
        name
        for name, member in shape.members.items()
        if member.serialization.get("location") in ("uri", "querystring", "header")
    }


def _xml_body(text: str, shape: Any) -> dict[str, Any] | None:
    """The members a REST-XML body carries (S3, Route 53): the payload structure under its
    member's name, or the input's own body members; None when the body is not XML (a blob)."""
    payload = shape.serialization.get("payload")
    if payload and shape.members[payload].type_name != "structure":
        return None
    if not text.lstrip().startswith("<"):
        return {} if not payload else None
    try:
        root = ElementTree.fromstring(text)  # noqa: S314 (a request our own clients sent)
    except ElementTree.ParseError:
        return None
    if payload:
        return {payload: _from_xml(root, shape.members[payload])}
    located = _rest_located(shape)
    built = _from_xml(root, shape)
    return {name: value for name, value in built.items() if name not in located}


def _from_xml(element: ElementTree.Element, shape: Any) -> Any:
    """An XML element read as the shape's value: structures by member element names, lists
    wrapped (`<Tags><Tag>...`) or flattened, maps as entry/key/value; scalars as text (the
    checker reads numbers and booleans from text, as the query protocol sends them)."""
    kind = shape.type_name
    children = list(element)
    if kind == "structure":
        built: dict[str, Any] = {}
        for name, member in shape.members.items():
            if member.serialization.get("xmlAttribute"):
                continue
            wire = _wire(member, name)
            matching = [child for child in children if _local(child.tag) == wire]
            if not matching:
                continue
            if member.type_name == "list" and member.serialization.get("flattened"):
                built[name] = [_from_xml(child, member.member) for child in matching]
            else:
                built[name] = _from_xml(matching[0], member)
        return built
    if kind == "list":
        item = _wire(shape.member, "member")
        return [_from_xml(child, shape.member) for child in children if _local(child.tag) == item]
    if kind == "map":
        key_name, value_name = _wire(shape.key, "key"), _wire(shape.value, "value")
        entries: dict[str, Any] = {}
        for entry in children:
            key = next((c.text for c in entry if _local(c.tag) == key_name), None)
            value = next((c for c in entry if _local(c.tag) == value_name), None)
            if key is not None and value is not None:
                entries[key] = _from_xml(value, shape.value)
        return entries
    return element.text or ""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _payload(shape: Any, name: str) -> bool:
    return bool(shape.serialization.get("payload") == name)


def _from_form(form: Mapping[str, str], shape: Any, prefix: str) -> Any:
    """The query protocol's flattened fields rebuilt as the shape's value (MISSING if absent)."""
    kind = shape.type_name
    if kind == "structure":
        built: dict[str, Any] = {}
        for name, member in shape.members.items():
            wire = _wire(member, name)
            value = _from_form(form, member, f"{prefix}.{wire}" if prefix else wire)
            if value is not MISSING:
                built[name] = value
        if prefix and not built and not any(key.startswith(f"{prefix}.") for key in form):
            return MISSING
        return built
    if kind == "list":
        items, index = [], 1
        base = f"{prefix}.member" if not shape.serialization.get("flattened") else prefix
        while any(key == f"{base}.{index}" or key.startswith(f"{base}.{index}.") for key in form):
            items.append(_from_form(form, shape.member, f"{base}.{index}"))
            index += 1
        if not items and prefix not in form:
            return MISSING
        return items
    if kind == "map":
        entries, index = {}, 1
        while f"{prefix}.entry.{index}.key" in form:
            key = form[f"{prefix}.entry.{index}.key"]
            entries[key] = _from_form(form, shape.value, f"{prefix}.entry.{index}.value")
            index += 1
        return entries if entries else MISSING
    return form.get(prefix, MISSING)
