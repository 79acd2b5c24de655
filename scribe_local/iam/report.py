"""`make iam`: the CI identity evaluated as AWS evaluates it, in one report.

    python -m scribe_local.iam.report [--out build/iam/report.json] [--skip-pipeline]

1. renders bootstrap/accounts/example.tfvars (with the optional IAM user switched on) against a
   moto server of its own, and evaluates the attack table on it (scribe_local/iam/attacks/);
   renders bootstrap/accounts/example-github.tfvars (the same account trusting GitHub Actions)
   and evaluates the GitHub token cases on its trust policies;
2. runs the pipeline test (tests/apply/test_pipeline.py: plan, apply, no-op plan, smoke and
   destroy of dev and prod, the plans as the plan roles and the rest as the deploy roles, every
   AWS request recorded) and takes the evaluated calls it writes (SCRIBE_IAM_CALLS);
3. prints the table and writes the report: `policies` (`trust-<env>`, `deploy-<env>`,
   `boundary-<env>` of the deploy roles, `trust-plan-<env>` and `plan-<env>` of the plan roles,
   `ci-user`, and `github-trust-<env>`: the GitHub example's deploy-role trusts), `example` (the
   account files' inputs, `circleci_release_user_ids`, `github_repository` and the
   `github_workflow_ref` claim a protected environment requires), `requests` (each with the
   `role` that made it and the `stack` it belongs to), `attacks` (each with the issue-10
   `defect` or the `finding` it guards), `github` (the GitHub account file's trust policies and
   token cases), `layouts` (the same table on every other layout: the shared account before its
   api ids are pinned, and each account-per-environment file), `unused_actions` and `summary`.
Exit status 1 when an attack or a recorded call is decided otherwise than expected.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from scribe_local.emulator.moto_server import MotoServer
from scribe_local.iam import attacks, builders
from scribe_local.iam.policies import (
    EXAMPLE_ACCOUNT,
    GITHUB_ACCOUNT,
    WITH_CI_USER,
    Identity,
    render,
    unpinned,
)
from scribe_local.paths import REPO

DEFAULT_OUT = REPO / "build" / "iam" / "report.json"
PIPELINE_TEST = "tests/apply/test_pipeline.py"


def say(message: str) -> None:
    print(f"[scribe] {message}", file=sys.stderr, flush=True)


def attack_rows(outcomes: list[attacks.Outcome]) -> list[dict[str, Any]]:
    rows = []
    for outcome in outcomes:
        last = outcome.decisions[-1] if outcome.decisions else None
        rows.append(
            {
                "name": outcome.case.name,
                "expected": outcome.case.expected,
                "decision": outcome.decision,
                "defect": outcome.case.defect,
                "finding": outcome.case.finding,
                "limited_by": outcome.case.limited_by,
                "steps": len(outcome.case.steps),
                "deciding": list(last.deciding) if last else [],
            }
        )
    return rows


def github_outcomes(identity: Identity) -> list[attacks.Outcome]:
    """The GitHub token cases on a GitHub account file's trust policies (the rest of its table
    is the CircleCI example's: the deploy policies and boundaries do not depend on the CI)."""
    names = builders.Names(identity)
    return attacks.run(identity, attacks.trust_cases(names, builders.Builder(names)))


# Every other layout an account can be in, beside example.tfvars pinned (the main table).
PER_ENVIRONMENT_ACCOUNTS = ("example-dev.tfvars", "example-prod.tfvars")


def layout_row(name: str, account_file: Path, identity: Identity) -> dict[str, Any]:
    outcomes = attacks.run(identity)
    return {
        "layout": name,
        "account_file": str(account_file.relative_to(REPO)),
        "api_ids_pinned": all(cfg.get("api_id") for cfg in identity.environments.values()),
        "attacks": len(outcomes),
        "denied": sum(o.decision == "denied" for o in outcomes),
        "wrong": [attacks.describe(o) for o in outcomes if not o.passed],
    }


def other_layouts(moto_url: str, workdir: Path, example: Identity) -> list[dict[str, Any]]:
    """The attack table on the shared account before pinning and on each account-per-
    environment file (which pin nothing: a role there reaches no route of any API)."""
    say("rendering the other layouts: the shared account unpinned, one account per environment")
    rows = [
        layout_row(
            "shared account, before the api ids are pinned",
            EXAMPLE_ACCOUNT,
            render(moto_url, workdir, EXAMPLE_ACCOUNT, {**WITH_CI_USER, **unpinned(example)}),
        )
    ]
    for name in PER_ENVIRONMENT_ACCOUNTS:
        account_file = EXAMPLE_ACCOUNT.parent / name
        identity = render(moto_url, workdir, account_file)
        rows.append(layout_row(f"one account per environment ({name})", account_file, identity))
    return rows


def build(
    identity: Identity,
    outcomes: list[attacks.Outcome],
    pipeline: dict[str, Any],
    account_file: Path = EXAMPLE_ACCOUNT,
    github: tuple[Identity, list[attacks.Outcome]] | None = None,
    layouts: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The report's content: what was rendered, how each attack and each call was decided."""
    requests = [
        {
            k: call[k]
            for k in (
                "env",
                "stack",
                "role",
                "phase",
                "call",
                "action",
                "resource",
                "decision",
                "deciding",
            )
        }
        for call in pipeline.get("requests", [])
    ]
    rows = attack_rows(outcomes)
    counted = Counter(row["decision"] for row in rows)
    github_rows = attack_rows(github[1]) if github else []
    github_part = (
        {
            "account_file": str(GITHUB_ACCOUNT.relative_to(REPO)),
            "github_repository": github[0].variables["github_repository"],
            "policies": {k: v for k, v in github[0].policies.items() if k.startswith("trust-")},
            "attacks": github_rows,
        }
        if github
        else {}
    )
    # The GitHub example's deploy-role trusts, next to the CircleCI example's documents.
    github_trusts = (
        {
            f"github-{name}": doc
            for name, doc in github[0].policies.items()
            if name.startswith("trust-") and not name.startswith("trust-plan-")
        }
        if github
        else {}
    )
    return {
        "policies": {**identity.policies, **github_trusts},
        "example": {
            "account_file": str(account_file.relative_to(REPO)),
            "circleci_org_id": identity.variables["circleci_org_id"],
            "circleci_project_id": identity.variables["circleci_project_id"],
            "vcs_origin": identity.variables["vcs_origin"],
            "circleci_release_user_ids": identity.variables["circleci_release_user_ids"],
            **WITH_CI_USER,  # switched on for the table (the example file leaves it off)
            **(
                {
                    "github_account_file": str(GITHUB_ACCOUNT.relative_to(REPO)),
                    "github_repository": github[0].variables["github_repository"],
                    "github_workflow_ref": builders.Names(github[0]).workflow_ref,
                }
                if github
                else {}
            ),
        },
        "requests": requests,
        "attacks": rows,
        "github": github_part,
        "layouts": layouts or [],
        "unused_actions": pipeline.get("unused_actions", []),
        "summary": {
            "requests": len(requests),
            "requests_denied": sum(r["decision"] != "Allowed" for r in requests),
            "attacks": len(rows),
            "attacks_denied": counted["denied"],
            "attacks_allowed": counted["allowed"],
            "attacks_wrong": sum(row["decision"] != row["expected"] for row in rows),
            "github_attacks": len(github_rows),
            "github_attacks_wrong": sum(r["decision"] != r["expected"] for r in github_rows),
            "layouts": len(layouts or []),
            "layouts_attacks_wrong": sum(len(row["wrong"]) for row in layouts or []),
            "unused_actions": len(pipeline.get("unused_actions", [])),
        },
    }


def table(report: dict[str, Any]) -> str:
    lines = [f"{'decision':9} {'expected':9} attack"]
    for row in report["attacks"]:
        mark = "" if row["decision"] == row["expected"] else "   <-- WRONG"
        limit = f" (IAM allows it; limited by: {row['limited_by']})" if row["limited_by"] else ""
        lines.append(f"{row['decision']:9} {row['expected']:9} {row['name']}{limit}{mark}")
    github_rows = report.get("github", {}).get("attacks", [])
    if github_rows:
        lines.append("")
        lines.append(f"{'decision':9} {'expected':9} GitHub Actions token ({GITHUB_ACCOUNT.name})")
        for row in github_rows:
            mark = "" if row["decision"] == row["expected"] else "   <-- WRONG"
            lines.append(f"{row['decision']:9} {row['expected']:9} {row['name']}{mark}")
    if report.get("layouts"):
        lines.append("")
        lines.append("the same table on the other layouts:")
        for row in report["layouts"]:
            lines.append(
                f"  {row['layout']}: {row['attacks']} cases, {row['denied']} denied, "
                f"{len(row['wrong'])} wrong"
            )
            lines += [f"    WRONG {wrong}" for wrong in row["wrong"]]
    by_action = Counter((r["action"], r["decision"]) for r in report["requests"])
    if by_action:
        lines.append("")
        lines.append(f"{'calls':>5} {'decision':9} action (recorded pipeline, dev and prod)")
        for (action, decision), count in sorted(by_action.items()):
            lines.append(f"{count:5} {decision:9} {action}")
    if report["unused_actions"]:
        lines.append("")
        lines.append("granted, used by no recorded call, kept because:")
        for unused in report["unused_actions"]:
            role = f"{unused.get('role', 'deploy')}-{unused['env']}"
            lines.append(f"  {role:12} {unused['action']}: {unused['reason']}")
    summary = report["summary"]
    lines.append("")
    lines.append(
        f"recorded calls {summary['requests']} ({summary['requests_denied']} denied); "
        f"attacks {summary['attacks']}: {summary['attacks_denied']} denied, "
        f"{summary['attacks_allowed']} allowed, {summary['attacks_wrong']} wrong; "
        f"GitHub token cases {summary['github_attacks']} "
        f"({summary['github_attacks_wrong']} wrong); "
        f"other layouts {summary['layouts']} ({summary['layouts_attacks_wrong']} wrong); "
        f"unused actions {summary['unused_actions']}"
    )
    return "\n".join(lines)


def run_pipeline(calls_file: Path) -> dict[str, Any]:
    say(f"running the recorded pipeline ({PIPELINE_TEST}, about two minutes) ...")
    started = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:xdist",
            "-p",
            "no:randomly",
            PIPELINE_TEST,
        ],
        cwd=REPO,
        env={**os.environ, "SCRIBE_IAM_CALLS": str(calls_file)},
        check=False,
    )
    if done.returncode != 0 or not calls_file.is_file():
        raise SystemExit(
            f"[scribe] the pipeline test failed (exit {done.returncode}): its output above says "
            f"which call or step; rerun it alone with `.venv/bin/python -m pytest {PIPELINE_TEST}`"
        )
    say(f"pipeline recorded and evaluated in {time.monotonic() - started:.0f} s")
    loaded: dict[str, Any] = json.loads(calls_file.read_text())
    return loaded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--skip-pipeline", action="store_true", help="attack table only (no recorded calls)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="scribe-iam-") as tmp:
        say(f"rendering {EXAMPLE_ACCOUNT.relative_to(REPO)} (bootstrap/ planned against moto) ...")
        moto = MotoServer.start()
        try:
            identity = render(moto.url, Path(tmp), EXAMPLE_ACCOUNT, WITH_CI_USER)
            say(f"rendering {GITHUB_ACCOUNT.relative_to(REPO)} ...")
            github_identity = render(moto.url, Path(tmp), GITHUB_ACCOUNT)
            layouts = other_layouts(moto.url, Path(tmp), identity)
        finally:
            moto.stop()
        say("evaluating the attack table ...")
        outcomes = attacks.run(identity)
        github = (github_identity, github_outcomes(github_identity))
        pipeline = {} if args.skip_pipeline else run_pipeline(Path(tmp) / "calls.json")
    report = build(identity, outcomes, pipeline, github=github, layouts=layouts)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(table(report))
    say(f"wrote {args.out}")
    summary = report["summary"]
    wrong = (
        summary["attacks_wrong"]
        or summary["github_attacks_wrong"]
        or summary["layouts_attacks_wrong"]
    )
    return 1 if wrong or summary["requests_denied"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
