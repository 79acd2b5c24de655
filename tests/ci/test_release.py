"""Releases: CHANGELOG.md (Keep a Changelog), the version in pyproject.toml, and every `?ref=`
and `--branch` a README or example shows a consumer name the same, latest release."""

from __future__ import annotations

import itertools
import re
import tomllib

from scribe_local.paths import REPO
from scribe_local.release import RELEASE  # the heading the release job tags

CHANGELOG = (REPO / "CHANGELOG.md").read_text()
SECTIONS = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
SKIPPED = {".venv", ".cache", ".scribe", "build", ".git", ".terraform"}


def releases() -> list[tuple[int, int, int]]:
    return [(int(a), int(b), int(c)) for a, b, c, _ in RELEASE.findall(CHANGELOG)]


def dotted(version: tuple[int, int, int]) -> str:
    return ".".join(map(str, version))


def release_text(version: tuple[int, int, int]) -> str:
    start = CHANGELOG.index(f"## [{dotted(version)}]")
    following = CHANGELOG.find("\n## [", start + 1)
    return CHANGELOG[start : following if following > 0 else None]


def consumer_files() -> list[str]:
    files = []
    for path in sorted(REPO.rglob("*")):
        if path.suffix in {".md", ".tf"} and not SKIPPED & set(path.relative_to(REPO).parts):
            files.append(path.relative_to(REPO).as_posix())
    return files


def test_changelog_lists_releases_newest_first_below_unreleased() -> None:
    assert CHANGELOG.index("## [Unreleased]") < CHANGELOG.index("## [0.1.0]")
    found = releases()
    assert found
    assert found == sorted(found, reverse=True)
    for version in ["Unreleased", *map(dotted, found)]:
        assert re.search(rf"(?m)^\[{re.escape(version)}\]: https://", CHANGELOG), version


def test_release_sections_use_keep_a_changelog_headings_and_upgrade_notes() -> None:
    found = releases()
    for newer, older in itertools.pairwise(found):
        text = release_text(newer)
        headings = re.findall(r"(?m)^### (.+)$", text)
        assert set(headings) - SECTIONS == {f"Upgrading from {dotted(older)}"}, headings


def test_pyproject_version_is_the_latest_release() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["version"] == dotted(releases()[0])


def test_every_ref_a_consumer_is_shown_is_the_latest_release() -> None:
    latest = f"v{dotted(releases()[0])}"
    shown: dict[str, set[str]] = {}
    for relative in consumer_files():
        if relative == "CHANGELOG.md":
            continue
        text = (REPO / relative).read_text()
        refs = re.findall(r"\?ref=(v[\w.]+)", text) + re.findall(r"--branch (v[\w.]+)", text)
        if refs:
            shown[relative] = set(refs)
    assert {"README.md", "examples/complete/README.md", "modules/lambda/README.md"} <= set(shown)
    assert {f: refs for f, refs in shown.items() if refs != {latest}} == {}
