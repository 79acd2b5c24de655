"""Running Terraform commands with the project's CLI config, printing progress."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from scribe_local.tfcli import terraform_binary, terraform_env

# Lines worth showing while a long command runs; everything is shown when it fails.
PROGRESS = re.compile(r"(Creation|Destruction|Modifications) complete|complete!|Error|Warning")


def run(tfdir: Path, *args: str, progress: bool = True) -> str:
    """Run `terraform <args> -no-color` in tfdir, echo progress lines, raise with advice."""
    command = [terraform_binary(), *args, "-no-color"]
    label = f"terraform {args[0]}"
    print(f"[scribe] {label} in {tfdir} ...", file=sys.stderr, flush=True)
    started = time.monotonic()
    lines: list[str] = []
    with subprocess.Popen(
        command,
        cwd=tfdir,
        env={**os.environ, **terraform_env()},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if progress and PROGRESS.search(line):
                print(f"  {line.rstrip()}", file=sys.stderr, flush=True)
    output = "".join(lines)
    if process.returncode != 0:
        print(output, file=sys.stderr)
        raise RuntimeError(
            f"`{' '.join(command)}` failed in {tfdir} (exit {process.returncode}); "
            "read the Terraform error above."
        )
    print(f"[scribe] {label} done in {time.monotonic() - started:.1f}s", file=sys.stderr)
    return output


def outputs(tfdir: Path) -> dict[str, Any]:
    raw = json.loads(run(tfdir, "output", "-json", progress=False))
    return {name: item["value"] for name, item in raw.items()}
