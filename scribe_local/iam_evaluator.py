"""IAM decisions made by a real policy evaluator: @cloud-copilot/iam-simulate, run by Node.

`evaluate(policies, requests)` sends every request to one Node process
(`scribe_local/iam_evaluator/evaluate.mjs`) and returns one `Decision` per request, in order.
The evaluator applies AWS's rules: an explicit Deny wins; otherwise an identity-policy Allow (or,
in the same account, a resource-policy Allow) is needed, and every permissions boundary must
allow too. Every condition operator is AWS's (`*` and `?` span `/` in StringLike and ARN
matching). It is a test-only tool: its licence (AGPL-3.0-or-later) never reaches a module or the
Lambda zip. `make iam-evaluator` installs it from `scribe_local/iam_evaluator/package-lock.json`
(integrity-checked by `npm ci`).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from scribe_local.paths import REPO

EVALUATOR_DIR = REPO / "scribe_local" / "iam_evaluator"
ACCOUNT = "123456789012"

Document = dict[str, Any]
ContextValue = str | list[str]
Result = Literal["Allowed", "ImplicitlyDenied", "ExplicitlyDenied"]


@dataclass(frozen=True)
class Request:
    """One request as AWS authorizes it: who, which action on which resource, with which keys.

    identity, boundaries and resource_policy name documents of the `policies` mapping given to
    `evaluate`. context holds exactly the condition keys AWS supplies for this request.
    """

    principal: str
    action: str
    resource: str
    identity: tuple[str, ...] = ()
    boundaries: tuple[str, ...] = ()
    resource_policy: str | None = None
    context: Mapping[str, ContextValue] = field(default_factory=dict)
    account: str = ACCOUNT


@dataclass(frozen=True)
class Decision:
    result: Result
    deciding: tuple[str, ...]  # "policy/Sid" of the statements that decided (allow or deny)
    blocked_by: tuple[str, ...]  # the layers that lacked an Allow: identity, pb, resource

    @property
    def allowed(self) -> bool:
        return self.result == "Allowed"


class EvaluatorError(RuntimeError):
    pass


def node_binary() -> str:
    node = shutil.which("node")
    if node is None:
        raise EvaluatorError(
            "node is not on PATH: install Node.js >= 18 (apt-get install nodejs), "
            "then run make iam-evaluator"
        )
    return node


def ensure_installed() -> None:
    if not (EVALUATOR_DIR / "node_modules" / "@cloud-copilot" / "iam-simulate").is_dir():
        raise EvaluatorError(
            "the IAM evaluator is not installed: run `make iam-evaluator` "
            "(npm ci in scribe_local/iam_evaluator)"
        )


def _batch(policies: Mapping[str, Document], requests: Sequence[Request]) -> dict[str, Any]:
    return {
        "policies": dict(policies),
        "requests": [
            {
                "id": str(index),
                "principal": r.principal,
                "action": r.action,
                "resource": r.resource,
                "account": r.account,
                "context": dict(r.context),
                "identity": list(r.identity),
                "boundaries": list(r.boundaries),
                "resource_policy": r.resource_policy,
            }
            for index, r in enumerate(requests)
        ],
    }


def _decisions(answer: dict[str, Any], count: int) -> list[Decision]:
    if answer["errors"]:
        raise EvaluatorError("invalid policy or request:\n" + "\n".join(answer["errors"]))
    decisions = {
        int(r["id"]): Decision(r["decision"], tuple(r["deciding"]), tuple(r["blocked_by"]))
        for r in answer["results"]
    }
    return [decisions[index] for index in range(count)]


def evaluate(policies: Mapping[str, Document], requests: Sequence[Request]) -> list[Decision]:
    """Decide every request with the evaluator; raise if a policy or an action is invalid."""
    if not requests:
        return []
    ensure_installed()
    done = subprocess.run(
        [node_binary(), str(EVALUATOR_DIR / "evaluate.mjs")],
        input=json.dumps(_batch(policies, requests)),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if done.returncode != 0:
        raise EvaluatorError(f"the IAM evaluator failed:\n{done.stderr.strip()}")
    return _decisions(json.loads(done.stdout), len(requests))


class Evaluator:
    """One evaluator process kept running (`evaluate.mjs --serve`), for a caller that decides
    requests one at a time (the local gateway): the same decisions as `evaluate`, without a
    Node start per request. Thread-safe; started on first use, restarted if it died."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None

    def evaluate(
        self, policies: Mapping[str, Document], requests: Sequence[Request]
    ) -> list[Decision]:
        if not requests:
            return []
        line = json.dumps(_batch(policies, requests)) + "\n"
        with self._lock:
            process = self._running()
            assert process.stdin is not None
            assert process.stdout is not None
            process.stdin.write(line)
            process.stdin.flush()
            answer = process.stdout.readline()
        if not answer:
            raise EvaluatorError(
                "the IAM evaluator stopped: run `make iam-evaluator`, then try again"
            )
        return _decisions(json.loads(answer), len(requests))

    def _running(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            ensure_installed()
            self._process = subprocess.Popen(
                [node_binary(), str(EVALUATOR_DIR / "evaluate.mjs"), "--serve"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
        return self._process

    def close(self) -> None:
        with self._lock:
            if self._process is not None:
                if self._process.stdin is not None:
                    self._process.stdin.close()
                try:
                    self._process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                self._process = None
