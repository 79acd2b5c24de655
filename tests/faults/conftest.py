"""The fault matrix's bench: the pipeline's own make targets against moto, interrupted or failed.

One stack working dir per test module, with the S3 backend (state and its lock file in a moto
bucket, reached directly) and the AWS provider reached through the recording proxy, which injects
the failures (scribe_local/emulator/faults.py) and tells when a given call has been answered, so
that a run is interrupted at a known point. Every case ends with `Bench.settle`: state and account
agree (scribe_local/terraform/inventory.py) and `terraform plan -detailed-exitcode` plans nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from scribe_local.aws.operations import identify
from scribe_local.aws.record import Record
from scribe_local.emulator.faults import FaultInjector, Rule
from scribe_local.emulator.moto_server import FAKE_CREDENTIALS, REGION, MotoServer, moto_client
from scribe_local.emulator.recorder import RecordingProxy
from scribe_local.paths import REPO
from scribe_local.terraform import inventory, runner
from scribe_local.terraform.endpoint import endpoint_environment
from scribe_local.terraform.workdir import copy_root
from tests import terraform_harness as h

STATE_BUCKET = "scribe-tfstate-faults"
MAKE_TIMEOUT_S = 600
# The named resources of the local-settings stack (inventory.NAMED_TYPES): bucket, role and its
# policy, function and its 2 permissions, 2 log groups, API, integration, 2 routes, stage.
STACK_RESOURCES = 13
FIGURES = REPO / "build" / "faults"


@dataclass
class Figures:
    """One case's measured figures, for the closing note and the failure messages."""

    case: str
    steps: list[tuple[str, int, float]] = field(default_factory=list)  # (step, exit, seconds)
    orphans_before: list[str] = field(default_factory=list)
    injected: list[str] = field(default_factory=list)

    def line(self) -> str:
        steps = ", ".join(f"{step} {code} ({seconds:.0f} s)" for step, code, seconds in self.steps)
        return f"{self.case}: {steps}; orphans after the fault: {self.orphans_before or 'none'}"


@dataclass
class Bench:
    moto: MotoServer
    proxy: RecordingProxy
    injector: FaultInjector
    tfdir: Path
    backend_config: Path
    admin: dict[str, str]
    figures: list[Figures] = field(default_factory=list)

    # make targets, as the pipeline runs them

    def start(self, target: str, env: str, **variables: str) -> subprocess.Popen[str]:
        args = [f"ENV={env}", f"TF_DIR={self.tfdir}", f"BACKEND_CONFIG={self.backend_config}"]
        args += [f"{name}={value}" for name, value in variables.items()]
        return subprocess.Popen(
            ["make", "--no-print-directory", "-C", str(REPO), target, *args],
            env={**os.environ, **self.admin},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group, as a CI job's
        )

    def make(self, target: str, env: str, figures: Figures, **variables: str) -> tuple[int, str]:
        started = time.monotonic()
        process = self.start(target, env, **variables)
        output, _ = process.communicate(timeout=MAKE_TIMEOUT_S)
        figures.steps.append((target, process.returncode, time.monotonic() - started))
        return process.returncode, output

    def interrupted(
        self,
        target: str,
        env: str,
        call: str,
        sig: signal.Signals,
        figures: Figures,
        plan_first: bool = False,
        arrived: bool = False,
    ) -> tuple[int, str]:
        """make target (after a make plan: plan_first), sent sig (to its process group, as a
        cancelled job or a killed runner gets it) once `call` ("service.Operation") has been
        answered, or (arrived) as soon as it arrives."""
        if plan_first:
            code, output = self.make("plan", env, figures)
            assert code == 0, f"make plan failed:\n{output[-4000:]}"
        reached = self.proxy.when(lambda record: _call(record) == call, arrived=arrived)
        started = time.monotonic()
        process = self.start(target, env)
        deadline = time.monotonic() + MAKE_TIMEOUT_S
        while not reached.wait(0.2):
            if process.poll() is not None or time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                output, _ = process.communicate()
                raise AssertionError(f"{call} never came during make {target}:\n{output[-3000:]}")
        if sig == signal.SIGKILL:
            # A lost runner: every process of the run dies at once, the AWS provider too,
            # which Terraform starts in a process group of its own.
            for pid in [process.pid, *descendants(process.pid)]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        os.killpg(process.pid, sig)
        output, _ = process.communicate(timeout=MAKE_TIMEOUT_S)
        step = f"{target} {sig.name} {'as' if arrived else 'after'} {call}"
        figures.steps.append((step, process.returncode, time.monotonic() - started))
        return process.returncode, output

    def deploy(self, env: str, figures: Figures) -> None:
        """make plan and make apply of env, both succeeding."""
        for target in ("plan", "apply"):
            code, output = self.make(target, env, figures)
            assert code == 0, f"make {target} failed:\n{output[-4000:]}"

    # the end of every case

    def agreement(self, env: str) -> inventory.Agreement:
        stack = self.stack(env)
        state = inventory.state_resources(self.tfdir, self.admin)
        return inventory.compare(inventory.account(stack, self.clients()), state)

    def settle(self, env: str, figures: Figures, up: bool = True) -> None:
        """The closing check: state and account agree; a plan plans nothing (up) or the
        stack is gone from both (not up)."""
        agreement = self.agreement(env)
        assert agreement.agree, f"{figures.case}: state and account differ:\n{agreement.report()}"
        state = inventory.state_resources(self.tfdir, self.admin)
        if up:
            started = time.monotonic()
            plan = runner.plan_detailed(self.tfdir, f"-var-file=envs/{env}.tfvars", env=self.admin)
            figures.steps.append(("plan -detailed-exitcode", plan.returncode, _since(started)))
            assert plan.returncode == 0, f"{figures.case}: the plan is not a no-op:\n{plan.stdout}"
            assert len(state) == STACK_RESOURCES, sorted(state.values())
        else:
            assert state == {}, sorted(state.values())
            assert inventory.account(self.stack(env), self.clients()) == []
        assert self.lock_objects(env) == [], "a lock was left behind"
        assert self.intent_objects(env) == [], "a record of intent was left behind"
        if figures not in self.figures:
            self.figures.append(figures)

    # what the account holds

    def clients(self) -> dict[str, Any]:
        services = ("s3", "iam", "lambda", "logs", "apigatewayv2", "sts")
        return {service: moto_client(service, self.moto.url) for service in services}

    def stack(self, env: str) -> inventory.Stack:
        return inventory.Stack.of_env(env, self.tfdir, "123456789012")

    def holdings(self, env: str) -> list[str]:
        """What the account holds of env's stack, described."""
        return sorted(r.describe() for r in inventory.account(self.stack(env), self.clients()))

    def orphans(self, env: str) -> list[str]:
        return sorted(r.describe() for r in self.agreement(env).orphans)

    def lock_objects(self, env: str) -> list[str]:
        listed = moto_client("s3", self.moto.url).list_objects_v2(
            Bucket=STATE_BUCKET, Prefix=f"scribe/{env}.tfstate.tflock"
        )
        return [item["Key"] for item in listed.get("Contents", [])]

    def intent_objects(self, env: str) -> list[str]:
        """make apply's records of intent next to env's state (intent.py)."""
        listed = moto_client("s3", self.moto.url).list_objects_v2(
            Bucket=STATE_BUCKET, Prefix=f"scribe/{env}.tfstate.intents/"
        )
        return [item["Key"] for item in listed.get("Contents", [])]

    def lock_id(self, env: str) -> str:
        body = moto_client("s3", self.moto.url).get_object(
            Bucket=STATE_BUCKET, Key=f"scribe/{env}.tfstate.tflock"
        )["Body"]
        return str(json.loads(body.read())["ID"])


def descendants(root: int) -> list[int]:
    """Every process below root (children, grandchildren, ...), from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def _call(record: Record) -> str | None:
    operation = identify(record)
    return operation.call if operation is not None else None


def _since(started: float) -> float:
    return time.monotonic() - started


@pytest.fixture(scope="module")
def bench(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    moto_server: MotoServer,
    package_zip: Path,
    terraform_ready: None,
) -> Iterator[Bench]:
    moto_server.reset()
    moto_client("s3", moto_server.url).create_bucket(Bucket=STATE_BUCKET)
    injector = FaultInjector()
    proxy = RecordingProxy(moto_server.url, faults=injector).start()
    tmp = tmp_path_factory.mktemp("faults")
    tfdir = copy_root(tmp / "stack", proxy.url, backend="s3")
    backend_config = h.write_env_files(tfdir, moto_server.url, STATE_BUCKET)
    prod = tfdir / "envs" / "prod.tfvars"  # prod keeps its bucket, as envs/prod.tfvars does
    prod.write_text(prod.read_text().replace("force_destroy = true", "force_destroy = false"))
    (tfdir / "build").mkdir()
    shutil.copy2(package_zip, tfdir / "build" / "scribe.zip")
    admin = {
        **FAKE_CREDENTIALS,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        # The provider, make recover and destroy's guard: moto, through the proxy.
        **endpoint_environment(tfdir),
    }
    bench = Bench(moto_server, proxy, injector, tfdir, backend_config, admin)
    try:
        yield bench
    finally:
        proxy.close()
        moto_server.reset()  # the next file on this worker starts from an empty moto
        FIGURES.mkdir(parents=True, exist_ok=True)
        report = FIGURES / f"{request.module.__name__.rsplit('.', 1)[-1]}.txt"
        report.write_text("\n".join(f.line() for f in bench.figures) + "\n")


def faults(bench: Bench, *rules: Rule) -> None:
    """From now on the proxy injects these failures (none: forward everything)."""
    bench.injector.set(rules)
