"""Session fixtures: one moto server per test process (pytest-xdist worker), the Lambda zip."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scribe_local.moto_server import MotoServer
from scribe_local.packaging import build_package
from scribe_local.tfcli import TerraformMissing, terraform_binary, write_cli_config


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
    server.configure_lambda_without_docker()
    yield server
    server.stop()


@pytest.fixture
def moto(moto_server: MotoServer) -> MotoServer:
    """The session moto server, emptied (and IAM enforcement off) before the test."""
    moto_server.reset()
    moto_server.configure_lambda_without_docker()
    return moto_server


@pytest.fixture(scope="session")
def package_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_package(tmp_path_factory.mktemp("build") / "scribe.zip")
