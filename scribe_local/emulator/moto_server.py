"""A moto server in a child process on a free loopback port, started and stopped by pid."""

from __future__ import annotations

import json
import sys
import tempfile
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from scribe_local import processes
from scribe_local.aws.model_check import Examined, Violation
from scribe_local.emulator.model_gate import DRAIN_PATH

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}
REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account


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
        """Start a moto server on a port the OS picks, wait until it answers, and set it up to
        run Lambda code without Docker."""
        with tempfile.TemporaryDirectory(prefix="scribe-moto-") as tmp:
            port_file = Path(tmp) / "port"
            process = processes.spawn_until_ready(
                "moto server",
                [sys.executable, "-m", "scribe_local.emulator.moto_launcher", str(port_file)],
                port_file,
                log_path,
                timeout,
                env={
                    "MOTO_IAM_LOAD_MANAGED_POLICIES": "false",
                    # An emulator speed setting: moto keeps a DNS-validated ACM certificate
                    # PENDING_VALIDATION for this many seconds (default 60), then ISSUED. AWS
                    # takes minutes, in which aws_acm_certificate_validation waits; 2 s keeps
                    # that wait real (the validation polls) and short.
                    "MOTO_ACM_VALIDATION_WAIT": "2",
                },
            )
            server = cls(pid=process.pid, port=int(port_file.read_text()))
        if not server.alive():
            server.stop()
            raise RuntimeError(f"moto server on port {server.port} does not answer")
        server._configure_lambda_without_docker()
        return server

    def alive(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/moto-api/", timeout=2):  # noqa: S310
                return True
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        processes.stop(self.pid)

    def reset(self) -> None:
        """Forget every resource and switch IAM enforcement off; Lambda stays without Docker (a
        reset forgets moto's configuration too)."""
        self.set_iam_enforcement(False)
        _post(f"{self.url}/moto-api/reset", b"")
        self._configure_lambda_without_docker()

    def drain_model_check(self) -> Examined:
        """What the server's model gate checked since the last drain, and the violations it
        found (scribe_local/emulator/model_gate.py); the gate starts again from nothing."""
        answer = json.loads(_post(f"{self.url}{DRAIN_PATH}", b""))
        if answer["errors"]:
            raise RuntimeError(
                "the model gate could not check these requests (a bug in "
                "scribe_local/aws/model_check.py or operations.py, not in the request): "
                + "; ".join(answer["errors"])
            )
        return Examined(
            violations=[Violation(**v) for v in answer["violations"]],
            requests=Counter(answer["requests"]),
            members=answer["members"],
            seconds=answer["seconds"],
        )

    def set_iam_enforcement(self, enabled: bool) -> None:
        """Make moto check every request against IAM (global to the server)."""
        _post(f"{self.url}/moto-api/reset-auth", b"0" if enabled else b"inf")

    def _configure_lambda_without_docker(self) -> None:
        """moto would try Docker to run functions; scribe runs the code itself."""
        body = json.dumps({"lambda": {"use_docker": False}}).encode()
        _post(f"{self.url}/moto-api/config", body)

    def create_admin(self, user_name: str) -> tuple[str, str]:
        """Keys of an IAM user allowed everything: they keep working once enforcement is on."""
        iam = moto_client("iam", self.url)
        iam.create_user(UserName=user_name)
        everything = {"Effect": "Allow", "Action": "*", "Resource": "*"}
        iam.put_user_policy(
            UserName=user_name,
            PolicyName="admin",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [everything]}),
        )
        key = iam.create_access_key(UserName=user_name)["AccessKey"]
        return key["AccessKeyId"], key["SecretAccessKey"]


def moto_client(
    service: str,
    endpoint_url: str,
    key_id: str | None = None,
    secret: str | None = None,
    session_token: str | None = None,
) -> Any:
    """A boto3 client for a moto server; moto's fake admin keys unless others are given. S3
    Control puts the account id in front of the endpoint's host, a name no resolver knows: its
    requests go to moto as to a proxy, which serves them by their path (endpoint.py)."""
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=key_id or FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=secret or FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=session_token,
        config=Config(proxies={"http": endpoint_url}) if service == "s3control" else None,
    )


# AWS's default Lambda concurrency quota ("Concurrent executions", 1,000 per Region:
# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html) and storage quotas.
LAMBDA_CONCURRENCY_QUOTA = 1000
LAMBDA_STORAGE_LIMITS = {
    "TotalCodeSize": 80_530_636_800,  # 75 GB
    "CodeSizeUnzipped": 262_144_000,  # 250 MB
    "CodeSizeZipped": 52_428_800,  # 50 MB
}


def lambda_account_settings(moto_url: str, region: str) -> dict[str, Any]:
    """Lambda GetAccountSettings as AWS answers it in an account with the default quota, from the
    functions moto holds: UnreservedConcurrentExecutions is the quota minus every function's
    reserved concurrency. moto 5.2.5 does not implement the call; the recording proxy answers it
    with this (scribe_local/emulator/recorder.py)."""
    client = boto3.client(
        "lambda",
        endpoint_url=moto_url,
        region_name=region,
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    functions = [
        f for page in client.get_paginator("list_functions").paginate() for f in page["Functions"]
    ]
    reserved = 0
    for function in functions:
        answer = client.get_function_concurrency(FunctionName=function["FunctionName"])
        reserved += int(answer.get("ReservedConcurrentExecutions") or 0)
    return {
        "AccountLimit": {
            **LAMBDA_STORAGE_LIMITS,
            "ConcurrentExecutions": LAMBDA_CONCURRENCY_QUOTA,
            "UnreservedConcurrentExecutions": LAMBDA_CONCURRENCY_QUOTA - reserved,
        },
        "AccountUsage": {
            "TotalCodeSize": sum(int(f.get("CodeSize") or 0) for f in functions),
            "FunctionCount": len(functions),
        },
    }
