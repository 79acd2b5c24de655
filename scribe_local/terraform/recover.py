"""make recover ENV=<env>: adopt the stack's resources that exist in the account but not in state.

A run that is killed (SIGKILL: a lost runner, an OOM kill) or that loses the answer to a create
(a timeout: the retry then meets "already exists") leaves resources that AWS holds and Terraform
does not know. The next apply fails on them ("EntityAlreadyExists", "ResourceAlreadyExists") or,
for an HTTP API whose name need not be unique, creates a second one. Recover:

1. plans the env (`-var-file=envs/<env>.tfvars`) and takes the resources the plan would create;
2. looks them up in the account by identity, with their children
   (scribe_local/terraform/inventory.py `lookup`: the reads the deploy role is given, so that the
   manually triggered recovery job of the CI configs runs it as the environment's deploy role);
3. pairs each planned create with the account resource of the same identity (name, route key,
   statement id, integration URI ...), and adopts it with a Terraform `import` block, written to
   `recover_imports.tf` for one targeted apply, then removed. Children (routes, integrations,
   stages, an inline policy) become known once their parent is in state: two rounds;
4. refuses, before importing anything, a resource that has the stack's name but not its tag
   `Stack = <name>`: it may be someone else's (exit 1, with what to check), unless a record of
   intent of this environment (scribe_local/terraform/intent.py) names it and AWS created it
   after that run started: a run killed between a create and its tagging (the bucket) left it,
   and the adoption's apply tags it;
5. deletes an HTTP API that is the stack's (named and tagged) but a duplicate of the one in
   state and empty (no route, integration, stage or authorizer): what a retried CreateApi leaves.
   A duplicate that is not empty is reported, never deleted;
6. ends with the comparison: every stack resource in the account is in state and every state
   resource exists (exit 0, and the records of intent are removed), or what still differs
   (exit 1).

The bucket's settings (versioning, encryption, public access block, ownership, lifecycle,
policy) are not imported: their create is a PUT of the whole setting, which the next apply makes.
After recover, `make plan` / `make apply` converge as usual.

    python -m scribe_local.terraform.recover --env dev --tf-dir . [--check]
(--check: a plan and the comparison, nothing changed; make recover runs init first)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scribe_local.terraform import intent, inventory, runner
from scribe_local.terraform.envs import env_values
from scribe_local.terraform.intent import Intent
from scribe_local.terraform.inventory import Resource, Stack, Wanted
from scribe_local.terraform.lock import LOCK_ERROR, Refused as LockRefused

IMPORTS_FILE = "recover_imports.tf"
API = "aws_apigatewayv2_api"
ROUNDS = 2  # a child's parent (API, function, role) is adopted in the round before it
EXIT_AGREE, EXIT_DIFFER = 0, 1


class Refused(Exception):
    """Recover stops without changing anything; the message says why and what to do."""


@dataclass(frozen=True)
class Adoption:
    address: str
    resource: Resource


def say(message: str) -> None:
    print(f"[scribe] {message}", file=sys.stderr, flush=True)


def planned_creates(tfdir: Path, env: str, env_vars: dict[str, str]) -> list[dict[str, Any]]:
    """The resource changes of a plan of env that create (or replace) something."""
    plan_file = f"build/{env}.recover.tfplan"
    (tfdir / "build").mkdir(exist_ok=True)
    _terraform(
        tfdir, env_vars, "plan", "-input=false", f"-var-file=envs/{env}.tfvars", f"-out={plan_file}"
    )
    shown = json.loads(_terraform(tfdir, env_vars, "show", "-json", plan_file).stdout)
    return [
        change
        for change in shown.get("resource_changes", [])
        if change.get("mode") == "managed" and "create" in change["change"]["actions"]
    ]


def _terraform(tfdir: Path, env_vars: dict[str, str], *args: str) -> runner.Result:
    result = runner.run(tfdir, *args, accept=None, env=env_vars)
    if result.returncode != 0:
        text = result.stderr + result.stdout
        if LOCK_ERROR in text:
            raise Refused(
                "a lock holds the state: `make plan ENV=<env>` says which and who holds it; "
                "clear it with `make unlock ENV=<env> LOCK_ID=<id>` once that run is gone, "
                "then run make recover again"
            )
        raise runner.TerraformFailed(tfdir, result)
    return result


def pair(change: dict[str, Any], found: list[Resource]) -> list[Resource]:
    """The account resources that are the one this planned create describes."""
    kind, after = change["type"], change["change"].get("after") or {}

    def known(*names: str) -> bool:
        return all(isinstance(after.get(name), str) for name in names)

    same_type = [r for r in found if r.type == kind]
    if kind in (
        "aws_iam_role_policy",
        "aws_lambda_permission",
        "aws_s3_bucket",
        "aws_iam_role",
        "aws_cloudwatch_log_group",
        "aws_lambda_function",
    ):
        members = {
            "aws_iam_role_policy": ("role", "name"),
            "aws_lambda_permission": ("function_name", "statement_id"),
            "aws_s3_bucket": ("bucket",),
            "aws_iam_role": ("name",),
            "aws_cloudwatch_log_group": ("name",),
            "aws_lambda_function": ("function_name",),
        }[kind]
        if not known(*members):
            return []
        wanted = inventory.import_id(kind, after)
        return [r for r in same_type if r.id == wanted]
    if kind == "aws_apigatewayv2_api":
        return [r for r in same_type if known("name") and r.name == after["name"]]
    if not known("api_id"):
        return []
    children = [r for r in same_type if r.parent == after["api_id"]]
    if kind == "aws_apigatewayv2_integration":
        uri = after.get("integration_uri")
        return [r for r in children if isinstance(uri, str) and r.detail.get("uri") == uri]
    if kind == "aws_apigatewayv2_route":
        return [r for r in children if r.name == after.get("route_key")]
    if kind in ("aws_apigatewayv2_stage", "aws_apigatewayv2_authorizer"):
        return [r for r in children if r.name == after.get("name")]
    return []


def choose(
    change: dict[str, Any],
    candidates: list[Resource],
    stack_name: str = "<stack name>",
    intents: Iterable[Intent] = (),
) -> Resource:
    """The one account resource to adopt for a planned create (refusals explained). An untagged
    resource is adopted only on an intent's evidence: a run of this environment was about to
    create it, and AWS created it after that run started (scribe_local/terraform/intent.py)."""
    address = change["address"]
    intents = list(intents)
    foreign = [r for r in candidates if not r.tagged]
    unproven = [r for r in foreign if not any(i.names(r) and i.made(r) for i in intents)]
    if unproven:
        resource = unproven[0]
        raise Refused(
            f"{resource.describe()} has the name {address} would create but not the tag "
            f"{inventory.STACK_TAG} = {stack_name}, and {_no_evidence(resource, intents)}: it "
            "may not be this stack's, so it is not adopted. Find out whose it is (its creation "
            f"time, CloudTrail's record of who created it); if it is this stack's, tag it "
            f"{inventory.STACK_TAG} = {stack_name} and run make recover again, otherwise "
            "rename or remove it, or deploy the stack under another name"
        )
    if len(candidates) == 1:
        return candidates[0]
    # Several tagged APIs of one name (retried CreateApi): adopt the most complete, then oldest.
    ranked = sorted(
        candidates,
        key=lambda r: (-int(r.detail.get("children", 0)), str(r.detail.get("created", ""))),
    )
    return ranked[0]


def _no_evidence(resource: Resource, intents: list[Intent]) -> str:
    """Why no intent vouches for resource (part of a refusal)."""
    naming = [i for i in intents if i.names(resource)]
    if not intents:
        return "no run of this environment left a record of intent"
    if not naming:
        return f"none of the {len(intents)} record(s) of intent names it"
    created = resource.detail.get("created_at")
    started = min(i.started for i in naming)
    if created is None:
        return f"AWS reports no creation time to compare with the run's start ({started})"
    return f"AWS created it ({created}) before the run that meant to create it started ({started})"


def adoptions(
    creates: Iterable[dict[str, Any]],
    found: list[Resource],
    stack_name: str = "<stack name>",
    intents: Iterable[Intent] = (),
) -> list[Adoption]:
    chosen: list[Adoption] = []
    intents = list(intents)
    for change in creates:
        candidates = pair(change, found)
        if candidates:
            adopted = choose(change, candidates, stack_name, intents)
            chosen.append(Adoption(change["address"], adopted))
    return chosen


def import_blocks(adopted: Iterable[Adoption]) -> str:
    blocks = [
        f"import {{\n  to = {a.address}\n  id = {json.dumps(a.resource.id)}\n}}\n" for a in adopted
    ]
    return "# Written by make recover for one plan and apply, then removed.\n" + "\n".join(blocks)


def adopt(tfdir: Path, env: str, env_vars: dict[str, str], adopted: list[Adoption]) -> None:
    """One apply targeted at the adopted addresses, with their import blocks."""
    targets = [f"-target={a.address}" for a in adopted]
    imports = tfdir / IMPORTS_FILE
    imports.write_text(import_blocks(adopted))
    try:
        applied = _terraform(
            tfdir,
            env_vars,
            "apply",
            "-input=false",
            "-auto-approve",
            f"-var-file=envs/{env}.tfvars",
            *targets,
        )
    finally:
        imports.unlink(missing_ok=True)
    summary = [line for line in applied.stdout.splitlines() if "Apply complete" in line]
    say(f"  {summary[-1] if summary else 'applied'}")


def duplicates(found: list[Resource], state: dict[tuple[str, str], str]) -> list[Resource]:
    """The stack's APIs that duplicate, by name, one in state and hold nothing."""
    in_state = {r.name for r in found if r.type == "aws_apigatewayv2_api" and r.key in state}
    return [
        r
        for r in found
        if r.type == "aws_apigatewayv2_api"
        and r.tagged
        and r.key not in state
        and r.name in in_state
        and int(r.detail.get("children", 0)) == 0
    ]


def wanted(creates: Iterable[dict[str, Any]], intents: Iterable[Intent] = ()) -> Wanted:
    """What to look up in the account: each planned create's identity (a child's parent: an
    API route's API, by its id in state), and by name the APIs a plan or a record of intent
    creates (their ids are AWS's)."""
    identities: set[tuple[str, str]] = set()
    api_names = {name for i in intents for kind, name in i.creates if kind == API}
    for change in creates:
        kind, after = change["type"], change["change"].get("after") or {}
        if kind == API:
            if isinstance(after.get("name"), str):
                api_names.add(after["name"])
        elif inventory.PARENT.get(kind) == API:
            if isinstance(after.get("api_id"), str):
                identities.add((API, after["api_id"]))
        elif (named := intent.identity(kind, after)) is not None:
            identities.add(named)
    return Wanted(frozenset(identities), frozenset(api_names))


def recover(env: str, tfdir: Path, env_vars: dict[str, str], check_only: bool = False) -> int:
    aws = inventory.clients(_region(env, tfdir))
    account_id = aws["sts"].get_caller_identity()["Account"]
    stack = Stack.of_env(env, tfdir, account_id)
    say(f"recover {env}: stack {stack.name} in account {account_id}, {stack.region}")
    intents = _intents(tfdir, env)
    for left in intents:
        say(f"record of intent {left.run_id}: {left.who}, started {left.started}")
    looked_up = wanted((), intents)
    for round_number in range(1, ROUNDS + 1):
        creates = planned_creates(tfdir, env, env_vars)
        this_round = wanted(creates, intents)
        looked_up |= this_round
        if check_only:
            break
        found = inventory.lookup(stack, aws, this_round)
        adopted = adoptions(creates, found, stack.name, intents)
        if not adopted:
            break
        say(f"round {round_number}: adopting {len(adopted)} resource(s):")
        for item in adopted:
            say(f"  {item.address} <- {item.resource.describe()}")
        adopt(tfdir, env, env_vars, adopted)
    state = inventory.state_resources(tfdir, env_vars)
    looked_up |= Wanted(frozenset(state))
    found = inventory.lookup(stack, aws, looked_up)
    deleted = [] if check_only else duplicates(found, state)
    for api in deleted:
        say(f"deleting {api.describe()}: an empty duplicate of the stack's API in state")
        aws["apigatewayv2"].delete_api(ApiId=api.id)
    if deleted:
        found = inventory.lookup(stack, aws, looked_up)
    agreement = inventory.compare(found, state)
    if agreement.agree:
        say(f"state and account agree: {len(state)} resources of {stack.name} in both")
        if intents and not check_only:
            intent.clear(tfdir, intents)
            say(f"removed {len(intents)} record(s) of intent: nothing is left to decide")
        if agreement.foreign:
            say("left alone (not the stack's):\n" + agreement.report())
        return EXIT_AGREE
    say(f"state and account differ for {stack.name}:\n{agreement.report()}")
    say(
        "run make recover ENV=<env> to adopt what the configuration describes"
        if check_only
        else "what is in state but not in the account is recreated by the next make plan/apply; "
        "what is in the account but not in state and was not adopted above is not in the "
        "stack's configuration: check what it is and delete it by hand"
    )
    return EXIT_DIFFER


def _intents(tfdir: Path, env: str) -> list[Intent]:
    """The records of intent left next to env's state (none where the state is not in S3)."""
    try:
        return intent.read(tfdir, env)
    except LockRefused:
        return []


def _region(env: str, tfdir: Path) -> str:
    return str(env_values(env, tfdir)["region"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", required=True)
    parser.add_argument("--tf-dir", type=Path, default=Path("."))
    parser.add_argument("--check", action="store_true", help="compare only, change nothing")
    args = parser.parse_args(argv)
    if not (args.tf_dir / "envs" / f"{args.env}.tfvars").is_file():
        say(f"no {args.tf_dir}/envs/{args.env}.tfvars: ENV names an environment of envs/")
        return 2
    try:
        return recover(args.env, args.tf_dir, {}, check_only=args.check)
    except Refused as refused:
        say(f"make recover refused, nothing changed: {refused}")
        return EXIT_DIFFER
    except runner.TerraformFailed as failed:
        say(f"make recover stopped: {failed}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
