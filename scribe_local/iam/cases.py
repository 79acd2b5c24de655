"""One case of the attack table (scribe_local/iam/attacks/): its steps, what an allowed step
leaves behind, what it is expected to be decided, and the decision it got."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from scribe_local.iam_evaluator import Decision, Request

Expected = Literal["allowed", "denied"]


@dataclass(frozen=True)
class Grant:
    """What an allowed step leaves behind: principal `holder` now also has policy `name`."""

    holder: str
    name: str
    document: dict[str, Any]


@dataclass(frozen=True)
class Step:
    request: Request
    grant: Grant | None = None


@dataclass(frozen=True)
class Case:
    name: str
    expected: Expected
    steps: tuple[Step, ...]
    defect: str | None = None  # the issue-10 defect this case exposed on the 0.2.0 policies
    # The finding of the review "Production gated by AWS, not by CI settings" (issue 22) that
    # this case guards: 1 CircleCI main subjects, 2 approvals AWS never saw, 4 the CI user, ...
    finding: str | None = None
    # For an attack IAM cannot refuse (expected "allowed"): what limits it instead, outside IAM
    # (docs/deploying.md's table "What IAM cannot express").
    limited_by: str | None = None


@dataclass(frozen=True)
class Outcome:
    case: Case
    decision: str  # "allowed", or "denied" with the step that was refused
    failed_step: int | None
    decisions: tuple[Decision, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return self.decision == self.case.expected
