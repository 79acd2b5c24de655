"""The background processes the tooling starts (moto, the gateway): one way to start one and wait
until it is ready, one way to stop one.

A process is started in its own session (its own process group), so stopping it also stops what
it started. It reports readiness by writing a file; a process that exits first, or takes longer
than the timeout, is an error that names its log.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

from scribe_local.paths import REPO


def spawn_until_ready(
    name: str,
    argv: list[str],
    ready_file: Path,
    log_path: Path | None = None,
    timeout: float = 60.0,
    env: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start argv (the process called name) in the checkout, its output appended to log_path, and
    wait until it writes ready_file. Raises RuntimeError (and kills it) when it exits or times out
    first."""
    ready_file.unlink(missing_ok=True)
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 (the child's)
    try:
        process = subprocess.Popen(
            argv,
            cwd=REPO,
            stdout=log,
            stderr=log,
            start_new_session=True,
            env={**os.environ, **(env or {})},
        )
    finally:
        if log_path:
            log.close()  # type: ignore[union-attr]
    deadline = time.monotonic() + timeout
    while not ready_file.is_file():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            where = f"see {log_path}" if log_path else f"run `{' '.join(argv)}` to see why"
            raise RuntimeError(f"the {name} did not start: {where}")
        time.sleep(0.05)
    return process


def alive(pid: int, marker: str | None = None) -> bool:
    """Is pid running (not a zombie) and, with a marker, is it ours (its command line holds it)?"""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return False
    return bool(cmdline) and (marker is None or marker in cmdline)


def stop(pid: int, marker: str | None = None, grace: float = 5.0) -> None:
    """SIGTERM pid's process group, SIGKILL it after grace seconds; nothing when pid is gone or,
    with a marker, is not ours."""
    if not pid or not alive(pid, marker):
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reap it when it is our child
        if not alive(pid):
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
