"""One AWS provider process for the Terraform commands that only need its schema.

`terraform validate` and `terraform test` with mock providers never configure the AWS provider:
they ask it for its schema and to validate configurations. Terraform starts a new provider
process for each of those steps, and each start of hashicorp/aws loads a 675 MB binary and its
whole schema: `terraform test` of modules/api (62 run blocks) started it 125 times and took 32 s
on 2 cores. Started once with its own `-debug` flag (the provider's documented way to attach
Terraform to a running process), the same binary serves every such command through
TF_REATTACH_PROVIDERS: the same 62 runs took 5 s.

A command that configures the provider (plan, apply, ...) reconfigures the shared process from
its own provider block, but the process keeps the environment it was started with (credentials,
AWS_ENDPOINT_URL), not the command's. The plan tests attach to one started with moto's endpoint
(their provider blocks carry everything else): 2.5 s and 1.6 CPU-seconds a no-op plan of the
stack instead of 3.4 s and 2.6. Commands that create anything, and every command of the pipeline
and fault tests (role credentials from the environment, signals to the process group), start
their own provider as users' runs do.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import signal
import subprocess
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

from scribe_local.paths import REPO
from scribe_local.terraform import runner
from scribe_local.terraform.cli_config import AWS_PROVIDER

REATTACH = "TF_REATTACH_PROVIDERS"
STARTUP_TIMEOUT_S = 120.0
# Quiet: in debug mode the provider would otherwise log every RPC at trace level.
QUIET = {
    name: "off"
    for name in ("TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_MUX")
}


class ProviderServerFailed(RuntimeError):
    """The provider did not start in debug mode or did not say how to attach to it."""


def provider_binary(workdir: Path) -> Path:
    """hashicorp/aws of the root's lock file, installed by `terraform init` in workdir (an empty
    configuration that requires it)."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "versions.tf").write_text(
        'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\n'
    )
    lock = REPO / ".terraform.lock.hcl"
    (workdir / lock.name).write_text(lock.read_text())
    runner.run(workdir, "init", "-input=false", "-backend=false", "-lockfile=readonly")
    installed = workdir / ".terraform" / "providers" / AWS_PROVIDER
    found = sorted(installed.glob("*/*/terraform-provider-aws*"))
    if not found:
        raise ProviderServerFailed(f"`terraform init` in {workdir} installed no hashicorp/aws")
    return found[-1]


def _die_with_parent() -> None:
    """Linux: the provider gets SIGTERM when the process that started it dies (a killed test
    worker leaves no provider behind)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@contextlib.contextmanager
def shared_provider(
    workdir: Path, environment: Mapping[str, str] | None = None
) -> Iterator[dict[str, str]]:
    """Run hashicorp/aws (installed in workdir) in debug mode, with environment on top of this
    process's, while in the block; yield the environment that attaches Terraform commands to it.
    AWS_CA_BUNDLE is left out: with it, the provider fails every configuration after its first
    ("unable to add custom RootCAs HTTPClient")."""
    binary = provider_binary(workdir)
    env = {k: v for k, v in os.environ.items() if k not in (REATTACH, "AWS_CA_BUNDLE")}
    process = subprocess.Popen(
        [str(binary), "-debug"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**env, **QUIET, **(environment or {})},
        text=True,
        preexec_fn=_die_with_parent if os.name == "posix" else None,
    )
    try:
        yield {REATTACH: _reattach_value(process, binary)}
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _reattach_value(process: subprocess.Popen[str], binary: Path) -> str:
    found: list[str] = []
    said = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:  # read to the end: the pipe never fills
            match = re.search(rf"{REATTACH}='(.+)'", line)
            if match and not found:
                found.append(match.group(1))
                said.set()
        said.set()  # exited

    threading.Thread(target=read, daemon=True).start()
    said.wait(STARTUP_TIMEOUT_S)
    if not found:
        process.kill()
        raise ProviderServerFailed(
            f"`{binary} -debug` printed no {REATTACH} within {STARTUP_TIMEOUT_S:.0f} s "
            f"(exit {process.poll()}): run it by hand to see why"
        )
    return found[0]
