"""checkov over every Terraform directory (the ones `make validate` checks), two at a time.

checkov lives in its own venv (`make checkov` installs it): its pinned `packaging` conflicts with
the dev tools. Offline: BC_SKIP_MAPPING and --skip-download keep it from calling Prisma's APIs.
Each directory is scanned once; a root's scan also evaluates the modules it calls. Exit 1 when a
check fails, or when a directory ran no check at all.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from scribe_local.paths import CACHE_DIR, REPO, terraform_dirs

CHECKOV = CACHE_DIR / "checkov-venv" / "bin" / "checkov"
OPTIONS = ["--framework", "terraform", "--compact", "--quiet"]
OFFLINE = ["--download-external-modules", "false", "--skip-download"]
# The top-level scan skips what is scanned on its own and the tool and output folders. checkov
# matches --skip-path as a regex against absolute paths: anchor each one at the checkout, or an
# unanchored "tests" would skip everything in a clone under /x/tests/.
ROOT_SKIPPED = ("modules", "tests", "bootstrap", "examples", "build", ".venv", ".cache", ".scribe")


def command(relative: str) -> list[str]:
    args = [str(CHECKOV), *OPTIONS, *OFFLINE, "--directory", relative]
    if relative == ".":
        for folder in ROOT_SKIPPED:
            args += ["--skip-path", f"^{re.escape(str(REPO / folder))}(/.*)?$"]
    return args


def scan(relative: str) -> tuple[str, bool, str, str]:
    """(directory, passed?, summary line, checkov's output)."""
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE"}
    result = subprocess.run(
        command(relative), cwd=REPO, env=env, capture_output=True, text=True, check=False
    )
    output = result.stdout + result.stderr
    counts = re.search(r"(?m)^Passed checks: .*$", output)
    summary = counts.group(0) if counts else "no checks ran"
    return relative, result.returncode == 0 and counts is not None, summary, output


def main() -> int:
    if not CHECKOV.is_file():
        print(f"[scribe] {CHECKOV} is missing: run make checkov", file=sys.stderr)
        return 1
    failed = []
    lines = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        for relative, passed, summary, output in pool.map(scan, terraform_dirs()):
            print(f"[scribe] checkov {relative}\n{output.rstrip()}", flush=True)
            lines.append(f"  {relative:<26} {summary}")
            if not passed:
                failed.append(relative)
    version = subprocess.run([str(CHECKOV), "--version"], capture_output=True, text=True).stdout
    print(f"[scribe] checkov {version.strip()} summary:", *lines, sep="\n")
    if failed:
        print(f"[scribe] checkov FAILED in: {' '.join(failed)}", file=sys.stderr)
        return 1
    print("[scribe] checkov: 0 failed checks")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
