"""Smoke test of a deployed stack: POST a unique text, expect 201, read the object back.

The same script runs in CircleCI after each apply (credentials of the deploy role, which may
only POST smoke/* names and read <prefix>smoke/*) and locally against `make up`:
    python -m scribe_local.smoke --terraform-dir .          # outputs of an applied root
    python -m scribe_local.smoke --env-file .scribe/local.env
Requests are SigV4-signed for execute-api whenever credentials are available (required when the
API uses AWS_IAM, ignored when it uses NONE): locally with the caller's keys that `make up`
printed (CALLER_*), and the object is read back with the local admin's (AWS_*). Exit status 0
only when the text landed intact.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.credentials import Credentials

from scribe_local.client import signed_post
from scribe_local.terraform import runner


class SmokeFailure(Exception):
    pass


def smoke(
    api_url: str, bucket: str, key_prefix: str, region: str, caller: Credentials | None
) -> str:
    """Write one unique text through the API, signed by the caller (None: the session's own
    credentials), and read it back with the session's credentials; return its S3 URI."""
    name = f"smoke/{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex}.txt"
    text = f"scribe smoke test {uuid.uuid4()}\n"
    if caller is None:
        session = boto3.Session().get_credentials()
        caller = session.get_frozen_credentials() if session is not None else None
    status, answer = signed_post(f"{api_url}/{name}", text.encode(), region, caller)
    if status != 201:
        raise SmokeFailure(f"POST {api_url}/{name} answered {status}: {answer[:500]!r}")
    document: dict[str, Any] = json.loads(answer)
    expected_key = f"{key_prefix}{name}"
    if (document.get("bucket"), document.get("key")) != (bucket, expected_key):
        raise SmokeFailure(f"the API stored {document} instead of s3://{bucket}/{expected_key}")
    s3 = boto3.client("s3", region_name=region)
    stored = s3.get_object(Bucket=bucket, Key=expected_key)["Body"].read().decode()
    if stored != text:
        raise SmokeFailure(f"s3://{bucket}/{expected_key} holds {stored!r}, not {text!r}")
    return f"s3://{bucket}/{expected_key}"


def read_env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {name.strip(): value.strip() for name, value in pairs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="POST a unique text and read it back from S3.")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--terraform-dir", type=Path, help="an applied scribe root")
    source.add_argument("--env-file", type=Path, help=".scribe/local.env written by `make up`")
    parser.add_argument(
        "--api-url", help="POST here instead of the api_url output (a local gateway)"
    )
    args = parser.parse_args(argv)
    try:
        caller = None
        if args.env_file:
            settings = read_env_file(args.env_file)
            os.environ.update({k: v for k, v in settings.items() if k.startswith("AWS_")})
            api_url, bucket = settings["API_URL"], settings["BUCKET"]
            key_prefix = settings.get("KEY_PREFIX", "incoming/")
            caller = Credentials(
                settings["CALLER_ACCESS_KEY_ID"], settings["CALLER_SECRET_ACCESS_KEY"]
            )
        else:
            outputs = runner.outputs(args.terraform_dir)
            api_url, bucket = outputs["api_url"], outputs["bucket_name"]
            key_prefix = outputs["key_prefix"]
        api_url = args.api_url or api_url
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or ""
        if not region:
            raise SmokeFailure("set AWS_REGION (the region of the stack)")
        uri = smoke(api_url, bucket, key_prefix, region, caller)
    except (SmokeFailure, KeyError, OSError) as error:
        print(f"smoke test FAILED: {error}", file=sys.stderr)
        return 1
    print(f"smoke test passed: {uri} holds the text that was POSTed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
