"""A consumer's module source, as the READMEs show it: git, a //modules/<name> subdirectory and a
?ref= tag. Proven on a local clone of this repository's HEAD, tagged for the test."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from scribe_local.paths import REPO
from scribe_local.terraform import runner

TAG = "v9.9.9"
CONSUMER = """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 5.100, < 7.0" }
  }
}

provider "aws" {
  region = "eu-west-1"
}

module "bucket" {
  source = "git::file://{src}//modules/bucket?ref={tag}"
  name   = "consumer-texts"
}

module "writer" {
  source        = "git::file://{src}//modules/lambda?ref={tag}"
  function_name = "consumer-writer"
  package_path  = "scribe.zip"
  bucket_name   = module.bucket.bucket_name
}

module "api" {
  source              = "git::file://{src}//modules/api?ref={tag}"
  name                = "consumer-api"
  function_name       = module.writer.function_name
  function_invoke_arn = module.writer.invoke_arn
}
"""


def git(*args: str, cwd: Path) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return result.stdout


@pytest.mark.skipif(
    shutil.which("git") is None or not (REPO / ".git").exists(), reason="needs a git checkout"
)
def test_modules_install_from_a_git_tag_and_validate(tmp_path: Path, terraform_ready: None) -> None:
    src = tmp_path / "scribe.git"
    git("clone", "--quiet", "--bare", str(REPO), str(src), cwd=tmp_path)
    git("tag", TAG, "HEAD", cwd=src)
    consumer = tmp_path / "consumer"
    consumer.mkdir()
    (consumer / "main.tf").write_text(CONSUMER.replace("{src}", str(src)).replace("{tag}", TAG))
    for args in (["init", "-backend=false", "-input=false"], ["validate"]):
        result = runner.run(consumer, *args, accept=None)
        assert result.returncode == 0, result.stdout + result.stderr
    assert "The configuration is valid." in result.stdout
    installed = json.loads((consumer / ".terraform" / "modules" / "modules.json").read_text())
    sources = {m["Key"]: m["Source"] for m in installed["Modules"] if m["Key"]}
    assert sources == {
        name: f"git::file://{src}//modules/{folder}?ref={TAG}"
        for name, folder in (("bucket", "bucket"), ("writer", "lambda"), ("api", "api"))
    }
