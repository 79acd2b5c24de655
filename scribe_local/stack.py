"""`make up`, `make down`, `make demo` and `make caller`: the whole stack on this machine, no
AWS account needed.

up:     package the Lambda, start a moto server on a free loopback port, apply envs/local.tfvars
        against it from a work dir (.scribe/stack), issue a caller allowed execute-api:Invoke on
        the API, start the local gateway on the deployed zip, switch moto's IAM enforcement on,
        and print/write API_URL, AWS_ENDPOINT_URL, BUCKET, a local admin's keys and the caller's
        keys (CALLER_ACCESS_KEY_ID, CALLER_SECRET_ACCESS_KEY) to .scribe/local.env.
down:   switch enforcement off, destroy, stop exactly the processes `up` started (by pid).
demo:   up, POST a text signed with the caller's keys, read it back from S3, down.
caller: issue one more caller with a given identity policy; the running gateway accepts it.
up, down and demo are idempotent.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.credentials import Credentials

from scribe_local import processes
from scribe_local.client import signed_post
from scribe_local.emulator.gateway import callers
from scribe_local.emulator.moto_server import ACCOUNT_ID, REGION, MotoServer, moto_client
from scribe_local.iam.evaluator import EvaluatorError, evaluate
from scribe_local.iam.evaluator import Request as IamRequest
from scribe_local.packaging import build_package
from scribe_local.paths import PACKAGE_ZIP, STATE_DIR
from scribe_local.terraform import runner
from scribe_local.terraform.workdir import copy_root, local_vars

STATE_FILE = STATE_DIR / "state.json"
ENV_FILE = STATE_DIR / "local.env"
CALLERS_FILE = STATE_DIR / "callers.json"
WORKDIR = STATE_DIR / "stack"
LOCAL_VARS = local_vars(PACKAGE_ZIP)
# The processes `up` starts, as their command lines name them (`down` stops only these pids).
MOTO = "scribe_local.emulator.moto_launcher"
GATEWAY = "scribe_local.emulator.gateway"


@dataclass
class LocalStack:
    moto_pid: int
    moto_port: int
    gateway_pid: int = 0
    api_id: str = ""
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


def issue_caller(iam: Any, user: str, policy: dict[str, Any]) -> callers.Caller:
    """An IAM user with `policy` and its keys, added to the callers the gateway accepts on AWS_IAM
    routes (sign with service execute-api, region us-east-1). The policy is checked first."""
    check_policy(policy)
    caller = callers.issue(iam, user, policy)
    callers.add(CALLERS_FILE, caller)
    return caller


def check_policy(policy: dict[str, Any]) -> None:
    """Refuse a policy IAM would refuse, before anything is created (the evaluator validates it)."""
    probe = IamRequest(
        f"arn:aws:iam::{ACCOUNT_ID}:user/probe",
        "execute-api:Invoke",
        f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:probe/$default/POST/",
        ("p",),
    )
    try:
        evaluate({"p": policy}, [probe])
    except EvaluatorError as error:
        raise ValueError(f"the policy is not a valid identity policy: {error}") from None


def spawn_gateway(stack: LocalStack) -> int:
    """Start the gateway process on the deployed API; its pid (stack.api_url becomes its URL)."""
    ready = STATE_DIR / "gateway.json"
    process = processes.spawn_until_ready(
        "local gateway",
        [
            sys.executable,
            "-m",
            GATEWAY,
            "--endpoint-url",
            stack.moto.url,
            "--api-id",
            stack.api_id,
            "--package",
            str(PACKAGE_ZIP),
            "--ready-file",
            str(ready),
            "--log-file",
            str(STATE_DIR / "function.log"),
            "--callers",
            str(CALLERS_FILE),
        ],
        ready,
        STATE_DIR / "gateway.log",
        timeout=30,
    )
    stack.api_url = json.loads(ready.read_text())["url"]
    return process.pid


def up() -> LocalStack:
    existing = LocalStack.load()
    if (
        existing
        and processes.alive(existing.moto_pid, MOTO)
        and processes.alive(existing.gateway_pid, GATEWAY)
    ):
        print("[scribe] the local stack is already up", file=sys.stderr)
        print_env(existing)
        return existing
    if existing:
        down()
    build_package(PACKAGE_ZIP)
    print(f"[scribe] packaged {PACKAGE_ZIP}", file=sys.stderr)
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    print("[scribe] starting moto ...", file=sys.stderr)
    moto = MotoServer.start(log_path=STATE_DIR / "moto.log")
    stack = LocalStack(moto_pid=moto.pid, moto_port=moto.port)
    stack.save()
    print(f"[scribe] moto serves {moto.url} (pid {moto.pid})", file=sys.stderr)
    shutil.rmtree(WORKDIR, ignore_errors=True)
    copy_root(WORKDIR, moto.url)
    runner.run(WORKDIR, "init", "-input=false")
    runner.run(WORKDIR, "apply", "-auto-approve", "-input=false", *LOCAL_VARS, progress=True)
    out = runner.outputs(WORKDIR)
    stack.api_id, stack.bucket = out["api_id"], out["bucket_name"]
    stack.function_name, stack.key_prefix = out["function_name"], out["key_prefix"]
    stack.admin_key_id, stack.admin_secret = moto.create_admin("scribe-local-admin")
    CALLERS_FILE.unlink(missing_ok=True)
    iam = moto_client("iam", moto.url)
    api_arn = f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{stack.api_id}"
    caller = issue_caller(iam, "scribe-local-caller", callers.invoke_policy(api_arn))
    stack.caller_key_id, stack.caller_secret = caller.access_key_id, caller.secret_access_key
    stack.gateway_pid = spawn_gateway(stack)
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
    processes.stop(stack.gateway_pid, GATEWAY)
    if processes.alive(stack.moto_pid, MOTO):
        stack.moto.set_iam_enforcement(False)
        if (WORKDIR / "terraform.tfstate").is_file():
            runner.run(
                WORKDIR, "destroy", "-auto-approve", "-input=false", *LOCAL_VARS, progress=False
            )
    processes.stop(stack.moto_pid, MOTO)
    STATE_FILE.unlink(missing_ok=True)
    ENV_FILE.unlink(missing_ok=True)
    print("[scribe] local stack stopped", file=sys.stderr)


def caller(policy_file: Path) -> callers.Caller:
    """`make caller POLICY=<file>`: a new caller of the running stack with that identity policy."""
    stack = LocalStack.load()
    if stack is None or not processes.alive(stack.gateway_pid, GATEWAY):
        raise RuntimeError("the local stack is not up: run `make up` first")
    try:
        policy = json.loads(policy_file.read_text())
    except (OSError, ValueError) as error:
        raise ValueError(f"POLICY={policy_file}: {error}") from None
    iam = moto_client("iam", stack.moto.url, stack.admin_key_id, stack.admin_secret)
    user = f"scribe-local-caller-{len(callers.load(CALLERS_FILE)) + 1}"
    issued = issue_caller(iam, user, policy)
    print(f"CALLER_ACCESS_KEY_ID={issued.access_key_id}")
    print(f"CALLER_SECRET_ACCESS_KEY={issued.secret_access_key}")
    print(
        f"[scribe] {issued.arn} may call {stack.api_url} as its policy allows "
        "(sign for execute-api in us-east-1)",
        file=sys.stderr,
    )
    return issued


def demo() -> int:
    stack = up()
    try:
        text = f"Hello from scribe at {datetime.now(UTC).isoformat(timespec='seconds')}\n"
        keys = Credentials(stack.caller_key_id, stack.caller_secret)
        status, body = signed_post(stack.api_url, text.encode(), REGION, keys)
        if status != 201:
            print(f"POST {stack.api_url} -> {status}: {body.decode()}")
            return 1
        answer = json.loads(body)
        print(f"POST {stack.api_url} -> {status} {json.dumps(answer)} (signed by the caller)")
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
    parser.add_argument("command", choices=["up", "down", "demo", "caller"])
    parser.add_argument("--policy", type=Path, help="caller: the identity policy (JSON file)")
    args = parser.parse_args(argv)
    command = args.command
    try:
        if command == "caller":
            if args.policy is None:
                raise ValueError(
                    "give the caller's identity policy: make caller POLICY=<file.json>"
                )
            caller(args.policy)
            return 0
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
