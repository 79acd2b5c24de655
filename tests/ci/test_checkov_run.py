"""The checkov driver scans every Terraform directory once; the root scan skips the others."""

from __future__ import annotations

import re

from scribe_local.checks import checkov as checkov_run
from scribe_local.paths import REPO, terraform_dirs


def skipped_patterns(relative: str) -> list[str]:
    args = checkov_run.command(relative)
    return [args[i + 1] for i, arg in enumerate(args) if arg == "--skip-path"]


def test_root_scan_skips_exactly_the_separately_scanned_and_tool_folders() -> None:
    patterns = skipped_patterns(".")
    for folder in ("modules", "examples", "bootstrap", "tests", ".venv"):
        assert any(re.fullmatch(p, str(REPO / folder / "main.tf")) for p in patterns), folder
    # Anchored at the checkout: a clone under /x/tests/ would otherwise skip everything.
    assert not any(re.fullmatch(p, str(REPO / "main.tf")) for p in patterns)
    assert not any(re.fullmatch(p, "/elsewhere/tests/main.tf") for p in patterns)


def test_other_directories_are_scanned_whole_and_offline() -> None:
    for relative in terraform_dirs():
        args = checkov_run.command(relative)
        assert args[args.index("--directory") + 1] == relative
        assert "--skip-download" in args
        if relative != ".":
            assert skipped_patterns(relative) == []
