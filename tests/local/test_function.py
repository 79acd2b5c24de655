"""LocalFunction runs a zip like Lambda: verified code, warm reuse, errors, timeouts, memory."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

import pytest

from scribe_local.emulator.function import FunctionError, FunctionSpec, LocalFunction

HANDLER = """
import os, time
COLD = time.time()
def handler(event, context):
    action = event.get("action")
    if action == "raise":
        raise ValueError("boom")
    if action == "sleep":
        time.sleep(5)
    if action == "allocate":
        blob = bytearray(200 * 1024 * 1024)
        blob[::4096] = b"x" * len(blob[::4096])
    print("log line from the handler")
    return {"cold": COLD, "env": os.environ.get("GREETING"), "pid": os.getpid(),
            "remaining": context.get_remaining_time_in_millis(),
            "key": os.environ.get("AWS_ACCESS_KEY_ID")}
"""


@pytest.fixture
def zip_path(tmp_path: Path) -> Path:
    path = tmp_path / "fn.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("probe/__init__.py", "")
        archive.writestr("probe/main.py", HANDLER)
    return path


def spec_for(zip_path: Path, **overrides: object) -> FunctionSpec:
    values: dict[str, object] = {
        "name": "probe",
        "arn": "arn:aws:lambda:us-east-1:123456789012:function:probe",
        "role_arn": "arn:aws:iam::123456789012:role/probe",
        "handler": "probe.main.handler",
        "runtime": "python3.13",
        "memory_mb": 128,
        "timeout_s": 2,
        "environment": {"GREETING": "hi"},
        "code_sha256": base64.b64encode(hashlib.sha256(zip_path.read_bytes()).digest()).decode(),
        "log_group": "/aws/lambda/probe",
    }
    values.update(overrides)
    return FunctionSpec(**values)  # type: ignore[arg-type]


def local(zip_path: Path, tmp_path: Path, **overrides: object) -> LocalFunction:
    creds = {"AWS_ACCESS_KEY_ID": "ROLEKEY", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t"}
    return LocalFunction(
        spec_for(zip_path, **overrides),
        zip_path,
        creds,
        "http://127.0.0.1:9",
        "us-east-1",
        tmp_path / "fn.log",
    )


def test_runs_with_the_function_environment_and_role_credentials(
    zip_path: Path, tmp_path: Path
) -> None:
    function = local(zip_path, tmp_path)
    try:
        first = function.invoke({}, "r1")
        second = function.invoke({}, "r2")
    finally:
        function.close()
    assert first["env"] == "hi"
    assert first["key"] == "ROLEKEY"
    assert 0 < first["remaining"] <= 2000
    assert (second["cold"], second["pid"]) == (first["cold"], first["pid"])  # warm reuse
    assert function.cold_starts == 1
    assert "log line from the handler" in (tmp_path / "fn.log").read_text()


def test_refuses_code_that_is_not_what_was_deployed(zip_path: Path, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="is not the code deployed"):
        local(zip_path, tmp_path, code_sha256="bm90IHRoZSBzYW1lIGhhc2g=")


def test_unhandled_error_timeout_and_memory_are_function_errors(
    zip_path: Path, tmp_path: Path
) -> None:
    function = local(zip_path, tmp_path)
    try:
        with pytest.raises(FunctionError) as raised:
            function.invoke({"action": "raise"}, "r1")
        assert raised.value.error_type == "ValueError"
        with pytest.raises(FunctionError) as timed_out:
            function.invoke({"action": "sleep"}, "r2")
        assert timed_out.value.error_type == "Sandbox.Timedout"
        with pytest.raises(FunctionError) as oom:
            function.invoke({"action": "allocate"}, "r3")
        assert oom.value.error_type == "Runtime.OutOfMemory"
        assert function.invoke({}, "r4")["env"] == "hi"  # a fresh environment serves again
    finally:
        function.close()
