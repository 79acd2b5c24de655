"""AWS failures injected into the requests the provider sends to moto, for the fault matrix.

The recording proxy (scribe_local/emulator/recorder.py) asks a `FaultInjector` about each request
before it forwards it. The injector identifies the operation (the same botocore-model
identification the IAM mapping uses, scribe_local/iam/calls/) and, when a rule matches,
answers for AWS:

- `throttle`: the service's own throttling error, as each service documents it: Lambda and API
  Gateway 429 TooManyRequestsException, CloudWatch Logs 400 ThrottlingException, IAM and STS 400
  Throttling (query protocol XML), S3 503 SlowDown. The request never reaches moto.
- `error500`: 500 with the protocol's internal-error shape (InternalFailure / InternalError). The
  request never reaches moto.
- `timeout`: the request IS forwarded and moto carries it out, then the answer is dropped: the
  connection is held `hold_s` and closed without a response. The client cannot tell whether the
  call took effect, the stricter reading of a timeout (a create that succeeded unseen).

A rule applies to the first `times` calls of each operation it names (`first_create` names the
operations that create something: Create*, Put*, Add*), so "the first create of each resource
type" is one rule. Every injected fault is kept in `injected`, in order.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from scribe_local.aws.operations import identify, service_model
from scribe_local.aws.record import Headers, Record

# timeout: AWS carried the request out and the answer was lost; unsent: the request never reached
# AWS (held, then the connection closes): a run killed meanwhile never sent it.
Kind = Literal["throttle", "error500", "timeout", "unsent"]
KINDS: tuple[Kind, ...] = ("throttle", "error500", "timeout", "unsent")
CREATE_PREFIXES = ("Create", "Put", "Add")
# The S3 backend's state and lock objects are not the provider's: never faulted.
STATE_OPERATIONS = frozenset(
    {"s3.GetObject", "s3.PutObject", "s3.DeleteObject", "s3.HeadObject", "s3.ListObjectsV2"}
)
# Each service's throttling error (status, code), from its API reference.
THROTTLING = {
    "lambda": (429, "TooManyRequestsException"),
    "apigatewayv2": (429, "TooManyRequestsException"),
    "apigateway": (429, "TooManyRequestsException"),
    "logs": (400, "ThrottlingException"),
    "iam": (400, "Throttling"),
    "sts": (400, "Throttling"),
    "s3": (503, "SlowDown"),
}


@dataclass(frozen=True)
class Answer:
    """What the proxy does instead of (or after) forwarding: reply with status/headers/body, or
    (drop=True) forward (unless forward=False), then close the connection without replying
    after hold_s."""

    status: int = 0
    headers: Headers = field(default_factory=list)
    body: bytes = b""
    drop: bool = False
    hold_s: float = 0.0
    forward: bool = True
    note: str = ""


@dataclass(frozen=True)
class Rule:
    kind: Kind
    operations: Callable[[str], bool]  # "service.Operation" -> whether the rule covers it
    times: int = 1  # faults per operation
    hold_s: float = 1.0  # timeout: how long the dropped request is held


@dataclass(frozen=True)
class Injected:
    """One fault given: which call, what kind, which attempt of it (from 1)."""

    call: str
    kind: Kind
    attempt: int


def first_create(call: str) -> bool:
    """The calls that create or set something, outside the state backend's objects."""
    operation = call.split(".", 1)[1]
    return call not in STATE_OPERATIONS and operation.startswith(CREATE_PREFIXES)


class FaultInjector:
    """`FaultInjector([Rule("throttle", first_create)])`; hand it to RecordingProxy(faults=...)."""

    def __init__(self, rules: Iterable[Rule] = ()) -> None:
        self.rules = list(rules)
        self._lock = threading.Lock()
        self._seen: dict[tuple[int, str], int] = {}
        self.injected: list[Injected] = []
        self.calls: list[str] = []  # every identified call, in arrival order

    def set(self, rules: Iterable[Rule]) -> None:
        """Inject these from now on, each counting its faults afresh."""
        with self._lock:
            self.rules = list(rules)
            self._seen.clear()

    def decide(self, record: Record) -> Answer | None:
        """The fault for this request (record: as received, no answer yet), or None: forward."""
        operation = identify(record)
        if operation is None:
            return None
        call = operation.call
        with self._lock:
            self.calls.append(call)
            for index, rule in enumerate(self.rules):
                if not rule.operations(call):
                    continue
                count = self._seen.get((index, call), 0)
                if count >= rule.times:
                    continue
                self._seen[(index, call)] = count + 1
                self.injected.append(Injected(call, rule.kind, count + 1))
                return answer(rule, operation.service)
        return None

    def faulted(self, kind: Kind | None = None) -> list[str]:
        """The calls that got a fault (of kind), in order, each once."""
        with self._lock:
            calls = [i.call for i in self.injected if kind is None or i.kind == kind]
        return list(dict.fromkeys(calls))


def answer(rule: Rule, service: str) -> Answer:
    if rule.kind == "timeout":
        return Answer(drop=True, hold_s=rule.hold_s, note="injected timeout: answer dropped")
    if rule.kind == "unsent":
        note = "injected: request held, never sent"
        return Answer(drop=True, hold_s=rule.hold_s, forward=False, note=note)
    if rule.kind == "throttle":
        status, code = THROTTLING.get(service, (429, "TooManyRequestsException"))
        return error(service, status, code, "Rate exceeded", "injected throttling")
    code = "InternalError" if service == "s3" else "InternalFailure"
    message = "We encountered an internal error. Please try again."
    return error(service, 500, code, message, "injected 500")


def error(service: str, status: int, code: str, message: str, note: str) -> Answer:
    """An error answer in the service's protocol (botocore's model says which)."""
    protocol = service_model(service).metadata["protocol"]
    if protocol in ("json", "rest-json"):
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)]
    elif protocol == "rest-xml":
        body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>".encode()
        headers = [("Content-Type", "application/xml")]
    else:  # query
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
            f"<Message>{message}</Message></Error><RequestId>fault</RequestId></ErrorResponse>"
        ).encode()
        headers = [("Content-Type", "text/xml")]
    return Answer(status, [*headers, ("x-amzn-RequestId", "fault")], body, note=note)
