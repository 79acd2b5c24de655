"""lambda/package.py: byte-identical, minimal zips that run."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

from scribe_local.packaging import ZIP_BUDGET_BYTES

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "lambda" / "src"
ENTRIES = ["scribe/__init__.py", "scribe/apigw.py", "scribe/core.py"]


def load_packager() -> ModuleType:
    spec = importlib.util.spec_from_file_location("scribe_package", REPO / "lambda" / "package.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


package = load_packager()


def copy_sources(dest: Path, mtime: int, mode: int) -> Path:
    """A copy of lambda/src/*.py with the given mtime and mode, plus files the zip must skip."""
    for name in ENTRIES:
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SRC / name, target)
        target.chmod(mode)
        os.utime(target, (mtime, mtime))
    (dest / "scribe" / "__pycache__").mkdir()
    (dest / "scribe" / "__pycache__" / "core.cpython-311.pyc").write_bytes(b"\0")
    (dest / "scribe" / "__pycache__" / "stray.py").write_text("x = 1\n")
    (dest / "scribe" / "core.pyc").write_bytes(b"\0")
    (dest / "scribe" / "notes.txt").write_text("not code\n")
    return dest


def test_builds_are_byte_identical(tmp_path: Path) -> None:
    first_src = copy_sources(tmp_path / "a", mtime=1_000_000_000, mode=0o644)
    second_src = copy_sources(tmp_path / "b", mtime=1_700_000_000, mode=0o755)
    old_umask = os.umask(0o077)
    try:
        first = package.build_zip(first_src, tmp_path / "out1" / "scribe.zip")
    finally:
        os.umask(old_umask)
    second = package.build_zip(second_src, tmp_path / "out2" / "scribe.zip")
    assert first == second
    assert len(first) == 64
    first_bytes = (tmp_path / "out1" / "scribe.zip").read_bytes()
    assert first_bytes == (tmp_path / "out2" / "scribe.zip").read_bytes()
    again = package.build_zip(first_src, tmp_path / "out1" / "scribe.zip")
    assert again == first


def test_entries_are_sorted_relative_with_fixed_metadata(tmp_path: Path) -> None:
    src = copy_sources(tmp_path / "src", mtime=1_234_567_890, mode=0o600)
    out = tmp_path / "scribe.zip"
    package.build_zip(src, out)
    with zipfile.ZipFile(out) as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == ENTRIES
        for info in infos:
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert info.external_attr == 0o100644 << 16
            assert info.create_system == 3
            assert info.compress_type == zipfile.ZIP_DEFLATED
            assert archive.read(info) == (SRC / info.filename).read_bytes()
        assert archive.testzip() is None


def test_real_package_is_small_and_written_atomically(tmp_path: Path) -> None:
    out = tmp_path / "build" / "scribe.zip"
    digest = package.build_zip(SRC, out)
    assert out.stat().st_size < ZIP_BUDGET_BYTES
    assert (out.stat().st_mode & 0o777) == 0o644
    assert sorted(p.name for p in out.parent.iterdir()) == ["scribe.zip"]
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == ENTRIES
    assert len(digest) == 64


def test_no_sources_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError):
        package.build_zip(tmp_path / "empty", tmp_path / "scribe.zip")
    assert not (tmp_path / "scribe.zip").exists()


def test_command_line(tmp_path: Path) -> None:
    out = tmp_path / "cli" / "scribe.zip"
    run = subprocess.run(
        [sys.executable, str(REPO / "lambda" / "package.py"), "--src", str(SRC), "--out", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    digest = package.build_zip(SRC, tmp_path / "api.zip")
    size = out.stat().st_size
    assert run.stdout == f"packaged {out} ({size} bytes, sha256 {digest})\n"


def test_handler_runs_from_the_extracted_zip(tmp_path: Path) -> None:
    """Only the extracted zip and the venv's site-packages on sys.path (-I keeps the checkout off
    it, as on Lambda where boto3 comes from the runtime): the handler imports, writes to (moto) S3
    and answers."""
    out = tmp_path / "scribe.zip"
    package.build_zip(SRC, out)
    code = tmp_path / "code"
    with zipfile.ZipFile(out) as archive:
        archive.extractall(code)
    script = """
import json, sys
sys.path.insert(0, sys.argv[1])
import boto3
from moto import mock_aws
import scribe.apigw as apigw
assert apigw.__file__.startswith(sys.argv[1]), apigw.__file__
with mock_aws():
    boto3.client("s3").create_bucket(Bucket="zip-bucket")
    event = {"routeKey": "POST /{name+}", "pathParameters": {"name": "z.txt"},
             "rawQueryString": "", "headers": {"content-type": "text/plain"},
             "body": "from the zip", "isBase64Encoded": False,
             "requestContext": {"requestId": "zip-1"}}
    reply = apigw.handler(event, None)
    body = boto3.client("s3").get_object(Bucket="zip-bucket", Key="in/z.txt")["Body"].read()
print(json.dumps({"reply": reply, "stored": body.decode()}))
"""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "BUCKET_NAME": "zip-bucket",
        "KEY_PREFIX": "in/",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    run = subprocess.run(
        [sys.executable, "-I", "-c", script, str(code)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=tmp_path,
    )
    log_line, result_line = run.stdout.splitlines()
    assert json.loads(log_line)["key"] == "in/z.txt"
    result = json.loads(result_line)
    assert result["stored"] == "from the zip"
    assert result["reply"]["statusCode"] == 201
    assert json.loads(result["reply"]["body"])["key"] == "in/z.txt"
