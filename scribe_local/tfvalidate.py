"""`terraform validate` of every Terraform directory: the root, bootstrap/, modules/*, examples/*.

Each directory is validated in a temporary copy (beside a copy of modules/, so relative module
sources resolve), initialised without a backend: the checkout gets no .terraform/ directories.
`python -m scribe_local.tfvalidate` (make validate, make lint, the pre-commit hook).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from scribe_local.paths import REPO, terraform_dirs
from scribe_local.tfcli import TerraformMissing, terraform_binary, terraform_env
from scribe_local.workdir import copy_config

# Native tests and READMEs play no part in validation.
WITHOUT_TESTS = shutil.ignore_patterns(".terraform", "*.tfstate*", "*.tfplan", "tests", "*.md")


def validate(relative: str, root: Path = REPO) -> tuple[str, bool, str]:
    """(directory, valid?, Terraform's output when not)."""
    env = {**os.environ, **terraform_env()}
    with tempfile.TemporaryDirectory(prefix="scribe-validate-") as tmp:
        tfdir = copy_config(relative, Path(tmp), root, WITHOUT_TESTS)
        for args in (
            ["init", "-backend=false", "-input=false", "-no-color"],
            ["validate", "-no-color"],
        ):
            result = subprocess.run(
                [terraform_binary(), f"-chdir={tfdir}", *args],
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
            if result.returncode != 0:
                return relative, False, result.stdout + result.stderr
    return relative, True, ""


def main() -> int:
    try:
        terraform_binary()
    except TerraformMissing as error:
        print(f"[scribe] error: {error}", file=sys.stderr)
        return 1
    dirs = terraform_dirs()
    failed = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        for relative, ok, output in pool.map(validate, dirs):
            print(f"[scribe] terraform validate {relative}: {'ok' if ok else 'FAILED'}")
            if not ok:
                failed.append(relative)
                print(output, file=sys.stderr)
    if failed:
        print(f"[scribe] terraform validate failed in: {' '.join(failed)}", file=sys.stderr)
        return 1
    print(f"[scribe] terraform validate: {len(dirs)} directories valid")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
