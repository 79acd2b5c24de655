"""`terraform validate` of every Terraform directory: the root, bootstrap/, modules/*, examples/*.

Each directory is validated in a temporary copy (beside a copy of modules/, so relative module
sources resolve), initialised without a backend: the checkout gets no .terraform/ directories.
Validation needs only the AWS provider's schema: every directory is validated against one
provider process (provider_server.py) instead of starting it anew for each command.
`python -m scribe_local.terraform.validate` (make validate, make lint, the pre-commit hook).
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from scribe_local.paths import REPO, terraform_dirs
from scribe_local.terraform import runner
from scribe_local.terraform.cli_config import TerraformMissing, terraform_binary
from scribe_local.terraform.provider_server import ProviderServerFailed, shared_provider
from scribe_local.terraform.workdir import WITHOUT_TESTS, copy_config


def validate(
    relative: str, root: Path = REPO, env: Mapping[str, str] | None = None
) -> tuple[str, bool, str]:
    """(directory, valid?, Terraform's output when not); env: a shared provider's, if any."""
    with tempfile.TemporaryDirectory(prefix="scribe-validate-") as tmp:
        tfdir = copy_config(relative, Path(tmp), root, WITHOUT_TESTS)
        for args in (["init", "-backend=false", "-input=false"], ["validate"]):
            result = runner.run(tfdir, *args, accept=None, env=env)
            if result.returncode != 0:
                return relative, False, result.stdout + result.stderr
    return relative, True, ""


def main() -> int:
    try:
        terraform_binary()
    except TerraformMissing as error:
        print(f"[scribe] error: {error}", file=sys.stderr)
        return 1
    try:
        return validate_all()
    except (ProviderServerFailed, runner.TerraformFailed) as error:
        print(f"[scribe] terraform validate could not start: {error}", file=sys.stderr)
        return 1


def validate_all() -> int:
    dirs = terraform_dirs()
    failed = []
    with (
        tempfile.TemporaryDirectory(prefix="scribe-provider-") as tmp,
        shared_provider(Path(tmp)) as env,
        ThreadPoolExecutor(max_workers=2) as pool,
    ):
        for relative, ok, output in pool.map(partial(validate, env=env), dirs):
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
