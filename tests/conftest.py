"""Session fixtures: one moto server per test process (pytest-xdist worker), the Lambda zip."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from scribe_local.aws.model_check import Examined
from scribe_local.emulator.moto_server import MotoServer
from scribe_local.packaging import build_package
from scribe_local.terraform.cli_config import TerraformMissing, terraform_binary, write_cli_config
from scribe_local.terraform.provider_server import shared_provider
from tests.timing import MODEL_CHECKED, pytest_addoption, pytest_configure

__all__ = ["pytest_addoption", "pytest_configure"]  # --test-times (make test): tests/timing.py

# Terraform and the AWS provider are Go programs; the provider allocates a large heap loading its
# schema, and with Go's default GOGC=100 about a quarter of a plan's CPU went to collecting it.
# GOGC=400 lets the heap grow to 5x the live heap between collections: a no-op plan of the stack
# took 2.7 CPU-seconds instead of 3.5, at 490 MB of peak memory instead of 440 (on 2 cores).
# Every Terraform command the tests run inherits it (make targets included); nothing outside the
# tests is changed.
os.environ.setdefault("GOGC", "400")

# `make test` hands whole files to its xdist workers (--dist loadfile) in collection order (with
# --no-loadscope-reorder: by default xdist would reorder files by their number of tests). Left at
# the end, one of these would run alone while the other workers idle: they go first, longest
# first (seconds of each file in `make test` on 2 cores, build/test-times.json), and the short
# files fill in behind them.
LONGEST_FIRST = (
    "tests/apply/test_pipeline.py",  # 240 (prod with every optional feature: Route 53 waits)
    "tests/faults/test_interrupts.py",  # 225 (make test's cases; make faults runs all)
    "tests/faults/test_injected.py",  # 225
    "tests/apply/test_example_complete.py",  # 130 (S3 lifecycle and Route 53 waits)
    "tests/apply/test_defaults_unchanged.py",  # 110 (two applies of the old tree)
    "tests/apply/test_domain.py",  # 50
    "tests/plan/test_native.py",  # 50
    "tests/bench/test_bench_smoke.py",  # 50
    "tests/unit/test_property.py",  # 45
    "tests/plan/test_api.py",  # 45
    "tests/iam/test_attacks.py",  # 45
    "tests/apply/test_example_multi_tenant.py",  # 40
    "tests/apply/test_concurrency.py",  # 37
    "tests/apply/test_stack.py",  # 35
    "tests/apply/test_hostile.py",  # 32
    "tests/plan/test_lambda.py",  # 29
    "tests/plan/test_bucket.py",  # 29
    "tests/plan/test_ci_identity.py",  # 27
    "tests/apply/test_example_existing_bucket.py",  # 24
    "tests/plan/test_envs.py",  # 24
    "tests/unit/test_s3_faults.py",  # 20
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: position for position, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


@pytest.fixture(scope="session")
def terraform_ready() -> None:
    try:
        terraform_binary()
        write_cli_config()
    except TerraformMissing as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """One moto server for the whole session of this worker, on a free loopback port."""
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    server = MotoServer.start(log_path=log)
    yield server
    try:
        refused = refusals(server)  # a module fixture's teardown, after the worker's last test
    finally:
        server.stop()
    if refused:
        pytest.fail(refused, pytrace=False)


@pytest.fixture(autouse=True)
def aws_accepts_every_request(request: pytest.FixtureRequest) -> Iterator[None]:
    """moto accepting a request is not AWS accepting it: every request a test (its Terraform,
    its handler, its clients) sent to moto is checked against AWS's API model as it arrives
    (scribe_local/emulator/model_gate.py); after the test, a violation fails it. A test that
    sends a refused request on purpose drains the gate itself and asserts on what it found."""
    if "moto_server" not in request.fixturenames:
        yield
        return
    server: MotoServer = request.getfixturevalue("moto_server")
    yield
    examined = server.drain_model_check()
    checked = (sum(examined.requests.values()), round(examined.seconds, 3))
    request.node.user_properties.append((MODEL_CHECKED, checked))
    refused = refusals(server, examined)
    if refused:
        pytest.fail(refused, pytrace=False)


def refusals(server: MotoServer, examined: Examined | None = None) -> str:
    """What AWS would have refused since the last drain, one line per violation ("" if none)."""
    found = (examined or server.drain_model_check()).violations
    if not found:
        return ""
    lines = "\n".join(f"  {v.describe()}" for v in found)
    return (
        f"{len(found)} request member(s) moto accepted that AWS's API model refuses (sent by "
        f"this test or by a module fixture's teardown before it):\n{lines}\n"
        "Fix the value the module or the test sends; a test that sends one on purpose drains "
        "the gate itself (MotoServer.drain_model_check) and asserts on it."
    )


@pytest.fixture(scope="session")
def plan_provider(
    tmp_path_factory: pytest.TempPathFactory, moto_server: MotoServer, terraform_ready: None
) -> Iterator[dict[str, str]]:
    """The environment that attaches Terraform to one AWS provider process of this worker,
    started with moto's endpoint (scribe_local/terraform/provider_server.py): for the tests
    that only plan or validate. A test that applies starts a provider per command."""
    endpoint = {"AWS_ENDPOINT_URL": moto_server.url}
    with shared_provider(tmp_path_factory.mktemp("provider"), endpoint) as env:
        yield env


@pytest.fixture
def moto(moto_server: MotoServer) -> MotoServer:
    """The session moto server, emptied (and IAM enforcement off) before the test."""
    moto_server.reset()
    return moto_server


@pytest.fixture(scope="session")
def package_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_package(tmp_path_factory.mktemp("build") / "scribe.zip")
