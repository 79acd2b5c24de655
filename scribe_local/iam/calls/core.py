"""What a mapping produces (MappedCall, CallMap), what a run learns (Ledger), and the helpers
every service module shares: building a MappedCall, the default action, tags in requests and
answers, the query and XML protocols."""

from __future__ import annotations

import urllib.parse
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scribe_local.aws.operations import Operation, service_model
from scribe_local.aws.record import Record
from scribe_local.iam.calls.tables import (
    ACTIONS,
    IAM_PREFIXES,
    NO_IAM_ACTION,
    NO_PERMISSION_NEEDED,
    NOT_AUTHORIZED,
    REQUEST_TAG_ACTIONS,
    RESOURCE_TAG_ARNS,
    TAG_ON_CREATE,
    UNTAG_ACTIONS,
)
from scribe_local.iam_evaluator import ACCOUNT, ContextValue, Request

Context = dict[str, ContextValue]

Tags = dict[str, str]


@dataclass(frozen=True)
class MappedCall:
    """One IAM authorization AWS makes for a recorded request (a request may need several)."""

    call: str  # "s3.PutBucketVersioning", or with the reason of an extra check in parentheses
    action: str  # "s3:PutBucketVersioning"; "" when the request could not be mapped (see note)
    resource: str  # the ARN authorized, or "*"
    context: Mapping[str, ContextValue] = field(default_factory=dict)
    phase: str | None = None
    access_key_id: str | None = None
    seq: int = -1  # the record's seq
    note: str = ""  # why unmapped, or a flag such as "needs no permission"

    @property
    def mapped(self) -> bool:
        return bool(self.action) and bool(self.resource)

    @property
    def authorized(self) -> bool:
        """False for a request AWS answers before any IAM decision (see NOT_AUTHORIZED)."""
        return self.note != NOT_AUTHORIZED

    def request(
        self,
        principal: str,
        identity: Sequence[str] = (),
        boundaries: Sequence[str] = (),
        resource_policy: str | None = None,
    ) -> Request:
        """The evaluator's request for this call, made by principal under the named policies."""
        return Request(
            principal=principal,
            action=self.action,
            resource=self.resource,
            identity=tuple(identity),
            boundaries=tuple(boundaries),
            resource_policy=resource_policy,
            context=dict(self.context),
        )


@dataclass
class CallMap:
    """Every MappedCall of a run, in record order."""

    calls: list[MappedCall]

    @property
    def unmapped(self) -> list[MappedCall]:
        return [call for call in self.calls if not call.mapped]

    def pairs(self) -> set[tuple[str, str]]:
        return {(call.call, call.action) for call in self.calls if call.mapped}

    def actions(self) -> set[str]:
        return {call.action for call in self.calls if call.mapped}

    def in_phase(self, phase: str) -> list[MappedCall]:
        return [call for call in self.calls if call.phase == phase]


@dataclass
class Ledger:
    """What a run has learnt so far: role/user paths and boundaries, resource tags, callers.

    AWS knows these when it authorizes a request; a request alone does not carry them (a role
    name is not its ARN when the role has a path). iam_requests updates the ledger from each
    record (requests and answers), so records must be given in order.
    """

    account: str = ACCOUNT
    paths: dict[str, str] = field(default_factory=dict)  # "role/name" or "user/name" -> path
    boundaries: dict[str, str] = field(default_factory=dict)  # principal ARN -> boundary ARN
    tags: dict[str, Tags] = field(default_factory=dict)  # resource ARN -> its known tags
    callers: dict[str, str] = field(default_factory=dict)  # access key id -> principal ARN

    def iam_arn(self, kind: str, name: str) -> str:
        path = self.paths.get(f"{kind}/{name}", "/")
        return f"arn:aws:iam::{self.account}:{kind}{path}{name}"

    def remember_path(self, kind: str, name: str, path: str | None) -> None:
        if path:
            self.paths[f"{kind}/{name}"] = path if path.endswith("/") else path + "/"

    def forget(self, arn: str) -> None:
        """A deleted resource: what was known of it no longer holds."""
        self.tags.pop(arn, None)
        self.boundaries.pop(arn, None)

    def tag(self, arn: str, added: Mapping[str, str]) -> None:
        self.tags.setdefault(arn, {}).update(added)

    def untag(self, arn: str, keys: Iterable[str]) -> None:
        for key in keys:
            self.tags.get(arn, {}).pop(key, None)


def unidentified(record: Record) -> str:
    scope = record.scope
    service = scope.service if scope else "unsigned"
    return f"{service}.{record.method} {record.path}"


def unmapped(record: Record, call: str, why: str) -> MappedCall:
    return MappedCall(
        call=call,
        action="",
        resource="",
        phase=record.phase,
        access_key_id=record.access_key_id,
        seq=record.seq,
        note=why,
    )


def mapped_call(
    operation: Operation,
    action: str,
    resource: str,
    context: Mapping[str, ContextValue] | None = None,
    why: str = "",
    note: str = "",
) -> MappedCall:
    record = operation.record
    return MappedCall(
        call=f"{operation.call} ({why})" if why else operation.call,
        action=action,
        resource=resource,
        context=dict(context or {}),
        phase=record.phase,
        access_key_id=record.access_key_id,
        seq=record.seq,
        note=note or NO_PERMISSION_NEEDED.get(operation.call, ""),
    )


def default_action(service: str, operation: str) -> str:
    """The IAM action of an operation: the table's, else `<prefix>:<Operation>` ("" if none)."""
    if operation in NO_IAM_ACTION.get(service, frozenset()):
        return ""
    table = ACTIONS.get(service, {})
    if operation in table:
        return table[operation]
    return f"{iam_prefix(service)}:{operation}"


def iam_prefix(service: str) -> str:
    """The IAM service prefix: the table's, else the signing name (which it usually is)."""
    if service in IAM_PREFIXES:
        return IAM_PREFIXES[service]
    metadata = service_model(service).metadata
    return str(metadata.get("signingName") or metadata.get("endpointPrefix") or service)


def map_generic(operation: Operation, ledger: Ledger) -> list[MappedCall]:
    return [unmapped(operation.record, operation.call, "no resource mapping for this service")]


def learn_nothing(operation: Operation, ledger: Ledger) -> None:
    return None


def tag_context(
    action: str, added: Mapping[str, str] | None, removed: Sequence[str] = ()
) -> Context:
    context: Context = {}
    if added and action in REQUEST_TAG_ACTIONS:
        context.update({f"aws:RequestTag/{key}": value for key, value in added.items()})
        context["aws:TagKeys"] = sorted(added)
    if removed and action in UNTAG_ACTIONS:
        context["aws:TagKeys"] = sorted(removed)
    return context


def tag_on_create(operation: Operation, resource: str, added: Tags) -> list[MappedCall]:
    """A create that carries tags is also authorized as the service's tag action."""
    tag_action = TAG_ON_CREATE.get(operation.call)
    if not (tag_action and added):
        return []
    context = tag_context(tag_action, added)
    return [mapped_call(operation, tag_action, resource, context, why="tag on create")]


def resource_tags(ledger: Ledger, resource: str) -> Context:
    if resource not in ledger.tags or not any(p.match(resource) for p in RESOURCE_TAG_ARNS):
        return {}
    return {f"aws:ResourceTag/{key}": value for key, value in ledger.tags[resource].items()}


def tag_map(value: Any) -> Tags:
    """Tags given as a map ({"k": "v"}) or as a list ([{"Key": "k", "Value": "v"}])."""
    if isinstance(value, dict):
        return {str(key): str(item) for key, item in value.items()}
    if isinstance(value, list):
        return {
            str(item.get("Key", item.get("key"))): str(item.get("Value", item.get("value", "")))
            for item in value
            if isinstance(item, dict)
        }
    return {}


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def unique(calls: list[MappedCall]) -> list[MappedCall]:
    seen: set[tuple[str, str, str]] = set()
    kept = []
    for call in calls:
        identity = (call.call, call.action, call.resource)
        if identity not in seen:
            seen.add(identity)
            kept.append(call)
    return kept


def form_tags(form: Mapping[str, str], member: str = "Tags") -> Tags:
    """`Tags.member.N.Key/Value` form fields as a map."""
    tags: Tags = {}
    index = 1
    while f"{member}.member.{index}.Key" in form:
        tags[form[f"{member}.member.{index}.Key"]] = form.get(f"{member}.member.{index}.Value", "")
        index += 1
    return tags


def form_list(form: Mapping[str, str], member: str) -> list[str]:
    """`Member.member.N` form fields as a list."""
    values, index = [], 1
    while f"{member}.member.{index}" in form:
        values.append(form[f"{member}.member.{index}"])
        index += 1
    return values


def url_host_path(url: str) -> str:
    parsed = urllib.parse.urlsplit(url if "://" in url else f"https://{url}")
    return f"{parsed.netloc}{parsed.path}".rstrip("/")


def answer_xml(record: Record) -> ElementTree.Element | None:
    text = record.response_body.text()
    if not text.startswith("<") or record.response_body.truncated:
        return None
    try:
        return ElementTree.fromstring(text)  # noqa: S314 (moto's answer, recorded by us)
    except ElementTree.ParseError:
        return None


def answer_xml_text(record: Record, tag: str) -> str | None:
    root = answer_xml(record)
    if root is None:
        return None
    return next(
        (item.text for item in root.iter() if local_name(item.tag) == tag and item.text), None
    )


def child_element(element: ElementTree.Element, tag: str) -> ElementTree.Element | None:
    return next((child for child in element if local_name(child.tag) == tag), None)


def element_text(element: ElementTree.Element | None) -> str | None:
    return element.text if element is not None else None
