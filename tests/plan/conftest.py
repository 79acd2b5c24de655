"""Plan tests: Terraform on temp copies wired to the session moto server (plans create nothing),
attached to the worker's shared provider process (the plan_provider fixture)."""

from __future__ import annotations

import pytest
import tftest

from scribe_local.emulator.moto_server import MotoServer
from tests import terraform_harness as h


@pytest.fixture(scope="module")
def module_tf(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    moto_server: MotoServer,
    plan_provider: dict[str, str],
) -> tftest.TerraformTest:
    """An initialised copy of the module named by the test module's MODULE constant."""
    relative: str = request.module.MODULE
    return h.module(tmp_path_factory.mktemp("module"), relative, moto_server.url, plan_provider)


@pytest.fixture(scope="module")
def root_tf(
    tmp_path_factory: pytest.TempPathFactory,
    moto_server: MotoServer,
    plan_provider: dict[str, str],
) -> tftest.TerraformTest:
    return h.root(tmp_path_factory.mktemp("root"), moto_server.url, plan_provider)
