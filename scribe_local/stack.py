"""`make up`, `make down` and `make demo`: the whole stack on this machine, no AWS account needed.

up:   package the Lambda, start a moto server on a free loopback port, apply envs/local.tfvars
      against it from a work dir (.scribe/stack), start the local gateway on the deployed zip,
      switch moto's IAM enforcement on, and print/write API_URL, AWS_ENDPOINT_URL, BUCKET and a
      local admin's keys to .scribe/local.env.
down: switch enforcement off, destroy, stop exactly the processes `up` started (by pid).
demo: up, POST a text, read it back from S3, down.
Each is idempotent.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from scribe_local import terraform
from scribe_local.moto_server import ACCOUNT_ID, REGION, MotoServer, moto_client
from scribe_local.paths import PACKAGE_SRC, PACKAGE_ZIP, REPO, STATE_DIR
from scribe_local.workdir import copy_root

STATE_FILE = STATE_DIR / "state.json"
ENV_FILE = STATE_DIR / "local.env"
CALLERS_FILE = STATE_DIR / "callers.json"
WORKDIR = STATE_DIR / "stack"
LOCAL_VARS = ["-var-file=envs/local.tfvars", f"-var=package_path={PACKAGE_ZIP}"]


@dataclass
class LocalStack:
    moto_pid: int
    moto_port: int
    gateway_pid: int = 0
    api_url: str = ""
    bucket: str = ""
    function_name: str = ""
    key_prefix: str = ""
    admin_key_id: str = ""
    admin_secret: str = ""
    caller_key_id: str = ""
    caller_secret: str = ""

    @property
    def moto(self) -> MotoServer:
        return MotoServer(self.moto_pid, self.moto_port)

    def save(self) -> None:
        STATE_DIR.mkdir(parents=True, exist_ok=True)
        STATE_FILE.write_text(json.dumps(asdict(self), indent=2))

    @classmethod
    def load(cls) -> LocalStack | None:
        if not STATE_FILE.is_file():
            return None
        return cls(**json.loads(STATE_FILE.read_text()))

    def env_lines(self) -> list[str]:
        return [
            f"API_URL={self.api_url}",
            f"AWS_ENDPOINT_URL={self.moto.url}",
            f"BUCKET={self.bucket}",
            f"KEY_PREFIX={self.key_prefix}",
            f"FUNCTION_NAME={self.function_name}",
            f"AWS_REGION={REGION}",
            f"AWS_ACCESS_KEY_ID={self.admin_key_id}",
            f"AWS_SECRET_ACCESS_KEY={self.admin_secret}",
            f"CALLER_ACCESS_KEY_ID={self.caller_key_id}",
            f"CALLER_SECRET_ACCESS_KEY={self.caller_secret}",
        ]


def process_alive(pid: int, marker: str) -> bool:
    """Is pid running and is it ours (its command line mentions marker)?"""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return False
    return marker in cmdline


def stop_process(pid: int, marker: str) -> None:
    if pid and process_alive(pid, marker):
        os.killpg(pid, signal.SIGTERM)
        for _ in range(50):
            if not process_alive(pid, marker):
                return
            time.sleep(0.1)
        os.killpg(pid, signal.SIGKILL)


def package() -> None:
    subprocess.run(
        [
            sys.executable,
            str(REPO / "lambda" / "package.py"),
            "--src",
            str(PACKAGE_SRC),
            "--out",
            str(PACKAGE_ZIP),
        ],
        check=True,
    )


def issue_caller(moto: MotoServer, api_url: str) -> tuple[str, str]:
    """Keys of an IAM user allowed execute-api:Invoke on the API, accepted by the gateway on
    AWS_IAM routes (sign with service execute-api, region us-east-1)."""
    api_id = api_url.split("//", 1)[1].split(".", 1)[0]
    iam = moto_client("iam", moto.url)
    user = iam.create_user(UserName="scribe-local-caller")["User"]
    invoke = {
        "Effect": "Allow",
        "Action": "execute-api:Invoke",
        "Resource": f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api_id}/*",
    }
    iam.put_user_policy(
        UserName="scribe-local-caller",
        PolicyName="invoke-scribe",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [invoke]}),
    )
    key = iam.create_access_key(UserName="scribe-local-caller")["AccessKey"]
    CALLERS_FILE.write_text(
        json.dumps(
            [
                {
                    "access_key_id": key["AccessKeyId"],
                    "secret_access_key": key["SecretAccessKey"],
                    "arn": user["Arn"],
                }
            ]
        )
    )
    return key["AccessKeyId"], key["SecretAccessKey"]


def start_gateway(stack: LocalStack) -> int:
    api_id = stack.api_url.split("//", 1)[1].split(".", 1)[0]
    ready = STATE_DIR / "gateway.json"
    ready.unlink(missing_ok=True)
    log = open(STATE_DIR / "gateway.log", "ab")  # noqa: SIM115 (handed to the child)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scribe_local.gateway",
            "--endpoint-url",
            stack.moto.url,
            "--api-id",
            api_id,
            "--package",
            str(PACKAGE_ZIP),
            "--ready-file",
            str(ready),
            "--log-file",
            str(STATE_DIR / "function.log"),
            "--callers",
            str(CALLERS_FILE),
        ],
        cwd=REPO,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    for _ in range(300):
        if ready.is_file():
            stack.api_url = json.loads(ready.read_text())["url"]
            return process.pid
        if process.poll() is not None:
            break
        time.sleep(0.1)
    raise RuntimeError(f"the local gateway did not start: see {STATE_DIR / 'gateway.log'}")


def up() -> LocalStack:
    existing = LocalStack.load()
    if (
        existing
        and process_alive(existing.moto_pid, "scribe_local.moto_launcher")
        and process_alive(existing.gateway_pid, "scribe_local.gateway")
    ):
        print("[scribe] the local stack is already up", file=sys.stderr)
        print_env(existing)
        return existing
    if existing:
        down()
    package()
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    print("[scribe] starting moto ...", file=sys.stderr)
    moto = MotoServer.start(log_path=STATE_DIR / "moto.log")
    stack = LocalStack(moto_pid=moto.pid, moto_port=moto.port)
    stack.save()
    print(f"[scribe] moto serves {moto.url} (pid {moto.pid})", file=sys.stderr)
    moto.configure_lambda_without_docker()
    shutil.rmtree(WORKDIR, ignore_errors=True)
    copy_root(WORKDIR, moto.url)
    terraform.run(WORKDIR, "init", "-input=false", progress=False)
    terraform.run(WORKDIR, "apply", "-auto-approve", "-input=false", *LOCAL_VARS)
    out = terraform.outputs(WORKDIR)
    stack.api_url, stack.bucket = out["api_url"], out["bucket_name"]
    stack.function_name, stack.key_prefix = out["function_name"], out["key_prefix"]
    stack.admin_key_id, stack.admin_secret = moto.create_admin("scribe-local-admin")
    stack.caller_key_id, stack.caller_secret = issue_caller(moto, stack.api_url)
    stack.gateway_pid = start_gateway(stack)
    moto.set_iam_enforcement(True)
    stack.save()
    print_env(stack)
    return stack


def print_env(stack: LocalStack) -> None:
    lines = stack.env_lines()
    ENV_FILE.write_text("\n".join(lines) + "\n")
    for line in lines[:3] + lines[-2:]:  # API_URL, AWS_ENDPOINT_URL, BUCKET, caller keys
        print(line)
    print(f"[scribe] all settings in {ENV_FILE}; `make down` stops it", file=sys.stderr)


def down() -> None:
    stack = LocalStack.load()
    if stack is None:
        print("[scribe] no local stack is running", file=sys.stderr)
        return
    stop_process(stack.gateway_pid, "scribe_local.gateway")
    if process_alive(stack.moto_pid, "scribe_local.moto_launcher"):
        stack.moto.set_iam_enforcement(False)
        if (WORKDIR / "terraform.tfstate").is_file():
            terraform.run(
                WORKDIR, "destroy", "-auto-approve", "-input=false", *LOCAL_VARS, progress=False
            )
    stop_process(stack.moto_pid, "scribe_local.moto_launcher")
    STATE_FILE.unlink(missing_ok=True)
    ENV_FILE.unlink(missing_ok=True)
    print("[scribe] local stack stopped", file=sys.stderr)


def demo() -> int:
    stack = up()
    try:
        text = f"Hello from scribe at {datetime.now(UTC).isoformat(timespec='seconds')}\n"
        request = urllib.request.Request(  # noqa: S310 (loopback gateway)
            stack.api_url,
            data=text.encode(),
            method="POST",
            headers={"Content-Type": "text/plain; charset=utf-8"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                status, answer = response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            print(f"POST {stack.api_url} -> {error.code}: {error.read().decode()}")
            return 1
        print(f"POST {stack.api_url} -> {status} {json.dumps(answer)}")
        s3 = moto_client("s3", stack.moto.url, stack.admin_key_id, stack.admin_secret)
        stored = s3.get_object(Bucket=answer["bucket"], Key=answer["key"])["Body"].read().decode()
        print(f"s3://{answer['bucket']}/{answer['key']}")
        print(f"content read back from S3: {stored!r}")
        if stored != text:
            print("error: the stored text differs from the text sent", file=sys.stderr)
            return 1
        return 0
    finally:
        down()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("command", choices=["up", "down", "demo"])
    command = parser.parse_args(argv).command
    try:
        if command == "up":
            up()
            return 0
        if command == "down":
            down()
            return 0
        return demo()
    except Exception as error:
        print(f"error: {error}", file=sys.stderr)
        if command == "up":
            print("[scribe] run `make down` to clean up what was started", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
