"""The one way the tooling runs Terraform: the local stack, the bench, the test harness (under
tftest), validate and the IAM rendering all call `run` or `start`.

Every command gets the project's CLI config (cli_config.py, never ~/.terraformrc) and, in a work
dir wired to moto, moto's endpoint (endpoint.py); it runs without input or
colour, and is timed. `accept` names the exit codes that are answers, not failures
(`plan -detailed-exitcode`: 0 no changes, 2 changes; see `plan_has_changes`); any other exit
raises TerraformFailed with Terraform's output and what to do. With progress=True, long commands
print a start line, the lines that show progress, and their time.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scribe_local.terraform.cli_config import terraform_binary, terraform_env
from scribe_local.terraform.endpoint import endpoint_environment

# Lines worth showing while a long command runs; everything is shown when it fails.
PROGRESS = re.compile(r"(Creation|Destruction|Modifications) complete|complete!|Error|Warning")
# Subcommands that take -no-color (state and version do not).
COLOURED = frozenset(
    {"apply", "destroy", "import", "init", "output", "plan", "refresh", "show", "test", "validate"}
)
SUCCESS = (0,)


@dataclass(frozen=True)
class Result:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float


class TerraformFailed(RuntimeError):
    """A Terraform command exited with a code the caller did not accept."""

    def __init__(self, tfdir: Path, result: Result) -> None:
        super().__init__(
            f"`terraform {' '.join(result.args)}` failed in {tfdir} (exit {result.returncode}): "
            f"{result.stderr.strip() or result.stdout.strip()[-2000:]}\n"
            "Read Terraform's error above; `make validate` checks the configuration."
        )
        self.result = result


def environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The process environment with the project's Terraform settings, then extra on top."""
    return {**os.environ, **terraform_env(), **(extra or {})}


def command(tfdir: Path, args: tuple[str, ...]) -> list[str]:
    colour = ["-no-color"] if args and args[0] in COLOURED and "-no-color" not in args else []
    return [terraform_binary(), f"-chdir={tfdir}", *args, *colour]


def _popen(
    tfdir: Path, args: tuple[str, ...], env: Mapping[str, str] | None, stderr: int
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command(tfdir, args),
        env=environment({**endpoint_environment(tfdir), **(env or {})}),
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        encoding="utf-8",
        errors="replace",
    )


def start(tfdir: Path, *args: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
    """Start `terraform <args>` in tfdir without waiting (stdout and stderr merged), for callers
    that interrupt it or run several at once."""
    return _popen(tfdir, args, env, subprocess.STDOUT)


def run(
    tfdir: Path,
    *args: str,
    accept: Collection[int] | None = SUCCESS,
    progress: bool = False,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> Result:
    """Run `terraform <args>` in tfdir and return its result; raise TerraformFailed on an exit
    code outside accept (None: the caller judges every exit code)."""
    label = f"terraform {args[0]}"
    if progress:
        print(f"[scribe] {label} in {tfdir} ...", file=sys.stderr, flush=True)
    started = time.monotonic()
    with _popen(tfdir, args, env, subprocess.PIPE) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        errors: list[str] = []
        reader = threading.Thread(target=lambda: errors.extend(process.stderr or []), daemon=True)
        reader.start()
        lines: list[str] = []
        timer = threading.Timer(timeout, process.kill) if timeout else None
        if timer:
            timer.start()
        for line in process.stdout:
            lines.append(line)
            if progress and PROGRESS.search(line):
                print(f"  {line.rstrip()}", file=sys.stderr, flush=True)
        process.wait()
        reader.join()
        if timer:
            timer.cancel()
    result = Result(
        args, process.returncode, "".join(lines), "".join(errors), time.monotonic() - started
    )
    if accept is not None and result.returncode not in accept:
        if progress:
            print(result.stdout + result.stderr, file=sys.stderr)
        raise TerraformFailed(tfdir, result)
    if progress:
        print(f"[scribe] {label} done in {result.seconds:.1f}s", file=sys.stderr)
    return result


def plan_detailed(tfdir: Path, *args: str, env: Mapping[str, str] | None = None) -> Result:
    """`terraform plan -detailed-exitcode`: exit 0 when it plans no change, 2 when it plans some;
    an error (exit 1) raises."""
    plan = ("plan", "-detailed-exitcode", "-input=false", *args)
    return run(tfdir, *plan, accept=(0, 2), env=env)


def plan_has_changes(tfdir: Path, *args: str, env: Mapping[str, str] | None = None) -> bool:
    return plan_detailed(tfdir, *args, env=env).returncode == 2


def outputs(tfdir: Path, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    raw = json.loads(run(tfdir, "output", "-json", env=env).stdout)
    return {name: item["value"] for name, item in raw.items()}


def state_list(tfdir: Path) -> list[str]:
    """`terraform state list`: the addresses in state."""
    return [line.strip() for line in run(tfdir, "state", "list").stdout.splitlines() if line]


def version() -> str | None:
    """The Terraform version, as `terraform version -json` reports it."""
    done = run(Path.cwd(), "version", "-json", accept=None)
    version: str | None = json.loads(done.stdout or "{}").get("terraform_version")
    return version
