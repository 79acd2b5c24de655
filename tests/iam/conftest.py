"""The CI identity as bootstrap/ renders it, once per worker: the documents the evaluator judges."""

from __future__ import annotations

from pathlib import Path

import pytest

from scribe_local.emulator.moto_server import MotoServer
from scribe_local.iam import attacks
from scribe_local.iam.policies import (
    EXAMPLE_ACCOUNT,
    GITHUB_ACCOUNT,
    WITH_CI_USER,
    Identity,
    render,
)
from scribe_local.iam_evaluator import ensure_installed


@pytest.fixture(scope="session")
def evaluator_ready() -> None:
    ensure_installed()


@pytest.fixture(scope="session")
def render_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("render")


@pytest.fixture(scope="session")
def example(
    render_dir: Path,
    moto_server: MotoServer,
    plan_provider: dict[str, str],
    evaluator_ready: None,
) -> Identity:
    """bootstrap/accounts/example.tfvars (dev and prod in one account) with the IAM user on."""
    return render(moto_server.url, render_dir, EXAMPLE_ACCOUNT, WITH_CI_USER, plan_provider)


@pytest.fixture(scope="session")
def github_example(
    render_dir: Path,
    moto_server: MotoServer,
    plan_provider: dict[str, str],
    evaluator_ready: None,
) -> Identity:
    """bootstrap/accounts/example-github.tfvars: dev and prod trusting GitHub Actions."""
    return render(moto_server.url, render_dir, GITHUB_ACCOUNT, env=plan_provider)


@pytest.fixture(scope="session")
def example_outcomes(example: Identity) -> list[attacks.Outcome]:
    """The attack table on the example account, evaluated once per worker."""
    return attacks.run(example)
