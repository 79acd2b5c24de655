"""The attack table on the CI identity of bootstrap/accounts/example.tfvars: every decision is the
evaluator's (scribe_local/iam/attacks.py says who attacks and how)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scribe_local.emulator.moto_server import MotoServer
from scribe_local.iam import attacks
from scribe_local.iam.policies import EXAMPLE_ACCOUNT, Identity, render


def test_every_attack_is_denied_and_every_deploy_need_allowed(example: Identity) -> None:
    outcomes = attacks.run(example)
    wrong = [attacks.describe(o) for o in outcomes if not o.passed]
    assert not wrong, "\n".join(wrong)
    denied = [o for o in outcomes if o.case.expected == "denied"]
    allowed = [o for o in outcomes if o.case.expected == "allowed"]
    assert len(denied) >= 40
    assert len(allowed) >= 20
    # Every defect of issue 10's review has cases, and they are denied now.
    assert {o.case.defect for o in denied} >= {"1", "2", "3", "4"}
    # Multi-step attacks ran to their refused step, with the first step allowed.
    chained = [o for o in denied if len(o.case.steps) > 1]
    assert chained
    assert all(o.decisions[0].allowed and o.failed_step == 1 for o in chained)


def test_names_follow_the_account_file(example: Identity) -> None:
    assert set(example.policies) >= {
        f"{kind}-{env}" for kind in ("trust", "deploy", "boundary") for env in ("dev", "prod")
    }
    assert example.boundary_arns == {
        env: f"arn:aws:iam::123456789012:policy/scribe-ci-boundary-{env}" for env in ("dev", "prod")
    }
    assert example.stack_role_paths == {"dev": "/scribe-dev/", "prod": "/scribe-prod/"}


@pytest.mark.parametrize(
    "account",
    sorted(p.name for p in EXAMPLE_ACCOUNT.parent.glob("*.tfvars") if p != EXAMPLE_ACCOUNT),
)
def test_every_account_file_holds_against_the_table(
    account: str, render_dir: Path, moto_server: MotoServer, evaluator_ready: None
) -> None:
    """The account-per-environment files: one environment each, the same table for it."""
    identity = render(moto_server.url, render_dir, EXAMPLE_ACCOUNT.parent / account)
    outcomes = attacks.run(identity)
    wrong = [attacks.describe(o) for o in outcomes if not o.passed]
    assert not wrong, "\n".join(wrong)
    assert len(identity.environments) == 1
    defects = {o.case.defect for o in outcomes if o.case.expected == "denied"}
    assert "2" in defects  # a fork's build is refused in every account
    if "prod" in identity.environments:
        assert "1" in defects  # and prod's ref cannot be injected
