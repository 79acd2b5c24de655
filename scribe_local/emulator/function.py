"""Runs a deployed Lambda function locally, the way Lambda would.

The function's configuration comes from moto (handler, memory, timeout, environment, role,
CodeSha256). The code is the zip that Terraform deployed: its SHA-256 must equal the function's
CodeSha256, so what runs here is byte for byte what was deployed. Each execution environment is a
worker process (lambda_worker.py beside this file) with the function's environment and the
credentials of its role, obtained from STS AssumeRole, so every AWS call the handler makes is
checked by moto against the role's policy once IAM enforcement is on. Warm workers are reused.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WORKER_SCRIPT = Path(__file__).with_name("lambda_worker.py")
# Concurrent executions one LocalFunction runs at most (each a warm worker process).
MAX_WORKERS = 16


class FunctionError(Exception):
    """The invocation failed inside Lambda (unhandled error, timeout, out of memory)."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    arn: str
    role_arn: str
    handler: str
    runtime: str
    memory_mb: int
    timeout_s: int
    environment: dict[str, str]
    code_sha256: str
    log_group: str
    resource_policy: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_lambda(cls, lambda_client: Any, name: str) -> FunctionSpec:
        config = lambda_client.get_function_configuration(FunctionName=name)
        try:
            policy = json.loads(lambda_client.get_policy(FunctionName=name)["Policy"])
        except lambda_client.exceptions.ResourceNotFoundException:
            policy = {"Statement": []}
        return cls(
            name=config["FunctionName"],
            arn=config["FunctionArn"],
            role_arn=config["Role"],
            handler=config["Handler"],
            runtime=config.get("Runtime", ""),
            memory_mb=int(config["MemorySize"]),
            timeout_s=int(config["Timeout"]),
            environment=dict(config.get("Environment", {}).get("Variables", {})),
            code_sha256=config["CodeSha256"],
            log_group=config.get("LoggingConfig", {}).get("LogGroup", f"/aws/lambda/{name}"),
            resource_policy=policy,
        )


def code_sha256(zip_path: Path) -> str:
    """SHA-256 of a zip, base64-encoded the way Lambda reports CodeSha256."""
    return base64.b64encode(hashlib.sha256(zip_path.read_bytes()).digest()).decode()


def extract_verified(zip_path: Path, expected_sha256: str, dest: Path) -> Path:
    actual = code_sha256(zip_path)
    if actual != expected_sha256:
        raise RuntimeError(
            f"{zip_path} (sha256 {actual}) is not the code deployed "
            f"(CodeSha256 {expected_sha256}): run `make package` and apply again, "
            "so that what runs locally is what was deployed."
        )
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(dest)
    return dest


class _Worker:
    """One warm execution environment."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Any) -> None:
        self.process = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=env
        )
        self._buffer = bytearray()

    def call(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(json.dumps(request).encode() + b"\n")
        self.process.stdin.flush()
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise FunctionError(
                    "Sandbox.Timedout", f"Task timed out after {timeout:.2f} seconds"
                )
            chunk = os.read(fd, 65536)
            if not chunk:
                raise FunctionError("Runtime.ExitError", "the execution environment exited")
            self._buffer += chunk
        line, _, rest = bytes(self._buffer).partition(b"\n")
        self._buffer = bytearray(rest)
        reply: dict[str, Any] = json.loads(line)
        return reply

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


class LocalFunction:
    """A pool of warm workers for one function, invoked synchronously like Lambda's Invoke."""

    def __init__(
        self,
        spec: FunctionSpec,
        zip_path: Path,
        credentials: dict[str, str],
        endpoint_url: str,
        region: str,
        log_path: Path,
        max_workers: int = MAX_WORKERS,
    ) -> None:
        self.spec = spec
        self._tmp = tempfile.TemporaryDirectory(prefix=f"scribe-{spec.name}-")
        code_dir = extract_verified(zip_path, spec.code_sha256, Path(self._tmp.name))
        self._argv = [sys.executable, "-I", str(WORKER_SCRIPT), str(code_dir), spec.handler]
        self._env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "TZ": ":UTC",
            "PYTHONDONTWRITEBYTECODE": "1",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_ENDPOINT_URL": endpoint_url,
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "LAMBDA_TASK_ROOT": str(code_dir),
            "SCRIBE_FUNCTION_ARN": spec.arn,
            **credentials,
            **spec.environment,
        }
        self._log = open(log_path, "ab")  # noqa: SIM115 (closed in close())
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_workers)
        self.cold_starts = 0

    def invoke(self, event: dict[str, Any], request_id: str) -> Any:
        """Run the handler on event; return its payload or raise FunctionError."""
        with self._slots:
            worker = self._take()
            deadline = time.time() + self.spec.timeout_s
            try:
                reply = worker.call(
                    {"event": event, "request_id": request_id, "deadline": deadline},
                    timeout=self.spec.timeout_s,
                )
            except FunctionError:
                worker.kill()  # Lambda discards an environment that timed out or died
                raise
            if reply["max_rss_kb"] > self.spec.memory_mb * 1024:
                worker.kill()
                raise FunctionError(
                    "Runtime.OutOfMemory",
                    f"peak RSS {reply['max_rss_kb'] // 1024} MB over {self.spec.memory_mb} MB",
                )
            with self._lock:
                self._idle.append(worker)
        if not reply["ok"]:
            raise FunctionError(reply["error_type"], reply["error"])
        return reply["payload"]

    def _take(self) -> _Worker:
        with self._lock:
            if self._idle:
                return self._idle.pop()
            self.cold_starts += 1
        return _Worker(self._argv, self._env, self._log)

    def close(self) -> None:
        with self._lock:
            workers, self._idle = self._idle, []
        for worker in workers:
            worker.kill()
        self._log.close()
        self._tmp.cleanup()
