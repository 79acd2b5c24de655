"""Native `terraform test` files of every module, example and root, and what they must cover.

`terraform validate` of the same directories runs in `make lint` (scribe_local.terraform.validate).
Every variable that has a validation block must be the target of an `expect_failures` in a native
test (*.tftest.hcl, mock provider): that run proves the block rejects a bad value.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from scribe_local.paths import REPO, terraform_dirs
from scribe_local.terraform import validate as tfvalidate
from scribe_local.terraform.workdir import copy_config
from tests import terraform_harness as h

ROOT = "."


def validated_variables(tfdir: Path) -> set[str]:
    """Variables declared with at least one validation block."""
    text = "\n".join(p.read_text() for p in tfdir.glob("*.tf"))
    blocks = re.split(r'(?m)^variable "', text)[1:]
    return {block.split('"', 1)[0] for block in blocks if re.search(r"\n\s*validation\s*\{", block)}


def expected_failures(test_dir: Path) -> set[str]:
    text = "\n".join(p.read_text() for p in test_dir.glob("*.tftest.hcl"))
    return set(re.findall(r"expect_failures\s*=\s*\[\s*var\.(\w+)\s*\]", text))


def workdir(tmp_path: Path, relative: str, package_zip: Path) -> tuple[Path, Path]:
    """Copy the directory (and modules/) to tmp; return (tfdir, native test dir)."""
    if relative == ROOT:
        tfdir = copy_config(ROOT, tmp_path / "root")
        shutil.copytree(REPO / "tests" / "terraform", tfdir / "tests" / "terraform")
        test_dir = tfdir / "tests" / "terraform"
    else:
        tfdir = copy_config(relative, tmp_path)
        test_dir = tfdir / "tests"
        mocks = REPO / "tests" / "terraform" / "mocks"  # shared by every native test
        shutil.copytree(mocks, tmp_path / "tests" / "terraform" / "mocks")
    if test_dir.is_dir():
        shutil.copy2(package_zip, test_dir / "package.zip")
    return tfdir, test_dir


@pytest.mark.parametrize("relative", terraform_dirs())
def test_native_tests_cover_every_validation_block(
    relative: str, tmp_path: Path, package_zip: Path, plan_provider: dict[str, str]
) -> None:
    """The worker's shared provider process serves every run block's mock provider (it needs
    only the provider's schema): without it, Terraform started hashicorp/aws twice per run."""
    tfdir, test_dir = workdir(tmp_path, relative, package_zip)
    wanted = validated_variables(tfdir)
    if not wanted:
        pytest.skip(f"{relative} declares no validation block")
    tf = h.terraform(tfdir, backend=False, env=plan_provider)  # the native tests need no state
    covered = expected_failures(test_dir)
    assert wanted <= covered, f"validation blocks without a failing test: {wanted - covered}"
    args = ["-no-color"]
    if relative == ROOT:
        args.append("-test-directory=tests/terraform")
    result = tf.execute_command("test", *args)
    summary = re.search(r"Success! (\d+) passed, 0 failed", result.out)
    assert summary, result.out
    assert int(summary.group(1)) > len(wanted)


def test_terraform_validate_reports_a_broken_directory(tmp_path: Path) -> None:
    """The lint step (scribe_local.terraform.validate) fails on an invalid configuration, with
    the cause."""
    (tmp_path / "modules" / "broken").mkdir(parents=True)
    (tmp_path / "modules" / "broken" / "main.tf").write_text(
        'output "x" {\n  value = var.missing\n}\n'
    )
    assert terraform_dirs(tmp_path) == ["modules/broken"]
    relative, ok, output = tfvalidate.validate("modules/broken", tmp_path)
    assert (relative, ok) == ("modules/broken", False)
    assert "Reference to undeclared input variable" in output
