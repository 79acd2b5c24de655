"""A moto server in a child process on a free loopback port, started and stopped by pid."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}
REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _post(url: str, data: bytes) -> bytes:
    # A form content type (urllib's default) would make moto's Flask app swallow the body.
    request = urllib.request.Request(  # noqa: S310 (loopback)
        url, data=data, method="POST", headers={"Content-Type": "application/octet-stream"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return bytes(response.read())


@dataclass
class MotoServer:
    """Handle on a running moto server."""

    pid: int
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(cls, log_path: Path | None = None, timeout: float = 60.0) -> MotoServer:
        """Start `moto.server` on a free port and wait until it answers."""
        for _attempt in range(3):
            port = free_port()
            log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
            process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                stdout=log,
                stderr=log,
                start_new_session=True,
                env={**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "false"},
            )
            server = cls(pid=process.pid, port=port)
            if server._wait_ready(process, timeout):
                return server
            server.stop()
        raise RuntimeError(
            "moto server did not start; run `python -m moto.server` by hand to see why"
        )

    def _wait_ready(self, process: subprocess.Popen[bytes], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                return False  # port taken between our probe and its bind, most likely
            if self.alive():
                return True
            time.sleep(0.1)
        return False

    def alive(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/moto-api/", timeout=2):  # noqa: S310
                return True
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        try:
            os.killpg(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        for _ in range(50):
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                return
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, os.WNOHANG)
            time.sleep(0.1)
        os.killpg(self.pid, signal.SIGKILL)

    def reset(self) -> None:
        """Forget every resource and switch IAM enforcement off."""
        self.set_iam_enforcement(False)
        _post(f"{self.url}/moto-api/reset", b"")

    def set_iam_enforcement(self, enabled: bool) -> None:
        """Make moto check every request against IAM (global to the server)."""
        _post(f"{self.url}/moto-api/reset-auth", b"0" if enabled else b"inf")

    def configure_lambda_without_docker(self) -> None:
        """moto would try Docker to run functions; scribe runs the code itself."""
        body = json.dumps({"lambda": {"use_docker": False}}).encode()
        _post(f"{self.url}/moto-api/config", body)

    def client_env(self) -> dict[str, str]:
        """Environment for an AWS SDK or CLI talking to this server as an admin."""
        return {
            **FAKE_CREDENTIALS,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL": self.url,
        }


def moto_client(
    service: str,
    endpoint_url: str,
    key_id: str | None = None,
    secret: str | None = None,
    session_token: str | None = None,
) -> Any:
    """A boto3 client for a moto server; moto's fake admin keys unless others are given."""
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=key_id or FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=secret or FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=session_token,
    )
