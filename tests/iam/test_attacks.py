"""The attack table on the CI identity of bootstrap/accounts/example.tfvars: every decision is the
evaluator's (scribe_local/iam/attacks/ says who attacks and how)."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from scribe_local.emulator.moto_server import MotoServer
from scribe_local.iam import attacks, builders, feature_attacks
from scribe_local.iam.policies import (
    EXAMPLE_ACCOUNT,
    GITHUB_ACCOUNT,
    WITH_CI_USER,
    Identity,
    render,
    unpinned,
)


def test_every_attack_is_denied_and_every_deploy_need_allowed(
    example_outcomes: list[attacks.Outcome],
) -> None:
    outcomes = example_outcomes
    wrong = [attacks.describe(o) for o in outcomes if not o.passed]
    assert not wrong, "\n".join(wrong)
    denied = [o for o in outcomes if o.case.expected == "denied"]
    allowed = [o for o in outcomes if o.case.expected == "allowed"]
    assert len(denied) >= 40
    assert len(allowed) >= 20
    # Every defect of issue 10's review has cases, and they are denied now.
    assert {o.case.defect for o in denied} >= {"1", "2", "3", "4"}
    # Multi-step attacks ran to their refused step, with the first step allowed.
    chained = [o for o in denied if len(o.case.steps) > 1]
    assert chained
    assert all(o.decisions[0].allowed and o.failed_step == 1 for o in chained)


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_the_plan_role_reads_and_locks_and_writes_nothing_else(
    example_outcomes: list[attacks.Outcome], env: str
) -> None:
    """Each request a deploy makes, from the plan role: the reads and its lock allowed, every
    other write denied; and the plan role trusts the tokens the deploy role trusts."""
    prefix = f"{env} plan role: "
    outcomes = [o for o in example_outcomes if o.case.name.startswith(prefix)]
    assert [attacks.describe(o) for o in outcomes if not o.passed] == []
    allowed = {o.case.name.split(": ", 1)[1] for o in outcomes if o.decision == "allowed"}
    assert {"reads its state", "lists its state key", "takes its lock", "releases its lock"} <= (
        allowed
    )
    assert {"reads its API", "reads its function", "reads its writer role"} <= allowed
    denied = [o.case for o in outcomes if o.decision == "denied"]
    writes = {c.steps[0].request.action for c in denied}
    assert {
        "s3:CreateBucket",
        "s3:PutObject",
        "iam:CreateRole",
        "iam:PassRole",
        "lambda:CreateFunction",
        "lambda:AddPermission",
        "apigateway:POST",
        "logs:CreateLogGroup",
        "execute-api:Invoke",
    } <= writes
    assert "writes its state" in {c.name.split(": ", 1)[1] for c in denied}
    tokens = [o for o in outcomes if o.case.steps[0].request.action.startswith("sts:")]
    assert len(tokens) >= 5
    assert [o.case.steps[0].request.resource_policy for o in tokens] == [f"trust-plan-{env}"] * len(
        tokens
    )


def test_names_follow_the_account_file(example: Identity) -> None:
    assert set(example.policies) >= {
        f"{kind}-{env}"
        for kind in ("trust", "deploy", "boundary", "trust-plan", "plan")
        for env in ("dev", "prod")
    }
    assert example.plan_role_arns == {
        env: f"arn:aws:iam::123456789012:role/scribe-ci-plan-{env}" for env in ("dev", "prod")
    }
    assert example.boundary_arns == {
        env: f"arn:aws:iam::123456789012:policy/scribe-ci-boundary-{env}" for env in ("dev", "prod")
    }
    assert example.stack_role_paths == {"dev": "/scribe-dev/", "prod": "/scribe-prod/"}


@pytest.mark.parametrize(
    "account",
    sorted(
        p.name
        for p in EXAMPLE_ACCOUNT.parent.glob("*.tfvars")
        if p not in (EXAMPLE_ACCOUNT, GITHUB_ACCOUNT)
    ),
)
def test_every_account_file_holds_against_the_table(
    account: str,
    render_dir: Path,
    moto_server: MotoServer,
    plan_provider: dict[str, str],
    evaluator_ready: None,
) -> None:
    """The account-per-environment files: one environment each, the same table for it."""
    account_file = EXAMPLE_ACCOUNT.parent / account
    identity = render(moto_server.url, render_dir, account_file, env=plan_provider)
    outcomes = attacks.run(identity)
    wrong = [attacks.describe(o) for o in outcomes if not o.passed]
    assert not wrong, "\n".join(wrong)
    assert len(identity.environments) == 1
    defects = {o.case.defect for o in outcomes if o.case.expected == "denied"}
    assert "2" in defects  # a fork's build is refused in every account
    if "prod" in identity.environments:
        assert "1" in defects  # and prod's ref cannot be injected


def test_every_attack_iam_cannot_refuse_names_what_limits_it(
    example_outcomes: list[attacks.Outcome],
) -> None:
    """docs/deploying.md's "What IAM cannot express", as cases: allowed by IAM, and each one says
    what refuses or bounds it instead; no other attack is expected to pass."""
    residual = {o.case.name: o.decision for o in example_outcomes if o.case.limited_by}
    assert residual == {
        f"{env} role: {what}": "allowed"
        for env in ("dev", "prod")
        for what in (
            "puts a public policy on its own bucket",
            "overwrites the account's log resource policies",
        )
    } | {  # prod's custom domain (bootstrap/accounts/example.tfvars)
        "prod role: tags an untagged certificate of the account as its own": "allowed",
        "prod role: maps another API on its own domain": "allowed",
        "prod role: sends its alarms' OK notices to an outside account's topic": "allowed",
    }
    foreign_trust = [o for o in example_outcomes if "outside account trust" in o.case.name]
    assert [(o.decision, o.failed_step) for o in foreign_trust] == [("denied", 1)] * 2


def test_one_ci_user_per_environment_reaches_only_its_own(
    example: Identity, render_dir: Path, moto_server: MotoServer, plan_provider: dict[str, str]
) -> None:
    """ci_user_per_environment (issue 22, finding 4): a key stored for dev's jobs reaches dev's
    roles only, from the CI addresses only; prod (protected) is reached by no user."""
    staging = {
        **example.environments["dev"],
        "stack_name": "scribe-staging",
        "state_key": "scribe/staging.tfstate",
        "api_id": None,
    }
    extra = {
        **WITH_CI_USER,
        "ci_user_per_environment": True,
        "environments": {**example.environments, "staging": staging},
    }
    identity = render(moto_server.url, render_dir, EXAMPLE_ACCOUNT, extra, plan_provider)
    assert sorted(name for name in identity.policies if name.startswith("ci-user")) == [
        "ci-user-dev",
        "ci-user-staging",
    ]
    outcomes = attacks.run(identity, attacks.ci_user_cases(builders.Names(identity)))
    wrong = [attacks.describe(o) for o in outcomes if not o.passed]
    assert not wrong, "\n".join(wrong)
    decided = {o.case.name: o.decision for o in outcomes}
    inside = "from inside its CIDRs"
    assert {
        name: decided[name]
        for name in (
            f"CI user of dev: assumes dev's deploy role {inside}",
            f"CI user of dev: assumes staging's deploy role {inside} (another environment's)",
            f"CI user of staging: assumes dev's plan role {inside} (another environment's)",
            f"CI user of staging: assumes prod's deploy role {inside} (a protected environment)",
            "CI user of dev: assumes dev's deploy role from outside its CIDRs",
        )
    } == {
        f"CI user of dev: assumes dev's deploy role {inside}": "allowed",
        f"CI user of dev: assumes staging's deploy role {inside} (another environment's)": "denied",
        f"CI user of staging: assumes dev's plan role {inside} (another environment's)": "denied",
        f"CI user of staging: assumes prod's deploy role {inside} (a protected environment)": (
            "denied"
        ),
        "CI user of dev: assumes dev's deploy role from outside its CIDRs": "denied",
    }


UNPINNED_DENIED = (
    "dev role: points prod's integration at an outside URL",
    "dev role: points prod's route elsewhere (routes carry no tags)",
    "dev role: adds a stage, tagged as its own, to prod's API",
    "dev role: re-tags prod's API as its own",
    "dev role: re-tags another project's API as its own",
    "dev role: points another project's integration at an outside URL",
    "dev role: POSTs into another project's API",
    "dev role: creates an API tagged with its stack (make create-api is the administrator's)",
    "dev role (api_id not pinned): creates a route on its API",
    "dev role (api_id not pinned): POSTs its smoke text",
    "dev plan role: reads its API",
)


def test_the_shared_account_before_its_apis_are_pinned(
    example: Identity,
    example_outcomes: list[attacks.Outcome],
    render_dir: Path,
    moto_server: MotoServer,
    plan_provider: dict[str, str],
) -> None:
    """example.tfvars as it stands before the administrator pins the API ids (issue 22,
    finding 3): the roles reach no API at all, so dev cannot touch prod's routes, integrations,
    stages or tags, nor another project's; the rest of the table is decided as when pinned."""
    extra = {**WITH_CI_USER, **unpinned(example)}
    identity = render(moto_server.url, render_dir, EXAMPLE_ACCOUNT, extra, plan_provider)
    names = builders.Names(identity)
    assert [names.pinned(env) for env in ("dev", "prod")] == [False, False]
    outcomes = attacks.run(identity)
    wrong = [attacks.describe(o) for o in outcomes if not o.passed]
    assert not wrong, "\n".join(wrong)
    decided = {o.case.name: o.decision for o in outcomes}
    assert {name: decided[name] for name in UNPINNED_DENIED} == dict.fromkeys(
        UNPINNED_DENIED, "denied"
    )
    assert decided["dev role: creates its function"] == "allowed"
    unmarked = {name.replace(" (api_id not pinned)", "") for name in decided}
    assert unmarked == {o.case.name for o in example_outcomes}


# --------------------------------------------------------------------------------------------
# GitHub Actions (ci_provider = "github"): bootstrap/accounts/example-github.tfvars
# --------------------------------------------------------------------------------------------

ISSUER = "token.actions.githubusercontent.com"


def github_trust(outcomes: list[attacks.Outcome], role: str = "") -> dict[str, str]:
    """Case name -> decision, for the GitHub token cases of the deploy roles (role=" plan role":
    of the plan roles, named as the deploy roles' are)."""
    found = {}
    for o in outcomes:
        env, _, rest = o.case.name.partition(": ")
        if rest.startswith("GitHub ") and env.endswith(role) and " " not in env.removesuffix(role):
            found[f"{env.removesuffix(role)}: {rest}"] = o.decision
    return found


def test_github_trust_holds_against_the_table(github_example: Identity) -> None:
    assert github_example.issuer == ISSUER
    assert github_example.provider_arn == f"arn:aws:iam::123456789012:oidc-provider/{ISSUER}"
    outcomes = attacks.run(github_example)
    wrong = [attacks.describe(o) for o in outcomes if not o.passed]
    assert not wrong, "\n".join(wrong)
    decided = github_trust(outcomes)
    allowed = sorted(name for name, decision in decided.items() if decision == "allowed")
    assert allowed == [
        "dev: GitHub a branch named like another ref",
        "dev: GitHub a feature branch",
        "prod: GitHub job in environment prod",  # protected: only the approved job
    ]
    # The plan roles: dev's trusts what dev's deploy role trusts; protected prod's, main's jobs
    # of the deploy workflow.
    planned = github_trust(outcomes, " plan role")
    assert {k: v for k, v in planned.items() if k.startswith("dev:")} == {
        k: v for k, v in decided.items() if k.startswith("dev:")
    }
    assert sorted(name for name, decision in planned.items() if decision == "allowed") == [
        "dev: GitHub a branch named like another ref",
        "dev: GitHub a feature branch",
        "prod: GitHub refs/heads/main",
    ]
    for name in (
        "prod: GitHub refs/heads/main of another repository (a fork)",
        "prod: GitHub refs/heads/main of acme/scribe-fork (name prefix)",
        "prod: GitHub refs/heads/main of acme-evil/scribe (owner prefix)",
        "prod: GitHub branch named x:ref:refs/heads/main (injection)",
        "prod: GitHub branch named x%3Aref%3Arefs/heads/main (escaped)",
        "prod: GitHub a feature branch, not refs/heads/main",
        "prod: GitHub pull request",
        "prod: GitHub job in environment prod (subject names no ref)",
        "prod: GitHub refs/heads/main, GitHub's default audience",
        f"prod: GitHub refs/heads/main from issuer {attacks.OTHER_ISSUERS[0]}",
        "prod: GitHub the right subject from another workflow on main (pull_request_target, "
        "schedule)",
    ):
        assert planned[name] == "denied", name
    for name in (
        "dev: GitHub pull request",
        "dev: GitHub a feature branch of another repository (a fork)",
        "dev: GitHub a feature branch of acme/scribe-fork (name prefix)",
        "dev: GitHub another repository's branch named after a feature branch",
        "dev: GitHub a tag",
    ):
        assert decided[name] == "denied", name
    assert sum(d == "denied" for d in [*decided.values(), *planned.values()]) >= 45
    # The rest of the table (cross-environment writes, boundary escapes, ...) is the same.
    assert len(outcomes) > len(decided) + len(planned) + 50


def test_protected_prod_is_gated_by_what_aws_sees(
    example_outcomes: list[attacks.Outcome], example: Identity, github_example: Identity
) -> None:
    """prod (protected): its deploy role trusts only what the approval changes in the token.
    CircleCI: the release managers' pipelines on main, not any project member's (an SSH re-run
    of a main job carries an ordinary main subject); GitHub: a job in the environment prod of
    the deploy workflow on main, not a job on main that names no environment (a workflow that
    pull_request_target or schedule starts) nor the environment from another workflow or ref.
    The CI user's key, which skips every ref rule, reaches neither prod role."""
    circleci = {o.case.name: o.decision for o in example_outcomes}
    github = {o.case.name: o.decision for o in attacks.run(github_example)}
    release = example.variables["circleci_release_user_ids"]
    assert release == ["0000000a-0000-4000-8000-000000000001"]
    on_circleci = {
        "prod: refs/heads/main of a project member who is no release manager (an SSH re-run)": (
            "denied"
        ),
        "prod: refs/heads/main of the project's origin": "allowed",
        "prod: a release manager's feature branch": "denied",
        "prod plan role: refs/heads/main of a project member who is no release manager "
        "(an SSH re-run)": "allowed",
        "CI user: assumes prod's deploy role from inside its CIDRs (a protected environment)": (
            "denied"
        ),
        "CI user: assumes prod's plan role from inside its CIDRs (a protected environment)": (
            "denied"
        ),
        "CI user: assumes dev's deploy role from inside its CIDRs": "allowed",
    }
    on_github = {
        "prod: GitHub job on main that names no environment": "denied",
        "prod: GitHub job in environment prod": "allowed",
        "prod: GitHub the right subject from another workflow on main (pull_request_target, "
        "schedule)": "denied",
        "prod: GitHub the right subject from the deploy workflow of a feature branch": "denied",
        "prod plan role: GitHub refs/heads/main": "allowed",
    }
    assert {name: circleci[name] for name in on_circleci} == on_circleci
    assert {name: github[name] for name in on_github} == on_github
    # The rendered trusts say so in AWS's own terms.
    sub = example.policies["trust-prod"]["Statement"][0]["Condition"]["StringEquals"]
    issuer = example.issuer
    assert sub[f"{issuer}:sub"] == (
        f"org/{example.variables['circleci_org_id']}/project/"
        f"{example.variables['circleci_project_id']}/user/{release[0]}"
        "/vcs-origin/github.com/acme/scribe/vcs-ref/refs/heads/main"
    )
    github_trust_doc = github_example.policies["trust-prod"]["Statement"][0]["Condition"]
    assert github_trust_doc == {
        "StringEquals": {
            f"{ISSUER}:aud": "sts.amazonaws.com",
            f"{ISSUER}:sub": "repo:acme/scribe:environment:prod",
            f"{ISSUER}:job_workflow_ref": (
                "acme/scribe/.github/workflows/deploy.yml@refs/heads/main"
            ),
        }
    }
    assert [s["Sid"] for s in example.policies["trust-prod"]["Statement"]] == ["CircleCiOidc"]
    assert "CiUserFromCiAddresses" in {s["Sid"] for s in example.policies["trust-dev"]["Statement"]}
    findings = {o.case.finding for o in example_outcomes if o.case.expected == "denied"}
    assert findings >= {"1", "4"}
    assert "2" in {o.case.finding for o in attacks.run(github_example)}


def test_github_environment_subject_holds_against_the_table(
    render_dir: Path, moto_server: MotoServer, plan_provider: dict[str, str], evaluator_ready: None
) -> None:
    """prod trusting GitHub environments (github_subject = "environment"): only jobs that name
    one of them, which GitHub lets run only past the environment's protection rules."""
    environments = {
        "dev": {
            "stack_name": "scribe-dev",
            "state_key": "scribe/dev.tfstate",
            "api_id": "d3v4p1id00",
        },
        "prod": {
            "stack_name": "scribe-prod",
            "state_key": "scribe/prod.tfstate",
            "api_id": "pr0d4p1id0",  # one account: each API pinned, as in the account file
            "github_subject": "environment",
            "github_environments": ["prod-plan", "prod"],
        },
    }
    extra = {"environments": environments}
    identity = render(moto_server.url, render_dir, GITHUB_ACCOUNT, extra, plan_provider)
    trust = identity.policies["trust-prod"]["Statement"][0]
    assert trust["Condition"] == {
        "StringEquals": {
            f"{ISSUER}:aud": "sts.amazonaws.com",
            f"{ISSUER}:sub": [
                "repo:acme/scribe:environment:prod-plan",
                "repo:acme/scribe:environment:prod",
            ],
        }
    }
    outcomes = attacks.run(identity)
    wrong = [attacks.describe(o) for o in outcomes if not o.passed]
    assert not wrong, "\n".join(wrong)
    decided = {k: v for k, v in github_trust(outcomes).items() if k.startswith("prod:")}
    assert sorted(k for k, v in decided.items() if v == "allowed") == [
        "prod: GitHub job in environment prod",
        "prod: GitHub job in environment prod-plan",
    ]
    for name in (
        "prod: GitHub job in another environment",
        "prod: GitHub environment prod-plan-2",
        "prod: GitHub job on main that names no environment",
        "prod: GitHub pull request",
        "prod: GitHub environment prod-plan of another repository (a fork)",
        "prod: GitHub environment prod-plan of acme/scribe-fork (name prefix)",
        "prod: GitHub environment prod-plan of acme-evil/scribe (owner prefix)",
        "prod: GitHub environment named x:environment:prod-plan (injection)",
        "prod: GitHub environment named x%3Aenvironment%3Aprod-plan (escaped)",
        "prod: GitHub environment prod-plan, GitHub's default audience",
        f"prod: GitHub environment prod-plan from issuer {attacks.OTHER_ISSUERS[1]}",
    ):
        assert decided[name] == "denied", name


def weakened(identity: Identity, trust: str, test: str, subject: str) -> Identity:
    """The identity with one trust binding the subject by `test` instead (aud unchanged)."""
    policies: dict[str, Any] = copy.deepcopy(identity.policies)
    statement = policies[trust]["Statement"][0]
    statement["Condition"] = {
        "StringEquals": {f"{ISSUER}:aud": "sts.amazonaws.com"},
        test: {f"{ISSUER}:sub": subject},
    }
    return dataclasses.replace(identity, policies=policies)


@pytest.mark.parametrize(
    ("subject", "now_allowed"),
    [
        # No ':' after the repository: a repository whose name extends it passes.
        ("repo:acme/scribe*", "prod: GitHub refs/heads/main of acme/scribe-fork (name prefix)"),
        # A '*' before the ref: IAM's '*' spans ':' and '/', so a branch that ends in the ref does.
        (
            "repo:acme/scribe:*refs/heads/main",
            "prod: GitHub branch named x:ref:refs/heads/main (injection)",
        ),
        ("repo:acme/scribe:*", "prod: GitHub pull request"),
        (
            "repo:*:ref:refs/heads/main",
            "prod: GitHub refs/heads/main of another repository (a fork)",
        ),
    ],
)
def test_the_github_table_catches_a_weaker_trust(
    github_example: Identity, subject: str, now_allowed: str
) -> None:
    """The cases bite: with a looser pattern the evaluator lets the attack through (prod's plan
    role, which trusts main's jobs)."""
    identity = weakened(github_example, "trust-plan-prod", "StringLike", subject)
    names = builders.Names(identity)
    outcomes = attacks.run(identity, attacks.trust_cases(names, builders.Builder(names)))
    assert github_trust(outcomes, " plan role")[now_allowed] == "allowed"


def test_traces_leave_only_where_bootstrap_turns_tracing_on(
    example: Identity, github_example: Identity
) -> None:
    """A writer role holding modules/lambda's X-Ray statement uploads traces only when its
    environment sets tracing (example-github.tfvars: dev); elsewhere the boundary denies it."""
    for identity, expected in (
        (example, {"dev": "denied", "prod": "denied"}),
        (github_example, {"dev": "allowed", "prod": "denied"}),
    ):
        table = [c for c in attacks.cases(identity) if ": xray:" in c.name]
        outcomes = attacks.run(identity, table)
        assert all(o.passed for o in outcomes)
        for env, decision in expected.items():
            found = {
                o.case.name.split(": ")[1].split(" ")[0]: o.decision.split(" ", 1)[0]
                for o in outcomes
                if o.case.name.startswith(f"{env} writer: ")
            }
            assert found == {
                "xray:PutTraceSegments": decision,
                "xray:PutTelemetryRecords": decision,
            }, env
            sids = {s.get("Sid") for s in identity.policies[f"boundary-{env}"]["Statement"]}
            assert ("UploadTraces" in sids) == (decision == "allowed"), env


# Each optional feature: the statements it adds to the deploy role, and the grants they hold.
FEATURE_STATEMENTS = {
    "alarms": {"StackAlarms", "StackAlarmsNotifyOnlyTheirTopics", "StackAlarmTopics"},
    "log_kms_key_arns": {"EncryptStackLogGroups", "LogKeysThroughCloudWatchLogs"},
    "domain": {
        "RequestStackCertificate",
        "StackCertificates",
        "TagNewStackCertificate",
        "StackDomainName",
        "CreateStackDomainName",
        "ReadStackZone",
        "StackAliasRecords",
        "StackCertificateValidationRecord",
    },
    "access_log_bucket": {"StackBucketAccessLogging"},
}
FEATURE_SERVICES = ("cloudwatch:", "sns:", "kms:", "acm:", "route53:", "s3:PutBucketLogging")


def test_features_are_granted_only_where_the_account_file_turns_them_on(
    example: Identity,
) -> None:
    """bootstrap/accounts/example.tfvars turns every feature on for prod and none for dev:
    prod's roles hold each feature's statements, dev's none of their actions."""
    assert all(example.environments["prod"][feature] for feature in FEATURE_STATEMENTS)
    deploy = {s.get("Sid") for s in example.policies["deploy-prod"]["Statement"]}
    for feature, sids in FEATURE_STATEMENTS.items():
        assert sids <= deploy, feature
    plan = {s.get("Sid") for s in example.policies["plan-prod"]["Statement"]}
    assert plan >= {"ReadStackAlarms", "ReadStackAlarmTopics", "ReadStackCertificates"}
    for env, kind in (("dev", "deploy"), ("dev", "plan"), ("dev", "boundary")):
        text = json.dumps(example.policies[f"{kind}-{env}"])
        assert not [grant for grant in FEATURE_SERVICES if grant in text], (env, kind)
        assert "/domainnames" not in text
    for kind in ("plan", "boundary"):
        text = json.dumps(example.policies[f"{kind}-prod"])
        writes = ("PutMetricAlarm", "CreateTopic", "AssociateKmsKey", "RequestCertificate")
        assert not [write for write in writes if write in text], kind


@pytest.mark.parametrize(
    ("feature", "actions"),
    [
        ("alarms", ("cloudwatch:", "sns:")),
        ("log_kms_key_arns", ("logs:AssociateKmsKey", "logs:DisassociateKmsKey", "kms:")),
        ("domain", ("acm:", "route53:", "apigateway:")),
        ("access_log_bucket", ("s3:PutBucketLogging", "s3:GetObject", "s3:PutBucketPolicy")),
    ],
)
def test_every_feature_grant_is_attacked(
    example: Identity,
    example_outcomes: list[attacks.Outcome],
    feature: str,
    actions: tuple[str, ...],
) -> None:
    """prod's feature cases, decided in the table: at least two denied attacks per feature,
    every feature case as expected; dev (no feature) gets none."""
    names = builders.Names(example)
    table = {c.name for c in feature_attacks.feature_cases(names, builders.Builder(names), "prod")}
    assert not feature_attacks.feature_cases(names, builders.Builder(names), "dev")
    outcomes = [o for o in example_outcomes if o.case.name in table]
    assert len(outcomes) == len(table)
    assert [attacks.describe(o) for o in outcomes if not o.passed] == []
    denied = [
        o.case.name
        for o in outcomes
        if o.decision == "denied" and o.case.steps[0].request.action.startswith(actions)
    ]
    assert len(denied) >= 2, denied
