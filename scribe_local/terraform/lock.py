"""The S3 state lock of a pipeline environment: what `make plan`/`make apply` say when a lock
holds the state, and `make unlock`.

Terraform's S3 backend (use_lockfile = true) locks a state by writing `<key>.tflock` next to it
with a conditional PUT; the object holds the lock info (ID, Operation, Who, Created, Path, ...).
A run that is killed (a cancelled CI job, a lost runner) leaves it behind, and every later run
stops with "Error acquiring the state lock".

    python -m scribe_local.terraform.lock explain --env dev build/dev.plan.err
        reads Terraform's error output; when it is a held lock, says which lock, who holds it,
        since when, and the command that clears it.
    python -m scribe_local.terraform.lock unlock --env dev --tf-dir . --lock-id <id>
        in a working dir initialised with the env's backend (make unlock does the init): reads
        the env's current lock and clears it with `terraform force-unlock` only when its ID is
        <id>, so it never clears another env's lock or a lock taken since.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scribe_local.terraform import runner

LOCK_ERROR = "Error acquiring the state lock"
# Terraform prints the lock as "  Field: value" lines after "Lock Info:" (diagnostic boxes, in
# colour mode, prefix "│ ").
FIELD = re.compile(r"^[│|]?\s*(ID|Path|Operation|Who|Version|Created|Info):[ \t]*(.*)$")
# Go's time.String() ("2025-06-01 10:00:00.123456789 +0000 UTC") or RFC 3339 (the .tflock JSON).
CREATED = re.compile(
    r"(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?\s*(Z|[+-]\d{2}:?\d{2})?"
)

FIELDS = ("ID", "Path", "Operation", "Who", "Version", "Created", "Info")


@dataclass(frozen=True)
class Lock:
    id: str
    path: str
    operation: str
    who: str
    version: str
    created: str
    info: str

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> Lock:
        return cls(*(str(fields.get(name) or "") for name in FIELDS))


def from_output(text: str) -> Lock | None:
    """The lock that refused a Terraform command, from its error output (None: not a lock
    error, or no lock info in it)."""
    if LOCK_ERROR not in text or "Lock Info:" not in text:
        return None
    fields: dict[str, str] = {}
    for line in text.split("Lock Info:", 1)[1].splitlines():
        match = FIELD.match(line)
        if match and match.group(1) not in fields:
            fields[match.group(1)] = match.group(2).strip()
    return Lock.from_fields(fields) if fields.get("ID") else None


def created_at(created: str) -> datetime | None:
    match = CREATED.search(created)
    if not match:
        return None
    day, clock, fraction, offset = match.groups()
    offset = (offset or "Z").replace("Z", "+00:00")
    if len(offset) == 5:  # +0000
        offset = f"{offset[:3]}:{offset[3:]}"
    micro = f".{(fraction or '0')[:6]:0<6}"
    return datetime.fromisoformat(f"{day}T{clock}{micro}{offset}")


def age(since: datetime, now: datetime) -> str:
    seconds = max(0, int((now - since).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h ago"
    if hours:
        return f"{hours} h {minutes} min ago"
    if minutes:
        return f"{minutes} min {seconds} s ago"
    return f"{seconds} s ago"


def describe(lock: Lock, env: str, now: datetime | None = None) -> str:
    """Which lock, who holds it and since when, and how to clear it."""
    since = created_at(lock.created)
    when = lock.created or "(not given)"
    if since is not None:
        when += f" ({age(since, now or datetime.now(UTC))})"
    return "\n".join(
        [
            f"[scribe] the {env} state is locked by another run:",
            f"  lock id    {lock.id}",
            f"  held by    {lock.who or '(not given)'}",
            f"  operation  {lock.operation or '(not given)'}",
            f"  since      {when}",
            f"  state      {lock.path or '(not given)'}",
            "[scribe] if that run is still going, wait for it and run again. If it is gone (a",
            "  cancelled CI job, a killed runner) and nothing else runs on this state, clear it:",
            f"    make unlock ENV={env} LOCK_ID={lock.id}",
        ]
    )


def explain(env: str, output: Path) -> None:
    """Print describe() when Terraform's output in `output` is a held-lock error."""
    text = output.read_text(errors="replace") if output.is_file() else ""
    lock = from_output(text)
    if lock is not None:
        print(describe(lock, env), file=sys.stderr)


@dataclass(frozen=True)
class Backend:
    bucket: str
    key: str  # the state's key (workspace included)
    region: str | None
    endpoint: str | None
    path_style: bool
    profile: str | None

    @property
    def lock_key(self) -> str:
        return f"{self.key}.tflock"

    def s3(self) -> Any:
        """An S3 client for the state bucket, with the caller's credentials, as Terraform's are
        (AWS_PROFILE, keys, the backend's profile)."""
        import boto3
        from botocore.config import Config

        session = boto3.session.Session(profile_name=self.profile, region_name=self.region)
        style = {"addressing_style": "path"} if self.path_style else {}
        return session.client("s3", endpoint_url=self.endpoint, config=Config(s3=style))


class Refused(RuntimeError):
    """make unlock will not clear anything; the message says why and what to do."""


def backend_of(tf_dir: Path) -> Backend:
    """The S3 backend tf_dir was initialised with (`terraform init` records it in
    .terraform/terraform.tfstate), and its current workspace."""
    recorded = tf_dir / ".terraform" / "terraform.tfstate"
    if not recorded.is_file():
        raise Refused(f"{tf_dir} is not initialised: run make plan ENV=<env> there first")
    backend = json.loads(recorded.read_text()).get("backend") or {}
    config: dict[str, Any] = backend.get("config") or {}
    if backend.get("type") != "s3" or not config.get("use_lockfile"):
        raise Refused(
            f"{tf_dir} is initialised with a {backend.get('type')} backend without S3 lock "
            "files; make unlock clears only the pipeline's S3 locks (envs/<env>.s3.tfbackend)"
        )
    key = str(config["key"])
    workspace_file = tf_dir / ".terraform" / "environment"
    workspace = workspace_file.read_text().strip() if workspace_file.is_file() else "default"
    if workspace != "default":
        key = f"{config.get('workspace_key_prefix') or 'env:'}/{workspace}/{key}"
    endpoints = config.get("endpoints") or {}
    return Backend(
        bucket=str(config["bucket"]),
        key=key,
        region=config.get("region"),
        endpoint=endpoints.get("s3") or config.get("endpoint"),
        path_style=bool(config.get("use_path_style") or config.get("force_path_style")),
        profile=config.get("profile"),
    )


def current_lock(backend: Backend) -> Lock | None:
    """The lock object next to the state, as Terraform wrote it (None: no lock). The
    credentials are the caller's, as Terraform's are (AWS_PROFILE, keys, the backend's
    profile)."""
    from botocore.exceptions import ClientError

    s3 = backend.s3()
    try:
        body = s3.get_object(Bucket=backend.bucket, Key=backend.lock_key)["Body"].read()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise Refused(
            f"cannot read s3://{backend.bucket}/{backend.lock_key}: {error}\n"
            "Run make unlock with credentials that may read and delete that object (an "
            "administrator, or the environment's deploy role)."
        ) from error
    try:
        fields = json.loads(body)
    except ValueError as error:
        raise Refused(
            f"s3://{backend.bucket}/{backend.lock_key} is not a Terraform lock: look at it and "
            "remove it by hand if it is stale"
        ) from error
    return Lock.from_fields(fields)


def unlock(env: str, tf_dir: Path, lock_id: str) -> str:
    """Clear env's lock lock_id; the confirmation, or Refused."""
    backend = backend_of(tf_dir)
    held = current_lock(backend)
    where = f"s3://{backend.bucket}/{backend.lock_key}"
    if held is None:
        raise Refused(
            f"the {env} state is not locked (no {where}): nothing to clear. Check ENV; run "
            f"make plan ENV={env} to see whether a lock still holds the state."
        )
    if held.id != lock_id:
        raise Refused(
            f"the {env} state's lock is {held.id}, not {lock_id}: left as it is.\n"
            + describe(held, env)
        )
    done = runner.run(tf_dir, "force-unlock", "-force", lock_id, accept=None)
    if done.returncode != 0:
        raise Refused(
            f"terraform force-unlock {lock_id} failed (exit {done.returncode}):\n"
            f"{done.stdout}{done.stderr}\nRead Terraform's error above, then run make unlock again."
        )
    if current_lock(backend) is not None:
        raise Refused(f"{where} is still there after force-unlock: run make unlock again")
    return (
        f"[scribe] cleared the {env} state lock {lock_id} (held by {held.who or '?'}, "
        f"{held.operation or '?'}, since {held.created or '?'}); run make plan ENV={env}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scribe_local.terraform.lock")
    commands = parser.add_subparsers(dest="command", required=True)
    explaining = commands.add_parser("explain", help="explain a held-lock error of Terraform")
    explaining.add_argument("--env", required=True)
    explaining.add_argument("output", type=Path, help="a file holding Terraform's error output")
    unlocking = commands.add_parser("unlock", help="clear the env's lock when its id is --lock-id")
    unlocking.add_argument("--env", required=True)
    unlocking.add_argument("--tf-dir", type=Path, default=Path("."))
    unlocking.add_argument("--lock-id", required=True)
    args = parser.parse_args(argv)
    if args.command == "explain":
        explain(args.env, args.output)
        return 0
    try:
        print(unlock(args.env, args.tf_dir, args.lock_id))
    except Refused as refused:
        print(f"[scribe] make unlock refused: {refused}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
