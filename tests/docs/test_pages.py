"""The README and the task pages under docs/: the README stays short and leads to deploy, reuse and
the security model from its first screen; every page is linked; every link, repository path and
make target a page names exists. (The generated tables: test_tfdocs.py; the code layout:
test_layout.py.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scribe_local.paths import REPO

README = REPO / "README.md"
PAGES = sorted((REPO / "docs").glob("*.md"))
# Every markdown file a reader follows from the README: the README, the pages, the module and
# example READMEs, the CHANGELOG.
DOCUMENTS = [
    README,
    *PAGES,
    REPO / "CHANGELOG.md",
    *sorted(REPO.glob("modules/*/README.md")),
    *sorted(REPO.glob("examples/*/README.md")),
    REPO / "bootstrap" / "README.md",
]
TOP_LEVEL = (
    *("modules", "scribe_local", "tests", "bootstrap", "envs", "examples", "lambda", "bench"),
    *("docs", ".circleci", ".github"),
)
GENERATED = {"bench/results.json", "bench/latency.png"}  # written by make bench, ignored by git
LINK = re.compile(r"\]\(([^)\s]+)\)")
FIRST_SCREEN = 30  # lines


def ids(paths: list[Path]) -> list[str]:
    return [p.relative_to(REPO).as_posix() for p in paths]


def prose(text: str) -> str:
    """text without its fenced code blocks (a shell comment is not a heading)."""
    return re.sub(r"(?ms)^```.*?^```", "", text)


def anchors(text: str) -> set[str]:
    """GitHub's ids of a markdown file's headings (lower case, punctuation dropped, spaces to
    hyphens), and the ids of its explicit anchors."""
    found = set(re.findall(r'<a name="([^"]+)"', text))
    for heading in re.findall(r"(?m)^#{1,6} (.+)$", prose(text)):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


def make_targets() -> set[str]:
    return set(re.findall(r"(?m)^([a-z][a-z-]*):", (REPO / "Makefile").read_text()))


def test_the_readme_is_short() -> None:
    assert len(README.read_text().splitlines()) <= 250


def test_the_first_screen_leads_to_deploy_reuse_and_security() -> None:
    text = README.read_text()
    first = "\n".join(text.splitlines()[:FIRST_SCREEN])
    targets = set(LINK.findall(first))
    assert {"#deploy", "#reuse-a-module", "#the-security-model", "#more"} <= targets
    assert {"deploy", "reuse-a-module", "the-security-model", "more"} <= anchors(text)


def test_every_page_is_linked_from_the_readme() -> None:
    assert PAGES, "no docs/*.md"
    linked = {target.split("#")[0] for target in LINK.findall(README.read_text())}
    assert sorted(set(ids(PAGES)) - linked) == []


@pytest.mark.parametrize("document", DOCUMENTS, ids=ids(DOCUMENTS))
def test_every_relative_link_resolves(document: Path) -> None:
    text = document.read_text()
    broken = []
    for target in LINK.findall(text):
        if re.match(r"(https?|mailto):", target):
            continue
        path, _, anchor = target.partition("#")
        destination = (document.parent / path).resolve() if path else document
        if not destination.exists() or (
            anchor
            and destination.suffix == ".md"
            and anchor not in anchors(destination.read_text())
        ):
            broken.append(target)
    assert broken == []


@pytest.mark.parametrize("page", [README, *PAGES], ids=ids([README, *PAGES]))
def test_every_make_target_a_page_names_exists(page: Path) -> None:
    named = set(re.findall(r"`make ([a-z][a-z-]*)", page.read_text()))
    named |= set(re.findall(r"(?m)^make ([a-z][a-z-]*)", page.read_text()))  # in code blocks
    assert sorted(named - make_targets()) == []


@pytest.mark.parametrize("page", [README, *PAGES], ids=ids([README, *PAGES]))
def test_every_repository_path_a_page_names_exists(page: Path) -> None:
    """A path in backticks under one of the repository's folders (placeholders such as <env>
    and globs are not paths; a test id after `::` names the file)."""
    missing = []
    for quoted in re.findall(r"`([^`\s]+)`", page.read_text()):
        path = quoted.split("::")[0].rstrip(".,:;")
        if not path.startswith(tuple(f"{top}/" for top in TOP_LEVEL)):
            continue
        if re.search(r"[<>*{}$]", path) or path in GENERATED:
            continue
        if not (REPO / path).exists():
            missing.append(quoted)
    assert missing == []
