"""Running Terraform commands with the project's CLI config, printing progress."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from scribe_local.tfcli import terraform_binary, terraform_env


def run(tfdir: Path, *args: str, quiet: bool = False) -> str:
    """Run `terraform <args>` in tfdir; stream its output unless quiet; raise with advice."""
    command = [terraform_binary(), *args]
    label = " ".join(["terraform", *args[:1]])
    print(f"[scribe] {label} in {tfdir} ...", file=sys.stderr, flush=True)
    started = time.monotonic()
    result = subprocess.run(
        command,
        cwd=tfdir,
        env={**os.environ, **terraform_env()},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    if not quiet or result.returncode != 0:
        print(result.stdout, file=sys.stderr, end="")
    if result.returncode != 0:
        raise RuntimeError(
            f"`{' '.join(command)}` failed in {tfdir} (exit {result.returncode}); "
            "read the Terraform error above."
        )
    print(f"[scribe] {label} done in {time.monotonic() - started:.1f}s", file=sys.stderr)
    return result.stdout


def outputs(tfdir: Path) -> dict[str, Any]:
    raw = json.loads(run(tfdir, "output", "-json", quiet=True))
    return {name: item["value"] for name, item in raw.items()}
