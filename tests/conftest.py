"""Session fixtures: one moto server per test process (pytest-xdist worker), the Lambda zip."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scribe_local.emulator.moto_server import MotoServer
from scribe_local.packaging import build_package
from scribe_local.terraform.cli_config import TerraformMissing, terraform_binary, write_cli_config

# `make test` hands whole files to 2 xdist workers (--dist loadfile) in collection order (with
# --no-loadscope-reorder: by default xdist would reorder files by their number of tests). Left at
# the end, one of these would run alone while the other worker idles: they go first, longest
# first (seconds measured on 2 cores), and the short files fill in behind them.
LONGEST_FIRST = (
    "tests/faults/test_interrupts.py",  # about 600 (issue 13's fault matrix)
    "tests/faults/test_injected.py",  # about 450
    "tests/apply/test_pipeline.py",  # 300 alone, as before issue 10
    "tests/apply/test_defaults_unchanged.py",  # about 150 (two applies of the old tree)
    "tests/apply/test_domain.py",  # about 150 (Route 53 changes wait)
    "tests/apply/test_example_complete.py",  # 136 alone (Route 53 waits, two destroys)
    "tests/plan/test_native.py",  # 68
    "tests/apply/test_concurrency.py",  # 42
    "tests/bench/test_bench_smoke.py",  # 39
    "tests/apply/test_example_existing_bucket.py",  # 37
    "tests/apply/test_example_multi_tenant.py",  # 36
    "tests/apply/test_stack.py",  # 36
    "tests/apply/test_hostile.py",  # 34
    "tests/plan/test_api.py",  # 30
    "tests/iam/test_attacks.py",  # 30
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
    server.stop()


@pytest.fixture
def moto(moto_server: MotoServer) -> MotoServer:
    """The session moto server, emptied (and IAM enforcement off) before the test."""
    moto_server.reset()
    return moto_server


@pytest.fixture(scope="session")
def package_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_package(tmp_path_factory.mktemp("build") / "scribe.zip")
