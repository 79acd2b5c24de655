"""Where the suite's time goes: `pytest --test-times=build/test-times.json` (what `make test`
passes) writes, per test file, its wall seconds and the Terraform commands it ran, by kind, and
prints the longest files at the end of the run. A benchmark, never a gate: no test fails on it.

Counting: the controller puts a `terraform` shim first on PATH (and in $TERRAFORM) before the
xdist workers start. The shim appends the subcommand and the running test ($PYTEST_CURRENT_TEST,
which pytest sets in the worker's environment) to a log, then execs the real binary, so signals,
exit codes and output are Terraform's own. Every command counts, whoever runs it: the runner,
tftest, the Makefile's pipeline targets, `terraform test`.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

KINDS = ("init", "plan", "apply", "destroy", "import", "test", "other")
# A test's user property (tests/conftest.py): the requests moto's model gate checked in it.
MODEL_CHECKED = "aws_requests_model_checked"  # also its key in build/test-times.json
TOP = 15
LOG_VARIABLE = "SCRIBE_TF_COUNT_LOG"
SHIM = """#!/bin/sh
# Written by tests/timing.py: count this Terraform command for build/test-times.json, then run it.
kind=
for arg in "$@"; do case "$arg" in -*) ;; *) kind=$arg; break ;; esac; done
printf '%s\\t%s\\n' "$kind" "${{PYTEST_CURRENT_TEST:-}}" >> {log}
exec {real} "$@"
"""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--test-times",
        metavar="PATH",
        default=None,
        help="write per-file wall seconds and Terraform command counts to PATH (JSON) and print "
        "the longest files at the end",
    )


@dataclass
class FileTimes:
    seconds: float = 0.0
    tests: int = 0
    terraform: Counter[str] = field(default_factory=Counter)
    model_checked: int = 0  # AWS requests checked against AWS's API model (model_gate.py)
    model_seconds: float = 0.0  # the gate's time checking them

    def as_json(self) -> dict[str, Any]:
        counts = {kind: self.terraform.get(kind, 0) for kind in KINDS}
        return {
            "wall_seconds": round(self.seconds, 1),
            "tests": self.tests,
            "terraform_commands": {**counts, "total": sum(counts.values())},
            MODEL_CHECKED: self.model_checked,
            "aws_model_check_seconds": round(self.model_seconds, 2),
        }


class Timing:
    """Lives in the controlling pytest process (or the only one, without xdist)."""

    def __init__(self, output: Path, shim_dir: Path) -> None:
        self.output = output
        self.log = shim_dir / "commands.tsv"
        self.files: defaultdict[str, FileTimes] = defaultdict(FileTimes)
        self.started = time.monotonic()
        real = shutil.which(os.environ.get("TERRAFORM", "terraform"))
        if real is None:  # the terraform_ready fixture says what to install
            return
        shim_dir.mkdir(parents=True, exist_ok=True)
        self.log.write_text("")
        shim = shim_dir / "terraform"
        shim.write_text(SHIM.format(log=shlex.quote(str(self.log)), real=shlex.quote(real)))
        shim.chmod(0o755)
        os.environ["PATH"] = f"{shim_dir}{os.pathsep}{os.environ.get('PATH', '')}"
        os.environ["TERRAFORM"] = str(shim)
        os.environ[LOG_VARIABLE] = str(self.log)

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        times = self.files[report.nodeid.split("::", 1)[0]]
        times.seconds += report.duration
        if report.when == "call" or (report.when == "setup" and not report.passed):
            times.tests += 1
        if report.when == "teardown":
            for key, value in report.user_properties:
                if key == MODEL_CHECKED and isinstance(value, tuple | list):
                    times.model_checked += int(value[0])
                    times.model_seconds += float(value[1])

    def count_commands(self) -> None:
        lines = self.log.read_text().splitlines() if self.log.is_file() else []
        for line in lines:
            kind, _, current = line.partition("\t")
            test_file = current.split("::", 1)[0] or "(outside any test)"
            self.files[test_file].terraform[kind if kind in KINDS else "other"] += 1

    def report(self) -> dict[str, Any]:
        self.count_commands()
        ordered = sorted(self.files.items(), key=lambda item: -item[1].seconds)  # longest first
        total = FileTimes()
        for _, times in ordered:
            total.seconds += times.seconds
            total.tests += times.tests
            total.terraform.update(times.terraform)
            total.model_checked += times.model_checked
            total.model_seconds += times.model_seconds
        return {
            "session_wall_seconds": round(time.monotonic() - self.started, 1),
            "totals": {"files": len(ordered), **total.as_json()},
            "files": {name: times.as_json() for name, times in ordered},
        }

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        data = self.report()
        self.output.parent.mkdir(parents=True, exist_ok=True)
        self.output.write_text(json.dumps(data, indent=2) + "\n")
        write = terminalreporter.write_line
        terminalreporter.section(f"test times (top {TOP} files; all in {self.output})")
        header = " ".join(f"{kind:>7}" for kind in KINDS)
        write(f"{'file':<48} {'seconds':>8} {'tests':>5} {'tf':>5} {header}")
        rows = [*list(data["files"].items())[:TOP], ("total", data["totals"])]
        for name, row in rows:
            commands = row["terraform_commands"]
            counts = " ".join(f"{commands[kind]:>7}" for kind in KINDS)
            write(
                f"{name:<48} {row['wall_seconds']:>8.1f} {row['tests']:>5} "
                f"{commands['total']:>5} {counts}"
            )
        write(
            f"session wall: {data['session_wall_seconds']:.0f} s; the seconds above are each "
            "file's own (setup, call and teardown), which the workers spend side by side"
        )
        checked = [row[MODEL_CHECKED] for row in data["files"].values() if row[MODEL_CHECKED]]
        seconds = data["totals"]["aws_model_check_seconds"]
        write(
            f"AWS requests checked against AWS's API model: {sum(checked)}, in {len(checked)} "
            f"files, in {seconds:.1f} s of moto's time (scribe_local/emulator/model_gate.py)"
        )


def pytest_configure(config: pytest.Config) -> None:
    output = config.getoption("--test-times")
    if output is None or hasattr(config, "workerinput"):  # workers inherit the shim
        return
    path = Path(output).resolve()
    config.pluginmanager.register(Timing(path, path.parent / "terraform-shim"), "scribe-timing")
