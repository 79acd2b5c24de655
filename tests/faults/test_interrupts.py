"""Interrupted runs converge: make apply and make destroy cut off by SIGINT (a cancelled CI job)
or SIGKILL (a lost runner) at several points, then the next runs as a team would make them.

The cases run in file order on one stack (dev): each apply case leaves the stack up and each
destroy case leaves it down, for the next. Each ends with `Bench.settle`: state and account agree,
no lock is left, and (stack up) a plan plans nothing.

- SIGINT: Terraform stops gracefully, saves what it did and releases the lock. A create whose
  answer came just before the interrupt may still be lost from state (the provider's read after
  it is cancelled): make recover adopts it (and finds nothing otherwise); plan and apply converge.
- SIGKILL: nothing is saved since the last state snapshot and the lock stays. make plan names the
  lock and how to clear it; make unlock clears it; make recover adopts what the killed run created
  (the stack's name and tag), after which plan and apply converge. A killed destroy leaves state
  naming resources already gone: the next destroy refreshes them away.
"""

from __future__ import annotations

import signal

import pytest

from scribe_local.emulator.faults import Rule
from tests.faults.conftest import Bench, Figures, faults

SIGINT, SIGKILL = signal.SIGINT, signal.SIGKILL
# make test runs one case of each kind (SIGINT apply then destroy, SIGKILL apply then destroy);
# the other cut-off points are `exhaustive`: make faults runs them (CI: on a schedule).
EXHAUSTIVE = pytest.mark.exhaustive


def _converge(bench: Bench, figures: Figures) -> None:
    bench.deploy("dev", figures)
    bench.settle("dev", figures)


def _unlock_after_kill(bench: Bench, figures: Figures) -> None:
    """A killed run's lock: make plan names it, make unlock clears exactly it."""
    lock_id = bench.lock_id("dev")
    code, output = bench.make("plan", "dev", figures)
    assert code != 0
    assert lock_id in output, output[-3000:]
    assert f"make unlock ENV=dev LOCK_ID={lock_id}" in output, output[-3000:]
    code, output = bench.make("unlock", "dev", figures, LOCK_ID=lock_id)
    assert code == 0, output
    assert bench.lock_objects("dev") == []


@pytest.mark.parametrize(
    ("case", "call"),
    [
        pytest.param("apply SIGINT early", "apigatewayv2.CreateApi", marks=EXHAUSTIVE),
        # Late: the route answered just before the interrupt was lost from state (recover).
        ("apply SIGINT late", "apigatewayv2.CreateRoute"),
    ],
)
def test_sigint_apply_then_destroy_converge(bench: Bench, case: str, call: str) -> None:
    figures = Figures(case)
    code, output = bench.interrupted("apply", "dev", call, SIGINT, figures, plan_first=True)
    assert code != 0, output[-3000:]
    assert "Interrupt received" in output, output[-3000:]
    assert bench.lock_objects("dev") == [], "SIGINT must release the lock"
    # Graceful, yet a create whose follow-up read the interrupt cancelled is not saved (seen:
    # the route of a CreateRoute answered just before SIGINT): make recover adopts it.
    figures.orphans_before = bench.orphans("dev")
    # (SIGINT between CreateBucket and its PutBucketTagging leaves the bucket untagged: the run's
    # record of intent names it, and recover adopts it with no hand-made tag.)
    code, output = bench.make("recover", "dev", figures)
    assert code == 0, output[-4000:]
    assert "state and account agree" in output
    _converge(bench, figures)

    figures = Figures(f"destroy SIGINT after {call.replace('Create', 'Delete')}")
    deleted = call.replace("Create", "Delete")
    code, output = bench.interrupted("destroy", "dev", deleted, SIGINT, figures)
    assert code != 0, output[-3000:]
    assert bench.lock_objects("dev") == []
    code, output = bench.make("destroy", "dev", figures)
    assert code == 0, output[-3000:]
    bench.settle("dev", figures, up=False)


@pytest.mark.parametrize(
    ("case", "call", "created"),
    [
        # The first wave: the bucket is created, not yet tagged (its PutBucketTagging is the
        # provider's second call), the roles maybe created: recover adopts them all on the
        # evidence of the run's record of intent (scribe_local/terraform/intent.py).
        ("apply SIGKILL before the bucket's tagging", "s3.PutBucketTagging", "aws_s3_bucket"),
        pytest.param(
            "apply SIGKILL mid-way",
            "lambda.CreateFunction",
            "aws_lambda_function",
            marks=EXHAUSTIVE,
        ),
        pytest.param(
            "apply SIGKILL late",
            "apigatewayv2.CreateStage",
            "aws_apigatewayv2_stage",
            marks=EXHAUSTIVE,
        ),
    ],
)
def test_sigkill_apply_recovers_then_destroy_converges(
    bench: Bench, case: str, call: str, created: str
) -> None:
    figures = Figures(case)
    if created == "aws_s3_bucket":
        # Exactly the window: the bucket's tagging is held and never sent; the runner dies as it
        # is asked for.
        faults(bench, Rule("unsent", lambda c: c == call, hold_s=10))
    arrived = created == "aws_s3_bucket"
    code, _ = bench.interrupted(
        "apply", "dev", call, SIGKILL, figures, plan_first=True, arrived=arrived
    )
    faults(bench)
    assert code == -SIGKILL
    figures.orphans_before = bench.orphans("dev")
    # What the killed run created last is in the account and not in state (the bucket without
    # the stack's tag: not the stack's by its tag, only by the run's record of intent).
    untagged = [r.describe() for r in bench.agreement("dev").foreign]
    left = untagged if created == "aws_s3_bucket" else figures.orphans_before
    assert any(o.startswith(f"{created} ") for o in left), (untagged, figures.orphans_before)
    assert bench.intent_objects("dev") != []  # the killed run's record of intent
    _unlock_after_kill(bench, figures)
    code, output = bench.make("recover", "dev", figures)
    assert code == 0, output[-4000:]
    assert "state and account agree" in output
    assert "record(s) of intent" in output
    _converge(bench, figures)

    figures = Figures("destroy SIGKILL after lambda.DeleteFunction")
    code, _ = bench.interrupted("destroy", "dev", "lambda.DeleteFunction", SIGKILL, figures)
    assert code == -SIGKILL
    _unlock_after_kill(bench, figures)
    code, output = bench.make("destroy", "dev", figures)
    assert code == 0, output[-3000:]
    bench.settle("dev", figures, up=False)


# A lost runner at any point of the first wave (the creates that need nothing the run made before
# them), each killed as the call arrives or once it is answered: make unlock (when the run got as
# far as the lock) and make recover alone bring the stack back, with no hand-made change.
FIRST_WAVE = [
    ("iam.CreateRole", True),
    ("iam.CreateRole", False),
    ("logs.CreateLogGroup", False),
    ("s3.CreateBucket", True),
    ("s3.CreateBucket", False),
    ("logs.PutRetentionPolicy", False),
    ("s3.PutBucketVersioning", False),
    ("iam.PutRolePolicy", False),
]


@EXHAUSTIVE
@pytest.mark.parametrize(
    ("call", "arrived"), FIRST_WAVE, ids=[f"{c}-{'as' if a else 'after'}" for c, a in FIRST_WAVE]
)
def test_sigkill_anywhere_in_the_first_wave_converges_by_unlock_and_recover(
    bench: Bench, call: str, arrived: bool
) -> None:
    figures = Figures(f"apply SIGKILL {'as' if arrived else 'after'} {call} (first wave)")
    code, _ = bench.interrupted(
        "apply", "dev", call, SIGKILL, figures, plan_first=True, arrived=arrived
    )
    assert code == -SIGKILL
    figures.orphans_before = bench.orphans("dev")
    if bench.lock_objects("dev"):
        _unlock_after_kill(bench, figures)
    code, output = bench.make("recover", "dev", figures)
    assert code == 0, output[-4000:]
    assert "state and account agree" in output
    _converge(bench, figures)
    code, output = bench.make("destroy", "dev", figures)
    assert code == 0, output[-3000:]
    bench.settle("dev", figures, up=False)
