"""The release job's logic (scribe_local/release.py, `make release`) against temporary git
repositories and a stand-in for GitHub's API: an untagged CHANGELOG version is tagged exactly
once, a tagged one is left alone, a version that goes backwards is refused, and the release notes
are published once."""

from __future__ import annotations

import json
import subprocess
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from scribe_local import release
from scribe_local.paths import REPO

CHANGELOG = """# Changelog

## [Unreleased]

### Added
- not yet released

## [0.3.0] - 2026-12-01

### Added
- the third release

## [0.2.0] - 2026-11-20

### Added
- the second release
"""


def git(where: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(where), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A clone of a bare remote with one commit holding CHANGELOG, and no git identity (as in
    a CI job)."""
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", str(remote), str(work)], check=True, capture_output=True)
    (work / "CHANGELOG.md").write_text(CHANGELOG)
    git(work, "add", "CHANGELOG.md")
    git(work, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "c")
    git(work, "push", "-q", "origin", "HEAD")
    return work


def remote_tags(work: Path) -> dict[str, str]:
    """Tag name -> the object it points at, on the remote."""
    listed = git(work, "ls-remote", "--tags", "--refs", "origin")
    return {
        ref.split("refs/tags/")[1]: sha
        for sha, ref in (line.split() for line in listed.splitlines())
    }


def test_an_untagged_version_is_tagged_once(checkout: Path) -> None:
    said = release.run(checkout, "origin")
    assert said == ["tagged v0.3.0 (2026-12-01) at HEAD and pushed it to origin"]
    tags = remote_tags(checkout)
    assert list(tags) == ["v0.3.0"]
    assert git(checkout, "cat-file", "-t", "v0.3.0") == "tag"  # annotated
    assert git(checkout, "rev-parse", "v0.3.0^{commit}") == git(checkout, "rev-parse", "HEAD")
    message = git(checkout, "tag", "-l", "--format=%(contents)", "v0.3.0")
    assert message.startswith("scribe v0.3.0 (2026-12-01)")
    assert "- the third release" in message
    assert "second release" not in message
    assert "not yet released" not in message

    again = release.run(checkout, "origin")
    assert again == ["v0.3.0 is tagged already: nothing to tag"]
    assert remote_tags(checkout) == tags  # the same tag object: never moved or made twice


def test_a_tag_that_exists_is_never_moved(checkout: Path) -> None:
    git(checkout, "tag", "v0.3.0", "HEAD")
    git(checkout, "push", "-q", "origin", "v0.3.0")
    before = remote_tags(checkout)
    (checkout / "more").write_text("x")
    git(checkout, "add", "more")
    git(checkout, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "d")
    assert release.run(checkout, "origin") == ["v0.3.0 is tagged already: nothing to tag"]
    assert remote_tags(checkout) == before


def test_a_version_that_goes_backwards_is_refused(checkout: Path) -> None:
    git(checkout, "tag", "v0.4.0", "HEAD")
    git(checkout, "push", "-q", "origin", "v0.4.0")
    with pytest.raises(release.Refused, match=r"v0\.3\.0 is older than the tag\(s\) v0\.4\.0"):
        release.run(checkout, "origin")
    assert list(remote_tags(checkout)) == ["v0.4.0"]
    assert release.main(["--repo", str(checkout)]) == 1


def test_other_tags_are_not_versions(checkout: Path) -> None:
    git(checkout, "tag", "v1.0.0-rc1", "HEAD")
    git(checkout, "tag", "nightly", "HEAD")
    git(checkout, "push", "-q", "origin", "--tags")
    assert release.remote_tags(checkout, "origin") == set()
    assert release.run(checkout, "origin", dry_run=True) == [
        "would tag v0.3.0 at HEAD and push it to origin"
    ]
    assert "v0.3.0" not in remote_tags(checkout)


def test_a_changelog_without_a_release_is_refused() -> None:
    with pytest.raises(release.Refused, match="names no release"):
        release.newest("# Changelog\n\n## [Unreleased]\n- x\n")


def test_this_repositorys_newest_release_is_its_version() -> None:
    newest = release.newest((REPO / "CHANGELOG.md").read_text())
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert newest.tag == f"v{project['version']}"
    assert newest.notes.startswith("### ")
    assert "\n## [" not in newest.notes


class GitHub:
    """A stand-in for the two calls of GitHub's releases API the job makes."""

    def __init__(self) -> None:
        self.releases: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str, str]] = []  # method, path, Authorization
        github = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                github.calls.append(("GET", self.path, self.headers["Authorization"]))
                tag = self.path.rsplit("/", 1)[-1]
                self.send_response(200 if tag in github.releases else 404)
                self.end_headers()

            def do_POST(self) -> None:
                github.calls.append(("POST", self.path, self.headers["Authorization"]))
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                github.releases[body["tag_name"]] = body
                self.send_response(201)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def github() -> Iterator[GitHub]:
    stand_in = GitHub()
    yield stand_in
    stand_in.server.shutdown()


def test_the_release_notes_are_published_once(
    checkout: Path, github: GitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "t0ken")
    said = release.run(checkout, "origin", "acme/scribe", github.url)
    assert said[-1] == "published the release v0.3.0 of acme/scribe"
    assert [(m, p) for m, p, _ in github.calls] == [
        ("GET", "/repos/acme/scribe/releases/tags/v0.3.0"),
        ("POST", "/repos/acme/scribe/releases"),
    ]
    assert {auth for _, _, auth in github.calls} == {"Bearer t0ken"}
    published = github.releases["v0.3.0"]
    assert (published["name"], published["body"]) == ("v0.3.0", "### Added\n- the third release")

    again = release.run(checkout, "origin", "acme/scribe", github.url)
    assert again == [
        "v0.3.0 is tagged already: nothing to tag",
        "the release v0.3.0 of acme/scribe exists already",
    ]
    assert [m for m, _, _ in github.calls].count("POST") == 1


def test_publishing_needs_a_token(checkout: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    with pytest.raises(release.Refused, match="needs GITHUB_TOKEN"):
        release.run(checkout, "origin", "acme/scribe", "http://127.0.0.1:9")


def test_a_failed_publication_is_retried_by_the_next_run(
    checkout: Path, github: GitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "t0ken")
    with pytest.raises(release.Refused, match="the tag stands: run the release job again"):
        release.run(checkout, "origin", "acme/scribe", "http://127.0.0.1:9")  # nothing listens
    assert list(remote_tags(checkout)) == ["v0.3.0"]
    said = release.run(checkout, "origin", "acme/scribe", github.url)
    assert said == [
        "v0.3.0 is tagged already: nothing to tag",
        "published the release v0.3.0 of acme/scribe",
    ]
