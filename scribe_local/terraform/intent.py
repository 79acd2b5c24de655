"""make apply's write-ahead record of intent: what a run is about to create, kept next to the
environment's state until the run has finished.

The provider creates some resources in one call and tags them in a second (the bucket:
CreateBucket, then PutBucketTagging). A run killed between the two (a lost CI runner) leaves a
resource with the stack's name and without its tag, which `make recover` must not adopt on its
name alone: it may be someone else's. The intent is the evidence that decides it. Before
Terraform applies a saved plan, `make apply` writes

    s3://<state bucket>/<state key>.intents/<run id>.json

(the state's bucket, reached with the state's credentials) holding the run's id, the environment,
the stack, who ran it (user, host, CI job) and the identity of each create the plan holds: the
(type, import id) that `make recover` pairs on, or the name of an HTTP API, whose id is AWS's. The
object's LastModified, S3's own clock, is the run's start: it is compared with the creation times
AWS reports, never with this machine's clock. A successful apply removes its intent; a killed or
failed one leaves it. `make recover` adopts an untagged resource only when an intent of its
environment names its identity and AWS created it after that intent's start, and removes every
intent of the environment once state and account agree.

    python -m scribe_local.terraform.intent write --env dev --tf-dir . --plan build/dev.tfplan
        prints the run id (make apply keeps it in build/<env>.intent)
    python -m scribe_local.terraform.intent done --env dev --tf-dir . --run-id <id>
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import socket
import sys
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from scribe_local.terraform import inventory, runner
from scribe_local.terraform.envs import env_values
from scribe_local.terraform.lock import Backend, Refused, backend_of

# CI systems' variables that name the job (the first one set is kept with the intent).
CI_JOB = ("CIRCLE_BUILD_URL", "GITHUB_RUN_ID")


@dataclass(frozen=True)
class Intent:
    """One run's record, as read back (started: S3's LastModified of the object)."""

    key: str  # the object's key next to the state
    run_id: str
    env: str
    stack: str
    who: str
    started: datetime
    creates: frozenset[tuple[str, str]]

    def names(self, resource: inventory.Resource) -> bool:
        """Whether this run was about to create resource (by its identity)."""
        return identity_of(resource) in self.creates

    def made(self, resource: inventory.Resource) -> bool:
        """Whether AWS created resource after this run started (unknown: no)."""
        created = resource.detail.get("created_at")
        return isinstance(created, datetime) and created >= self.started


def prefix(backend: Backend) -> str:
    return f"{backend.key}.intents/"


def object_key(backend: Backend, run_id: str) -> str:
    return f"{prefix(backend)}{run_id}.json"


def identity(kind: str, after: dict[str, Any]) -> tuple[str, str] | None:
    """A planned create's identity, as inventory names the account's resources (None: one that
    carries its stack's tag from its first call, or is known only after apply)."""
    if kind == "aws_apigatewayv2_api":
        name = after.get("name")
        return (kind, name) if isinstance(name, str) else None
    if kind not in inventory.NAMED_TYPES or kind.startswith("aws_apigatewayv2_"):
        return None
    try:
        return (kind, inventory.import_id(kind, after))
    except (KeyError, TypeError):
        return None


def identity_of(resource: inventory.Resource) -> tuple[str, str]:
    if resource.type == "aws_apigatewayv2_api":
        return (resource.type, resource.name)
    return resource.key


def planned(tf_dir: Path, plan_file: str) -> list[tuple[str, str]]:
    """The identities of the creates a saved plan holds."""
    shown = runner.run(tf_dir, "show", "-json", plan_file)
    found = []
    for change in json.loads(shown.stdout).get("resource_changes", []):
        if change.get("mode") == "managed" and "create" in change["change"]["actions"]:
            named = identity(change["type"], change["change"].get("after") or {})
            if named is not None:
                found.append(named)
    return sorted(set(found))


def who() -> str:
    job = next((os.environ[name] for name in CI_JOB if os.environ.get(name)), None)
    here = f"{getpass.getuser()}@{socket.gethostname()}"
    return f"{here} ({job})" if job else here


def write(env: str, tf_dir: Path, plan_file: str, stack: str) -> str:
    """Record the run's intent before its apply; its run id."""
    return put(tf_dir, env, stack, planned(tf_dir, plan_file))


def put(tf_dir: Path, env: str, stack: str, creates: list[tuple[str, str]]) -> str:
    """Write one run's record of intent next to env's state; its run id."""
    backend = backend_of(tf_dir)
    run_id = f"{datetime.now().strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    body = {"run_id": run_id, "env": env, "stack": stack, "who": who(), "creates": creates}
    backend.s3().put_object(
        Bucket=backend.bucket,
        Key=object_key(backend, run_id),
        Body=json.dumps(body, indent=1).encode(),
        ContentType="application/json",
    )
    return run_id


def done(tf_dir: Path, run_id: str) -> None:
    """The run finished: its intent goes."""
    backend = backend_of(tf_dir)
    backend.s3().delete_object(Bucket=backend.bucket, Key=object_key(backend, run_id))


def read(tf_dir: Path, env: str) -> list[Intent]:
    """Every intent left next to env's state (an intent of another environment, in its body, is
    not this environment's and is left out)."""
    backend = backend_of(tf_dir)
    s3 = backend.s3()
    intents = []
    for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=backend.bucket, Prefix=prefix(backend)
    ):
        for item in page.get("Contents", []):
            body = json.loads(s3.get_object(Bucket=backend.bucket, Key=item["Key"])["Body"].read())
            if body.get("env") != env:
                continue
            intents.append(
                Intent(
                    key=item["Key"],
                    run_id=str(body["run_id"]),
                    env=env,
                    stack=str(body.get("stack", "")),
                    who=str(body.get("who", "")),
                    started=item["LastModified"],
                    creates=frozenset((str(k), str(i)) for k, i in body.get("creates", [])),
                )
            )
    return intents


def clear(tf_dir: Path, intents: Iterable[Intent]) -> None:
    """Remove intents (state and account agree: nothing is left to decide with them)."""
    backend = backend_of(tf_dir)
    s3 = backend.s3()
    for intent in intents:
        s3.delete_object(Bucket=backend.bucket, Key=intent.key)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scribe_local.terraform.intent")
    commands = parser.add_subparsers(dest="command", required=True)
    writing = commands.add_parser("write", help="record a run's intent before its apply")
    writing.add_argument("--env", required=True)
    writing.add_argument("--tf-dir", type=Path, default=Path("."))
    writing.add_argument("--plan", required=True, help="the saved plan, relative to --tf-dir")
    finishing = commands.add_parser("done", help="remove a finished run's intent")
    finishing.add_argument("--env", required=True)
    finishing.add_argument("--tf-dir", type=Path, default=Path("."))
    finishing.add_argument("--run-id", required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "write":
            stack = str(env_values(args.env, args.tf_dir)["name"])
            print(write(args.env, args.tf_dir, args.plan, stack))
        else:
            done(args.tf_dir, args.run_id)
    except Refused as refused:
        print(f"[scribe] make apply stopped before applying: {refused}", file=sys.stderr)
        return 1
    except Exception as error:  # an S3 error: say what it means for the run
        print(
            f"[scribe] make apply could not {args.command} its record of intent next to the "
            f"{args.env} state ({type(error).__name__}: {error}). Nothing was applied when "
            "writing failed: check the credentials reach the state bucket (the deploy role "
            "may write <state key>.intents/*) and run make apply again",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
