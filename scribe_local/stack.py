"""`make up`, `make down`, `make demo` and `make caller`: the whole stack on this machine, no
AWS account needed.

up:     package the Lambda, start a moto server on a free loopback port, apply envs/local.tfvars
        against it from a work dir (.scribe/stack), issue a caller allowed execute-api:Invoke on
        the API, start the local gateway on the deployed zip, switch moto's IAM enforcement on,
        and print/write API_URL, AWS_ENDPOINT_URL, BUCKET, a local admin's keys and the caller's
        keys (CALLER_ACCESS_KEY_ID, CALLER_SECRET_ACCESS_KEY) to .scribe/local.env; say what the
        API's CORS configuration allows, when it has one.
        --auth jwt: first start a local OIDC issuer (HTTPS, self-signed certificate), deploy the
        API with a JWT authorizer for it, and add JWT_ISSUER_URL and JWT_TOKEN to local.env.
down:   switch enforcement off, destroy, stop exactly the processes `up` started (by pid).
demo:   up, POST a text signed with the caller's keys (--auth jwt: with the token), read it
        back from S3, down.
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

import hcl2
from botocore.credentials import Credentials

from scribe_local import processes
from scribe_local.client import signed_post
from scribe_local.emulator.gateway import callers
from scribe_local.emulator.gateway.cors import CorsConfig
from scribe_local.emulator.moto_server import ACCOUNT_ID, REGION, MotoServer, moto_client
from scribe_local.iam_evaluator import EvaluatorError, Request as IamRequest, evaluate
from scribe_local.packaging import build_package
from scribe_local.paths import PACKAGE_ZIP, REPO, STATE_DIR
from scribe_local.terraform import runner
from scribe_local.terraform.workdir import LOCAL_VAR_FILE, copy_root, local_vars

STATE_FILE = STATE_DIR / "state.json"
ENV_FILE = STATE_DIR / "local.env"
CALLERS_FILE = STATE_DIR / "callers.json"
WORKDIR = STATE_DIR / "stack"
LOCAL_VARS = local_vars(PACKAGE_ZIP)
# The processes `up` starts, as their command lines name them (`down` stops only these pids).
MOTO = "scribe_local.emulator.moto_launcher"
GATEWAY = "scribe_local.emulator.gateway"
ISSUER = "scribe_local.emulator.oidc_issuer"
# AUTH=jwt: the issuer's certificate (the gateway trusts it), the API settings that point the
# module's JWT authorizer at the issuer, and what the default token (JWT_TOKEN) is good for.
ISSUER_CERT = STATE_DIR / "issuer.pem"
JWT_VAR_FILE = STATE_DIR / "jwt.tfvars.json"
JWT_AUDIENCE = "scribe-local"
JWT_SCOPES = ("scribe/write",)


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
    issuer_pid: int = 0
    jwt_issuer_url: str = ""
    jwt_token: str = ""

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

    def jwt_env_lines(self) -> list[str]:
        """AUTH=jwt: the issuer and the default token, for local.env and the console."""
        if not self.jwt_issuer_url:
            return []
        return [
            f"JWT_ISSUER_URL={self.jwt_issuer_url}",
            f"JWT_ISSUER_CA={ISSUER_CERT}",  # its self-signed certificate (curl --cacert)
            f"JWT_TOKEN={self.jwt_token}",
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
            *(["--trust-cert", str(ISSUER_CERT)] if stack.jwt_issuer_url else []),
        ],
        ready,
        STATE_DIR / "gateway.log",
        timeout=30,
    )
    stack.api_url = json.loads(ready.read_text())["url"]
    return process.pid


def spawn_issuer(stack: LocalStack) -> list[str]:
    """AUTH=jwt: start the local OIDC issuer (stack.jwt_issuer_url and jwt_token become its URL
    and default token) and write the API settings that point the JWT authorizer at it; the
    arguments that add them to an apply."""
    ready = STATE_DIR / "issuer.json"
    argv = [sys.executable, "-m", ISSUER, "--ready-file", str(ready)]
    argv += ["--cert-file", str(ISSUER_CERT), "--audience", JWT_AUDIENCE]
    argv += [arg for scope in JWT_SCOPES for arg in ("--scope", scope)]
    process = processes.spawn_until_ready(
        "local OIDC issuer",
        argv,
        ready,
        STATE_DIR / "issuer.log",
        timeout=30,
    )
    stack.issuer_pid = process.pid
    issued = json.loads(ready.read_text())
    stack.jwt_issuer_url, stack.jwt_token = issued["url"], issued["token"]
    JWT_VAR_FILE.write_text(json.dumps({"api": jwt_api_settings(stack.jwt_issuer_url)}, indent=2))
    return [f"-var-file={JWT_VAR_FILE}"]


def jwt_api_settings(issuer_url: str) -> dict[str, object]:
    """envs/local.tfvars' api object with a JWT authorizer instead of its authorization (a later
    var file replaces the whole object, so the rest is carried over from the env file)."""
    options = hcl2.SerializationOptions(with_comments=False, strip_string_quotes=True)
    with open(REPO / LOCAL_VAR_FILE) as env_file:
        api = dict(hcl2.load(env_file, serialization_options=options).get("api", {}))
    api["authorization_type"] = "JWT"
    api["jwt_authorizer"] = {
        "issuer": issuer_url,
        "audience": [JWT_AUDIENCE],
        "scopes": list(JWT_SCOPES),
    }
    return api


def up(auth: str | None = None) -> LocalStack:
    existing = LocalStack.load()
    if (
        existing
        and processes.alive(existing.moto_pid, MOTO)
        and processes.alive(existing.gateway_pid, GATEWAY)
        and bool(existing.jwt_issuer_url) == (auth == "jwt")
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
    auth_vars = spawn_issuer(stack) if auth == "jwt" else []
    stack.save()
    apply_vars = [*LOCAL_VARS, *auth_vars]
    runner.run(WORKDIR, "apply", "-auto-approve", "-input=false", *apply_vars, progress=True)
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
    cors = CorsConfig.from_api(moto_client("apigatewayv2", moto.url).get_api(ApiId=stack.api_id))
    moto.set_iam_enforcement(True)
    stack.save()
    print_env(stack)
    if cors is not None:  # envs/local.tfvars' api.cors, as the deployed API holds it
        print(f"[scribe] CORS: {cors.summary()}", file=sys.stderr)
    return stack


def print_env(stack: LocalStack) -> None:
    lines = stack.env_lines()
    ENV_FILE.write_text("\n".join(lines + stack.jwt_env_lines()) + "\n")
    for line in lines[:3] + lines[-2:]:  # API_URL, AWS_ENDPOINT_URL, BUCKET, caller keys
        print(line)
    for line in stack.jwt_env_lines():
        print(line)
    print(f"[scribe] all settings in {ENV_FILE}; `make down` stops it", file=sys.stderr)


def down() -> None:
    stack = LocalStack.load()
    if stack is None:
        print("[scribe] no local stack is running", file=sys.stderr)
        return
    processes.stop(stack.gateway_pid, GATEWAY)
    processes.stop(stack.issuer_pid, ISSUER)
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


def demo(auth: str | None = None) -> int:
    stack = up(auth)
    try:
        text = f"Hello from scribe at {datetime.now(UTC).isoformat(timespec='seconds')}\n"
        # AWS_IAM (the default): signed with the caller's keys; JWT: the token, unsigned.
        keys = None if stack.jwt_token else Credentials(stack.caller_key_id, stack.caller_secret)
        status, body = signed_post(stack.api_url, text.encode(), REGION, keys, bearer(stack))
        if status != 201:
            print(f"POST {stack.api_url} -> {status}: {body.decode()}")
            return 1
        answer = json.loads(body)
        how = "with the JWT" if stack.jwt_token else "signed by the caller"
        print(f"POST {stack.api_url} -> {status} {json.dumps(answer)} ({how})")
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


def bearer(stack: LocalStack) -> dict[str, str]:
    """The Authorization header of a request with the default token (AUTH=jwt), else none."""
    return {"Authorization": f"Bearer {stack.jwt_token}"} if stack.jwt_token else {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("command", choices=["up", "down", "demo", "caller"])
    parser.add_argument("--policy", type=Path, help="caller: the identity policy (JSON file)")
    parser.add_argument(
        "--auth",
        choices=["jwt"],
        help="jwt: the API's JWT authorizer and a local OIDC issuer (default: envs/local.tfvars)",
    )
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
            up(args.auth)
            return 0
        if command == "down":
            down()
            return 0
        return demo(args.auth)
    except Exception as error:
        print(f"error: {error}", file=sys.stderr)
        if command == "up":
            print("[scribe] run `make down` to clean up what was started", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
