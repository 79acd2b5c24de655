"""make release: tag the CHANGELOG's newest version once, and publish its notes.

The release job of both CI configs runs it on main after the tests:

    newest release in CHANGELOG.md   ## [X.Y.Z] - YYYY-MM-DD (Keep a Changelog)
    the remote's tags v*             git ls-remote --tags <remote>
      vX.Y.Z already there           nothing to tag (a tag is never moved)
      X.Y.Z older than a tag         refused: the CHANGELOG's newest version goes backwards
      otherwise                      git tag -a vX.Y.Z (the section as its message) at HEAD,
                                     git push <remote> refs/tags/vX.Y.Z
    --repository owner/repo          the GitHub release of the tag, with the section as its
                                     notes, unless it exists (so a re-run publishes what a failed
                                     run did not)

Credentials: GITHUB_TOKEN from the environment, never an argument. It authorises the push to an
https remote (as a header for that one git command, the way actions/checkout does) and the GitHub
API call. Standard library only: the job needs no venv.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

Version = tuple[int, int, int]
RELEASE = re.compile(r"(?m)^## \[(\d+)\.(\d+)\.(\d+)\] - (\d{4}-\d{2}-\d{2})$")
TAG = re.compile(r"^v(\d+)\.(\d+)\.(\d+)$")
API = "https://api.github.com"
TAGGER = ("scribe release job", "release-job@users.noreply.github.com")  # where git has no user


class Refused(Exception):
    """The release job must not tag: what is wrong and what to do."""


@dataclass(frozen=True)
class Release:
    version: Version
    date: str
    notes: str  # the CHANGELOG section below its heading

    @property
    def tag(self) -> str:
        return "v" + ".".join(map(str, self.version))


def newest(changelog: str) -> Release:
    """The newest release of a Keep-a-Changelog text (the first `## [X.Y.Z] - date`)."""
    found = RELEASE.search(changelog)
    if found is None:
        raise Refused("CHANGELOG.md names no release (## [X.Y.Z] - YYYY-MM-DD): nothing to tag")
    following = changelog.find("\n## [", found.end())
    notes = changelog[found.end() : following if following > 0 else None].strip()
    a, b, c, date = found.groups()
    return Release((int(a), int(b), int(c)), date, notes)


def remote_tags(repo: Path, remote: str) -> set[Version]:
    """The remote's version tags (vX.Y.Z; others ignored)."""
    try:
        listed = _git(repo, "ls-remote", "--tags", "--refs", remote, "v*", auth=remote)
    except Refused as failed:
        raise Refused(
            f"{str(failed).rstrip('.')}. make release reads the tags of {remote}: set "
            "RELEASE_REMOTE to the repository's URL (CI: https://github.com/<owner>/<repo>.git, "
            "with GITHUB_TOKEN)"
        ) from failed
    versions = set()
    for line in listed.splitlines():
        name = line.split("refs/tags/", 1)[-1]
        if matched := TAG.match(name):
            a, b, c = matched.groups()
            versions.add((int(a), int(b), int(c)))
    return versions


def decide(release: Release, tags: set[Version]) -> bool:
    """True when release must be tagged; False when its tag exists; Refused when it is older
    than a tag (a CHANGELOG edited backwards, or a branch behind main)."""
    if release.version in tags:
        return False
    later = sorted(t for t in tags if t > release.version)
    if later:
        shown = ", ".join("v" + ".".join(map(str, t)) for t in later)
        raise Refused(
            f"the CHANGELOG's newest release {release.tag} is older than the tag(s) {shown}: a "
            "version never goes backwards. Add a section for a newer version (Keep a Changelog, "
            "Semantic Versioning) and the matching version in pyproject.toml"
        )
    return True


def tag(repo: Path, remote: str, release: Release) -> None:
    """An annotated tag at HEAD with the release's notes, pushed to remote."""
    message = f"scribe {release.tag} ({release.date})\n\n{release.notes}\n"
    configured = subprocess.run(
        ["git", "-C", str(repo), "config", "user.email"], capture_output=True, check=False
    )
    who = (
        []
        if configured.returncode == 0
        else ["-c", f"user.name={TAGGER[0]}", "-c", f"user.email={TAGGER[1]}"]
    )
    _git(
        repo,
        *who,
        "tag",
        "--annotate",
        "--cleanup=verbatim",
        "--file=-",
        release.tag,
        input=message,
    )
    _git(repo, "push", remote, f"refs/tags/{release.tag}", auth=remote)


def publish(release: Release, repository: str, token: str, api: str = API) -> bool:
    """The GitHub release of release.tag with its notes; False when it exists already."""
    try:
        _github("GET", f"{api}/repos/{repository}/releases/tags/{release.tag}", token)
        return False
    except urllib.error.HTTPError as error:
        if error.code != 404:
            raise
    body = {"tag_name": release.tag, "name": release.tag, "body": release.notes}
    _github("POST", f"{api}/repos/{repository}/releases", token, body)
    return True


def _github(method: str, url: str, token: str, body: dict[str, str] | None = None) -> None:
    if not url.startswith(("https://", "http://")):
        raise Refused(f"the GitHub API's address must be http(s): {url}")
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=30):  # noqa: S310
        pass


def run(
    repo: Path, remote: str, repository: str | None = None, api: str = API, dry_run: bool = False
) -> list[str]:
    """The release job: what it did, line by line."""
    release = newest((repo / "CHANGELOG.md").read_text())
    said = []
    if decide(release, remote_tags(repo, remote)):
        if dry_run:
            return [f"would tag {release.tag} at HEAD and push it to {remote}"]
        tag(repo, remote, release)
        said.append(f"tagged {release.tag} ({release.date}) at HEAD and pushed it to {remote}")
    else:
        said.append(f"{release.tag} is tagged already: nothing to tag")
    if repository and not dry_run:
        token = os.environ.get("GITHUB_TOKEN", "")
        if not token:
            raise Refused("publishing the release notes needs GITHUB_TOKEN in the environment")
        try:
            made = publish(release, repository, token, api)
        except (urllib.error.URLError, TimeoutError) as failed:
            raise Refused(
                f"publishing the release {release.tag} of {repository} failed ({failed}); the "
                "tag stands: run the release job again, it publishes what is missing"
            ) from failed
        said.append(
            f"published the release {release.tag} of {repository}"
            if made
            else f"the release {release.tag} of {repository} exists already"
        )
    return said


def _git(repo: Path, *args: str, input: str | None = None, auth: str | None = None) -> str:
    environment = dict(os.environ)
    token = os.environ.get("GITHUB_TOKEN")
    if auth and auth.startswith("https://") and token:
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        environment.update(
            GIT_CONFIG_COUNT="1",
            GIT_CONFIG_KEY_0=f"http.{auth}.extraheader",
            GIT_CONFIG_VALUE_0=f"AUTHORIZATION: basic {basic}",
        )
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        input=input,
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    if done.returncode != 0:
        command = next(a for a in args if not a.startswith("-") and "=" not in a)
        raise Refused(f"git {command} failed (exit {done.returncode}): {done.stderr.strip()}")
    return done.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=Path("."), help="the checkout (default .)")
    parser.add_argument("--remote", default="origin", help="where tags live (a name or URL)")
    parser.add_argument("--repository", help="owner/repo: publish the GitHub release too")
    parser.add_argument("--api-url", default=API, help=argparse.SUPPRESS)
    parser.add_argument("--dry-run", action="store_true", help="say what it would do")
    args = parser.parse_args(argv)
    try:
        said = run(args.repo, args.remote, args.repository, args.api_url, args.dry_run)
    except Refused as refused:
        print(f"[scribe] make release refused: {refused}", file=sys.stderr)
        return 1
    for line in said:
        print(f"[scribe] {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
