"""The attack table: requests an attacker crafts against the CI identity, and the requests a
deploy needs, each decided by the IAM evaluator on the policies `bootstrap/` renders.

Who can attack: anyone who can push a branch (the dev role and any job on any branch can get
dev's credentials), a fork's pull-request build, another CircleCI project or org (or, with
GitHub Actions, another repository, a pull request's jobs, a job of another GitHub environment,
another OIDC issuer), and the holder of the optional CI user's key. A case is one request or
several steps: a step that is allowed may leave a new policy behind (e.g. the dev role edits its
writer role), and the next step is evaluated against the state that leaves. A multi-step
attack succeeds only if every step does.

Every case is written against the names an account file renders (stack names, buckets, state
keys, API ids); the cases that exposed a defect of issue 10 name it in `defect`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from scribe_local.iam.builders import (
    ALLOWED_IP,
    ATTACKER_ORIGIN,
    GITHUB_AUDIENCE,
    OTHER_IP,
    OTHER_PROJECT_API,
    USER,
    Builder,
    Names,
    allow,
    ctx,
    document,
)

# Re-exported: the report and the tests name them attacks.Case, attacks.Outcome, ...
from scribe_local.iam.cases import (
    Case as Case,
    Expected as Expected,
    Grant as Grant,
    Outcome as Outcome,
    Step as Step,
)
from scribe_local.iam.evaluator import ContextValue, Decision, Request, evaluate
from scribe_local.iam.feature_attacks import feature_cases, feature_needs
from scribe_local.iam.policies import Identity


def writer_policy(names: Names, env: str) -> dict[str, Any]:
    """The writer role's policy as modules/lambda renders it (its exact JSON is asserted by
    tests/plan/test_lambda.py): its log group's streams, PutObject under the key prefix, and
    one version entry per listing under it."""
    group = names.log_group(f"/aws/lambda/{names.stack(env)}-writer")
    bucket, prefix = f"arn:aws:s3:::{names.bucket(env)}", names.key_prefix(env)
    one_entry = {
        "StringLike": {"s3:prefix": f"{prefix}*"},
        "NumericLessThanEquals": {"s3:max-keys": "1"},
    }
    return document(
        allow(["logs:CreateLogStream", "logs:PutLogEvents"], f"{group}:*"),
        allow("s3:PutObject", f"{bucket}/{prefix}*"),
        {**allow("s3:ListBucketVersions", bucket), "Condition": one_entry},
    )


def roles_of(n: Names, env: str) -> tuple[str, ...]:
    """The roles of env whose trust the account renders (the plan role since 0.4.0)."""
    return ("deploy", "plan") if f"trust-plan-{env}" in n.identity.policies else ("deploy",)


def trust_label(env: str, role: str) -> str:
    """How a case names the role it attacks: "prod" (the deploy role), "prod plan role"."""
    return env if role == "deploy" else f"{env} plan role"


def trust_cases(n: Names, b: Builder) -> list[Case]:
    """Crafted OIDC tokens against every role: an environment bound to one ref (prod: main) is
    attacked through that ref; one open to a ref pattern (dev: refs/heads/*) through the refs
    and origins the pattern must still refuse. A protected environment's deploy role trusts only
    the release managers: its cases carry a release manager's user id (so a refused ref or
    origin is refused for itself), and an ordinary member's main pipeline is refused."""
    if n.provider == "github":
        return github_trust_cases(n, b)
    table: list[Case] = []
    for env in sorted(n.identity.environments):
        for role in roles_of(n, env):
            table += circleci_role_cases(n, b, env, role)
    return table


OTHER_PROJECT = "0f0f0f0f-0000-4000-8000-0000000000ff"  # another CircleCI project (or org)


def circleci_role_cases(n: Names, b: Builder, env: str, role: str) -> list[Case]:
    other_project = OTHER_PROJECT
    pattern = str(n.env(env).get("vcs_ref") or "refs/heads/*")
    gated = n.protected(env) and role == "deploy"
    user = n.release_users[0] if gated else USER
    label = trust_label(env, role)

    def case(
        name: str,
        expected: Expected,
        sub: str,
        defect: str | None = None,
        finding: str | None = None,
        **claims: str,
    ) -> Case:
        request = b.web_identity(env, sub, role=role, **claims)
        return Case(f"{label}: {name}", expected, (Step(request),), defect, finding)

    if "*" not in pattern:
        ref = pattern
        table = [
            case(
                f"branch x/vcs-ref/{ref} (ref injection)",
                "denied",
                n.subject(f"refs/heads/x/vcs-ref/{ref}", user=user),
                "1",
            ),
            case(
                f"a fork's build of {ref}",
                "denied",
                n.subject(ref, origin=ATTACKER_ORIGIN, user=user),
                "2",
            ),
            case(
                "origin path that embeds the origin",
                "denied",
                n.subject(ref, origin=f"{ATTACKER_ORIGIN}/vcs-origin/{n.origin}", user=user),
                "2",
            ),
            case("a tag", "denied", n.subject("refs/tags/v1.0.0", user=user)),
            case("a pull-request ref", "denied", n.subject("refs/pull/7/head", user=user)),
            case(f"ref {ref}-2", "denied", n.subject(f"{ref}-2", user=user)),
            case(f"ref {ref}/evil", "denied", n.subject(f"{ref}/evil", user=user)),
            case(f"ref {ref}/ (trailing slash)", "denied", n.subject(f"{ref}/", user=user)),
            case(
                "V1 subject without origin and ref",
                "denied",
                f"org/{n.org}/project/{n.project}/user/{user}",
            ),
            case(
                "user id that smuggles an origin",
                "denied",
                n.subject(ref, user=f"{user}/vcs-origin/{ATTACKER_ORIGIN}"),
            ),
            case(
                f"another project's {ref}",
                "denied",
                n.subject(ref, project=other_project, user=user),
                project=other_project,
            ),
            case("another org's audience", "denied", n.subject(ref, user=user), aud=other_project),
            case(
                "right subject, another project-id claim",
                "denied",
                n.subject(ref, user=user),
                project=other_project,
            ),
            case(f"{ref} of the project's origin", "allowed", n.subject(ref, user=user)),
        ]
        if n.protected(env):
            # Any project writer can start a main pipeline, or re-run a main job with SSH (say
            # plan-dev, whose context is not restricted): an ordinary main subject of theirs.
            # The approval job and the restricted context are CircleCI settings AWS never sees.
            table.append(
                case(
                    f"{ref} of a project member who is no release manager (an SSH re-run)",
                    "denied" if gated else "allowed",
                    n.subject(ref, user=USER),
                    finding="1" if gated else None,
                )
            )
        if gated:
            table += [
                case(
                    f"{ref} of release manager {release}",
                    "allowed",
                    n.subject(ref, user=release),
                )
                for release in n.release_users[1:]
            ]
            table.append(
                case(
                    "a release manager's feature branch",
                    "denied",
                    n.subject("refs/heads/feature", user=user),
                    finding="1",
                )
            )
        return table
    table = [
        case(
            "a fork's pull-request build",
            "denied",
            n.subject("refs/heads/feature", origin=ATTACKER_ORIGIN),
            "2",
        ),
        case(
            "another project's branch",
            "denied",
            n.subject("refs/heads/feature", project=other_project),
            project=other_project,
        ),
        case("a pull-request ref", "denied", n.subject("refs/pull/7/head")),
        case(
            "V1 subject without origin and ref",
            "denied",
            f"org/{n.org}/project/{n.project}/user/{USER}",
        ),
        case("a feature branch", "allowed", n.subject(pattern.replace("*", "feature/login"))),
        case(
            "a branch named like another ref",
            "allowed",
            n.subject(pattern.replace("*", "x/vcs-ref/refs/heads/main")),
        ),
    ]
    if pattern.startswith("refs/heads/"):
        table.append(case("a tag", "denied", n.subject("refs/tags/v1.0.0")))
    return table


ACCESS_LOG_DESTINATION = "apigateway:Request/AccessLoggingDestination"
OUTSIDER_ACCOUNT = "999999999999"  # owns a bucket named like the stack's
GITHUB_ATTACKER_REPOSITORY = "attacker/scribe"  # a fork lives under its owner's name
OTHER_ISSUERS = (
    "oidc.circleci.com/org/0f0f0f0f-0000-4000-8000-0000000000ff",  # another CI system
    "ghes.attacker.example/_services/token",  # a GitHub Enterprise Server the attacker runs
)


def github_trust_cases(n: Names, b: Builder) -> list[Case]:
    """Crafted GitHub Actions tokens against every role. A role bound to one ref (prod: main) or
    to GitHub environments is attacked through that ref or those environments; one open to a ref
    pattern (dev: refs/heads/*) through the repositories, events and environments the pattern
    must still refuse. Branch and environment names that embed another subject are tried raw
    (as if GitHub did not escape ':') and escaped (%3A, as GitHub does)."""
    return [
        case
        for env in sorted(n.identity.environments)
        for role in roles_of(n, env)
        for case in github_role_cases(n, b, env, role)
    ]


def github_kind(n: Names, env: str, role: str) -> str:
    """The subject kind env's role trusts: "environment" or "ref" (modules/ci-identity: a
    protected environment's deploy role its GitHub environment, its plan role its ref)."""
    if n.protected(env):
        return "environment" if role == "deploy" else "ref"
    return str(n.env(env).get("github_subject") or "ref")


def github_role_cases(n: Names, b: Builder, env: str, role: str) -> list[Case]:
    table: list[Case] = []
    repo = n.repository
    owner, name = repo.split("/", 1)
    sub = n.github_subject
    cfg = n.env(env)
    label = trust_label(env, role)

    def case(
        title: str,
        expected: Expected,
        subject: str,
        aud: str = GITHUB_AUDIENCE,
        issuer: str | None = None,
        workflow: str | None = None,
        finding: str | None = None,
    ) -> Case:
        request = b.github_token(env, subject, aud=aud, issuer=issuer, role=role, workflow=workflow)
        return Case(f"{label}: GitHub {title}", expected, (Step(request),), finding=finding)

    def borrowed(what: str, claim: str) -> list[Case]:
        """The wanted claim presented by someone else: a fork, a look-alike repository or
        owner, another repository's branch named after it, another audience or issuer."""
        return [
            case(
                f"{what} of another repository (a fork)",
                "denied",
                sub(claim, GITHUB_ATTACKER_REPOSITORY),
            ),
            case(f"{what} of {repo}-fork (name prefix)", "denied", sub(claim, f"{repo}-fork")),
            case(
                f"{what} of {owner}-evil/{name} (owner prefix)",
                "denied",
                sub(claim, f"{owner}-evil/{name}"),
            ),
            case(
                f"another repository's branch named after {what}",
                "denied",
                f"repo:{GITHUB_ATTACKER_REPOSITORY}:ref:refs/heads/{sub(claim)}",
            ),
            case(
                f"{what}, GitHub's default audience",
                "denied",
                sub(claim),
                aud=f"https://github.com/{owner}",
            ),
        ] + [
            case(f"{what} from issuer {issuer}", "denied", sub(claim), issuer=issuer)
            for issuer in OTHER_ISSUERS
        ]

    if n.protected(env):
        # Workflows on main that anyone who opens a pull request or an issue can start
        # (pull_request_target, issue_comment, workflow_run) or that run unattended
        # (schedule): their jobs carry main's subject but another job_workflow_ref.
        other = f"{repo}/.github/workflows/triage.yml@refs/heads/main"
        feature = n.workflow_ref.rsplit("@", 1)[0] + "@refs/heads/feature"
        wanted_sub = (
            sub(f"environment:{(cfg.get('github_environments') or [env])[0]}")
            if role == "deploy"
            else sub(f"ref:{cfg.get('vcs_ref')}")
        )
        table += [
            case(
                "the right subject from another workflow on main (pull_request_target, schedule)",
                "denied",
                wanted_sub,
                workflow=other,
                finding="2",
            ),
            case(
                "the right subject from the deploy workflow of a feature branch",
                "denied",
                wanted_sub,
                workflow=feature,
                finding="2",
            ),
        ]

    if github_kind(n, env, role) == "environment":
        names = list(cfg.get("github_environments") or [env])
        wanted = names[0]
        table += [
            case(f"job in environment {e}", "allowed", sub(f"environment:{e}")) for e in names
        ]
        table += [
            case("job in another environment", "denied", sub("environment:staging")),
            case(f"environment {wanted}-2", "denied", sub(f"environment:{wanted}-2")),
            case(
                "job on main that names no environment",
                "denied",
                sub("ref:refs/heads/main"),
                finding="2" if n.protected(env) else None,
            ),
            case("pull request", "denied", sub("pull_request")),
            case(
                f"environment named x:environment:{wanted} (injection)",
                "denied",
                sub(f"environment:x:environment:{wanted}"),
            ),
            case(
                f"environment named x%3Aenvironment%3A{wanted} (escaped)",
                "denied",
                sub(f"environment:x%3Aenvironment%3A{wanted}"),
            ),
        ]
        table += borrowed(f"environment {wanted}", f"environment:{wanted}")
        return table

    pattern = str(cfg.get("vcs_ref") or "refs/heads/*")
    if "*" not in pattern:
        ref = pattern
        table += [
            case(f"{ref}", "allowed", sub(f"ref:{ref}")),
            case(f"a feature branch, not {ref}", "denied", sub("ref:refs/heads/feature")),
            case(f"ref {ref}-2", "denied", sub(f"ref:{ref}-2")),
            case(f"ref {ref}/evil", "denied", sub(f"ref:{ref}/evil")),
            case("a tag", "denied", sub("ref:refs/tags/v1.0.0")),
            case("a pull-request ref", "denied", sub("ref:refs/pull/7/merge")),
            case("pull request", "denied", sub("pull_request")),
            case(
                f"job in environment {env} (subject names no ref)",
                "denied",
                sub(f"environment:{env}"),
            ),
            case(
                f"branch named x:ref:{ref} (injection)",
                "denied",
                sub(f"ref:refs/heads/x:ref:{ref}"),
            ),
            case(
                f"branch named x%3Aref%3A{ref} (escaped)",
                "denied",
                sub(f"ref:refs/heads/x%3Aref%3A{ref}"),
            ),
        ]
        table += borrowed(ref, f"ref:{ref}")
    else:
        branch = pattern.replace("*", "feature/login")
        table += [
            case("a feature branch", "allowed", sub(f"ref:{branch}")),
            case(
                "a branch named like another ref",
                "allowed",
                sub(f"ref:{pattern.replace('*', 'x/ref/refs/heads/main')}"),
            ),
            case("pull request", "denied", sub("pull_request")),
            case("a pull-request ref", "denied", sub("ref:refs/pull/7/merge")),
            case(
                f"job in environment {env} (subject names no ref)",
                "denied",
                sub(f"environment:{env}"),
            ),
        ]
        table += borrowed("a feature branch", f"ref:{branch}")
        if pattern.startswith("refs/heads/"):
            table.append(case("a tag", "denied", sub("ref:refs/tags/v1.0.0")))
    return table


def cross_environment_cases(n: Names, b: Builder, env: str, other: str) -> list[Case]:
    """What env's deploy role must not do to `other`, and must do to its own stack."""
    other_bucket = f"arn:aws:s3:::{n.bucket(other)}"
    steal = document(allow("s3:PutObject", f"{other_bucket}/*"))
    other_intents = f"{n.env(other)['state_key']}.intents/"
    label = f"{env} role"
    cases = [
        Case(
            f"{label}: PutObject into {other}'s bucket",
            "denied",
            (Step(b.deploy(env, "s3:PutObject", f"{other_bucket}/{n.key_prefix(other)}x.txt")),),
        ),
        Case(
            f"{label}: DeleteObjectVersion in {other}'s bucket",
            "denied",
            (
                Step(
                    b.deploy(
                        env, "s3:DeleteObjectVersion", f"{other_bucket}/{n.key_prefix(other)}x.txt"
                    )
                ),
            ),
        ),
        Case(
            f"{label}: reads {other}'s smoke text",
            "denied",
            (
                Step(
                    b.deploy(
                        env, "s3:GetObject", f"{other_bucket}/{n.key_prefix(other)}smoke/x.txt"
                    )
                ),
            ),
        ),
        Case(
            f"{label}: UpdateFunctionCode of {other}'s function",
            "denied",
            (Step(b.deploy(env, "lambda:UpdateFunctionCode", n.function(other))),),
        ),
        Case(
            f"{label}: reserves concurrency for {other}'s function",
            "denied",
            (Step(b.deploy(env, "lambda:PutFunctionConcurrency", n.function(other))),),
        ),
        Case(
            f"{label}: AddPermission on {other}'s function",
            "denied",
            (
                Step(
                    b.deploy(
                        env,
                        "lambda:AddPermission",
                        n.function(other),
                        **ctx(lambda__Principal="apigateway.amazonaws.com"),
                    )
                ),
            ),
        ),
        Case(
            f"{label}: PutRolePolicy on {other}'s writer role",
            "denied",
            (
                Step(
                    b.deploy(
                        env,
                        "iam:PutRolePolicy",
                        n.writer_role(other),
                        **ctx(iam__PermissionsBoundary=n.boundary(other)),
                    )
                ),
            ),
        ),
        Case(
            f"{label}: DeleteLogGroup of {other}'s function",
            "denied",
            (
                Step(
                    b.deploy(
                        env,
                        "logs:DeleteLogGroup",
                        n.log_group(f"/aws/lambda/{n.stack(other)}-writer"),
                    )
                ),
            ),
        ),
        Case(
            f"{label}: reads {other}'s state",
            "denied",
            (Step(b.deploy(env, "s3:GetObject", n.state(n.env(other)["state_key"]))),),
        ),
        Case(
            f"{label}: overwrites {other}'s state",
            "denied",
            (Step(b.deploy(env, "s3:PutObject", n.state(n.env(other)["state_key"]))),),
        ),
        # A record of intent planted next to the other's state would make its make recover
        # adopt an untagged resource this role created under the other's name.
        Case(
            f"{label}: plants a record of intent next to {other}'s state",
            "denied",
            (Step(b.deploy(env, "s3:PutObject", n.state(f"{other_intents}planted.json"))),),
        ),
        Case(
            f"{label}: removes {other}'s records of intent",
            "denied",
            (Step(b.deploy(env, "s3:DeleteObject", n.state(f"{other_intents}run.json"))),),
        ),
        Case(
            f"{label}: lists {other}'s records of intent",
            "denied",
            (Step(b.deploy(env, "s3:ListBucket", n.state(), **ctx(s3__prefix=other_intents))),),
        ),
        Case(
            f"{label}: deletes {other}'s API",
            "denied",
            (
                Step(
                    b.deploy(
                        env,
                        "apigateway:DELETE",
                        n.api(other),
                        **ctx(aws__ResourceTag_Stack=n.stack(other)),
                    )
                ),
            ),
        ),
        Case(
            f"{label}: re-tags {other}'s API as its own",
            "denied",
            (
                Step(
                    b.deploy(
                        env,
                        "apigateway:POST",
                        n.tags_of(n.api(other)),
                        **n.own_tags(env),
                    )
                ),
            ),
            finding="4",
        ),
        Case(
            f"{label}: sends its stage's access logs into {other}'s access-log group",
            "denied",
            (
                Step(
                    b.deploy(
                        env,
                        "apigateway:PATCH",
                        n.api(env, "/stages/$default"),
                        **{
                            "aws:ResourceTag/Stack": n.stack(env),
                            ACCESS_LOG_DESTINATION: n.log_group(
                                f"/aws/vendedlogs/apigateway/{n.stack(other)}-api"
                            ),
                        },
                    )
                ),
            ),
            finding="4",
        ),
        Case(
            f"{label}: points {other}'s route elsewhere (routes carry no tags)",
            "denied",
            (Step(b.deploy(env, "apigateway:PATCH", n.api(other, "/routes/r0ute01"))),),
            finding="3",
        ),
        Case(
            f"{label}: points {other}'s integration at an outside URL",
            "denied",
            (Step(b.deploy(env, "apigateway:PATCH", n.api(other, "/integrations/1nt3gr4"))),),
            finding="3",
        ),
        Case(
            f"{label}: adds a stage, tagged as its own, to {other}'s API",
            "denied",
            (
                Step(
                    b.deploy(
                        env,
                        "apigateway:POST",
                        n.api(other, "/stages"),
                        **n.own_tags(env),
                    )
                ),
            ),
            finding="3",
        ),
        Case(
            f"{label}: POSTs into {other}'s API smoke path",
            "denied",
            (Step(b.deploy(env, "execute-api:Invoke", n.invoke(other, "smoke/x.txt"))),),
            "4",
        ),
        Case(
            f"{label}: takes {other}'s writer role name first, under its own path and boundary",
            "denied",
            (
                Step(
                    b.deploy(
                        env,
                        "iam:CreateRole",
                        f"arn:aws:iam::{n.account}:role{n.role_path(env)}{n.stack(other)}-writer-role",
                        **ctx(iam__PermissionsBoundary=n.boundary(env)),
                    )
                ),
            ),
            finding="5",
        ),
        Case(
            f"{label}: creates a role with {other}'s boundary",
            "denied",
            (
                Step(
                    b.deploy(
                        env,
                        "iam:CreateRole",
                        n.writer_role(env),
                        **ctx(iam__PermissionsBoundary=n.boundary(other)),
                    )
                ),
            ),
        ),
        Case(
            f"{label}: widens its writer role, then writes into {other}'s bucket",
            "denied",
            (
                b.widens_writer(env, f"stolen-{env}", steal),
                Step(
                    b.writer(
                        env,
                        "s3:PutObject",
                        f"{other_bucket}/{n.key_prefix(other)}x.txt",
                        extra=(f"stolen-{env}",),
                    )
                ),
            ),
            "3",
        ),
        Case(
            f"{label}: writer role writes {other}'s log group",
            "denied",
            (
                Step(
                    b.writer(
                        env,
                        "logs:PutLogEvents",
                        n.log_group(f"/aws/lambda/{n.stack(other)}-writer:log-stream:x"),
                        extra=(f"all-logs-{env}",),
                    )
                ),
            ),
            "3",
        ),
    ]
    return cases


# What a deploy needs of its API (the API, a stage, a route, an invocation): only once api_id is
# pinned (the administrator creates the API: make create-api).
OF_THE_API = (
    "reads its API",
    "sends its stage's access logs to its own access-log group",
    "creates a route on its API",
    "POSTs its smoke text",
)


def awaits_pinning(n: Names, env: str, need: str) -> bool:
    """Is this deploy need (a name of deploy_needs) out of env's reach until api_id is pinned?"""
    return need in OF_THE_API and not n.pinned(env)


def deploy_needs(n: Names, b: Builder, env: str) -> list[tuple[str, Request]]:
    """Requests a deploy of env makes, as its deploy role: each must be allowed (those of
    OF_THE_API once env's api_id is pinned)."""
    bucket = f"arn:aws:s3:::{n.bucket(env)}"
    boundary = n.boundary(env)
    writer = n.writer_role(env)
    stack = n.stack(env)
    state_key = n.env(env)["state_key"]
    intents = f"{state_key}.intents/"  # make apply's records of intent (intent.py)
    api_arn = n.api(env)
    return [
        ("CreateBucket of its bucket", b.deploy(env, "s3:CreateBucket", bucket)),
        ("PutBucketVersioning of its bucket", b.deploy(env, "s3:PutBucketVersioning", bucket)),
        ("reads its state", b.deploy(env, "s3:GetObject", n.state(state_key))),
        ("writes its state", b.deploy(env, "s3:PutObject", n.state(state_key))),
        ("takes its lock", b.deploy(env, "s3:PutObject", n.state(f"{state_key}.tflock"))),
        ("releases its lock", b.deploy(env, "s3:DeleteObject", n.state(f"{state_key}.tflock"))),
        (
            "lists its state key",
            b.deploy(env, "s3:ListBucket", n.state(), **ctx(s3__prefix=state_key)),
        ),
        ("records its intent", b.deploy(env, "s3:PutObject", n.state(f"{intents}run.json"))),
        ("reads its intent", b.deploy(env, "s3:GetObject", n.state(f"{intents}run.json"))),
        ("removes its intent", b.deploy(env, "s3:DeleteObject", n.state(f"{intents}run.json"))),
        (
            "lists its records of intent",
            b.deploy(env, "s3:ListBucket", n.state(), **ctx(s3__prefix=intents)),
        ),
        (
            "creates its writer role under its boundary",
            b.deploy(env, "iam:CreateRole", writer, **ctx(iam__PermissionsBoundary=boundary)),
        ),
        (
            "puts its writer role's policy",
            b.deploy(env, "iam:PutRolePolicy", writer, **ctx(iam__PermissionsBoundary=boundary)),
        ),
        (
            "passes its writer role to Lambda",
            b.deploy(
                env, "iam:PassRole", writer, **ctx(iam__PassedToService="lambda.amazonaws.com")
            ),
        ),
        ("creates its function", b.deploy(env, "lambda:CreateFunction", n.function(env))),
        (
            "lets API Gateway invoke its function",
            b.deploy(
                env,
                "lambda:AddPermission",
                n.function(env),
                **ctx(lambda__Principal="apigateway.amazonaws.com"),
            ),
        ),
        (
            "creates its log group",
            b.deploy(env, "logs:CreateLogGroup", n.log_group(f"/aws/lambda/{stack}-writer")),
        ),
        (
            "sends its stage's access logs to its own access-log group",
            b.deploy(
                env,
                "apigateway:PATCH",
                n.api(env, "/stages/$default"),
                **{
                    "aws:ResourceTag/Stack": stack,
                    ACCESS_LOG_DESTINATION: n.log_group(f"/aws/vendedlogs/apigateway/{stack}-api"),
                },
            ),
        ),
        (
            "reads its API",
            b.deploy(env, "apigateway:GET", api_arn, **ctx(aws__ResourceTag_Stack=stack)),
        ),
        ("creates a route on its API", b.deploy(env, "apigateway:POST", n.api(env, "/routes"))),
        ("POSTs its smoke text", b.deploy(env, "execute-api:Invoke", n.invoke(env, "smoke/x.txt"))),
        (
            "reads its smoke text back",
            b.deploy(env, "s3:GetObject", f"{bucket}/{n.key_prefix(env)}smoke/x.txt"),
        ),
        ("reads its function", b.deploy(env, "lambda:GetFunction", n.function(env))),
        ("reads its bucket's versioning", b.deploy(env, "s3:GetBucketVersioning", bucket)),
        ("reads its writer role", b.deploy(env, "iam:GetRole", writer)),
        ("lists the log groups", b.deploy(env, "logs:DescribeLogGroups", "*")),
        *feature_needs(n, b, env),
    ]


def other_project_cases(n: Names, b: Builder, env: str) -> list[Case]:
    """Another project's HTTP API in env's account (every layout has some): its routes and
    integrations carry no tags, so only a pinned api_id keeps env's role away from them."""
    api = f"arn:aws:apigateway:{n.region}::/apis/{OTHER_PROJECT_API}"
    label = f"{env} role"
    tagged = ctx(aws__ResourceTag_Stack="billing")
    refused = [
        (
            "points another project's integration at an outside URL",
            b.deploy(env, "apigateway:PATCH", f"{api}/integrations/1nt3gr4"),
        ),
        (
            "adds a route to another project's API",
            b.deploy(env, "apigateway:POST", f"{api}/routes"),
        ),
        ("deletes another project's route", b.deploy(env, "apigateway:DELETE", f"{api}/routes/r1")),
        ("changes another project's API", b.deploy(env, "apigateway:PATCH", api, **tagged)),
        (
            "adds a stage, tagged as its own, to another project's API",
            b.deploy(
                env,
                "apigateway:POST",
                f"{api}/stages",
                **n.own_tags(env),
            ),
        ),
        (
            "POSTs into another project's API",
            b.deploy(
                env,
                "execute-api:Invoke",
                f"arn:aws:execute-api:{n.region}:{n.account}:{OTHER_PROJECT_API}/$default/POST/smoke/x",
            ),
        ),
    ]
    # Tagging on create goes through /tags/<arn>, which carries no resource tag: a role that may
    # tag an API it creates may re-tag any API as its own. The administrator creates the API.
    refused += [
        (
            "creates an API tagged with its stack (make create-api is the administrator's)",
            b.deploy(
                env, "apigateway:POST", f"arn:aws:apigateway:{n.region}::/apis", **n.own_tags(env)
            ),
        ),
        (
            "re-tags another project's API as its own",
            b.deploy(env, "apigateway:POST", n.tags_of(api), **n.own_tags(env)),
        ),
    ]
    return [
        Case(f"{label}: {name}", "denied", (Step(request),), finding="3")
        for name, request in refused
    ]


def plan_may(n: Names, env: str, request: Request) -> bool:
    """What env's plan role may do of what a deploy needs: every read but of the texts (the
    bucket's objects) and of the records of intent, and its own lock object; no other write."""
    state_key = n.env(env)["state_key"]
    lock = n.state(f"{state_key}.tflock")
    name = request.action.split(":", 1)[1]
    reads = name.startswith(("Get", "List", "Describe")) or name == "GET"  # apigateway's GET
    texts = request.resource.startswith(f"arn:aws:s3:::{n.bucket(env)}/")
    intents = f"{state_key}.intents/"  # make apply's and make recover's, not a plan's
    of_intents = intents in request.resource or request.context.get("s3:prefix") == intents
    return request.resource == lock or (reads and not texts and not of_intents)


def plan_role_cases(n: Names, b: Builder, env: str) -> list[Case]:
    """env's plan role (the plan jobs' credentials): each request a deploy makes, allowed only
    if it reads (not the texts) or takes and releases its own lock; and what else a plan job's
    holder would try."""
    if f"plan-{env}" not in n.identity.policies:  # before 0.4.0
        return []
    label = f"{env} plan role"
    state_key = n.env(env)["state_key"]
    cases = [
        Case(
            f"{label}: {name}",
            "allowed"
            if plan_may(n, env, request) and not awaits_pinning(n, env, name)
            else "denied",
            (Step(b.plan(request, env)),),
        )
        for name, request in deploy_needs(n, b, env)
    ]
    preflight = [  # the plan job's first step: only the plan role runs it
        (
            "reads the account's Lambda concurrency (make preflight)",
            "lambda:GetAccountSettings",
            "*",
        ),
        (
            "reads its function's reserved concurrency (make preflight)",
            "lambda:GetFunctionConcurrency",
            n.function(env),
        ),
    ]
    cases += [
        Case(f"{label}: {name}", "allowed", (Step(b.plan(b.deploy(env, action, arn), env)),))
        for name, action, arn in preflight
    ]
    refused = [
        ("deletes its state", b.deploy(env, "s3:DeleteObject", n.state(state_key))),
        ("writes its state", b.deploy(env, "s3:PutObject", n.state(state_key))),
        ("edits its own plan role", b.deploy(env, "iam:PutRolePolicy", n.plan_role(env))),
        ("edits the deploy role", b.deploy(env, "iam:PutRolePolicy", n.identity.role_arns[env])),
        ("invokes the API's routes", b.deploy(env, "execute-api:Invoke", n.invoke(env, "x.txt"))),
    ]
    cases += [
        Case(f"{label}: {name}", "denied", (Step(b.plan(request, env)),))
        for name, request in refused
    ]
    return cases


def own_stack_cases(n: Names, b: Builder, env: str) -> list[Case]:
    """What a deploy of env needs (allowed) and the privilege escalations around it (denied)."""
    bucket = f"arn:aws:s3:::{n.bucket(env)}"
    boundary = n.boundary(env)
    writer = n.writer_role(env)
    stack = n.stack(env)
    admin = f"arn:aws:iam::{n.account}:role/{stack}-admin"  # made by a human, no boundary
    state_key = n.env(env)["state_key"]
    label = f"{env} role"
    # the writer's lookup after a retried create-only write, and a wider listing than it needs
    one_key: dict[str, ContextValue] = {
        "s3:prefix": f"{n.key_prefix(env)}x.txt",
        "s3:max-keys": "1",
    }
    page: dict[str, ContextValue] = {"s3:max-keys": "1000"}
    cases = [
        Case(f"{label}: {name}", "allowed", (Step(request),))
        if not awaits_pinning(n, env, name)
        else Case(f"{label} (api_id not pinned): {name}", "denied", (Step(request),), finding="3")
        for name, request in deploy_needs(n, b, env)
    ]
    cases += other_project_cases(n, b, env)
    cases += [
        Case(
            f"{env} writer: PutObject under its prefix",
            "allowed",
            (Step(b.writer(env, "s3:PutObject", f"{bucket}/{n.key_prefix(env)}x.txt")),),
        ),
        Case(
            f"{env} writer: lists the latest version of one key under its prefix",
            "allowed",
            (Step(b.writer(env, "s3:ListBucketVersions", bucket, **one_key)),),
        ),
        Case(
            f"{env} writer: PutLogEvents to its group",
            "allowed",
            (
                Step(
                    b.writer(
                        env,
                        "logs:PutLogEvents",
                        n.log_group(f"/aws/lambda/{stack}-writer:log-stream:x"),
                    )
                ),
            ),
        ),
    ]
    # X-Ray: the writer role holds modules/lambda's trace statement once the stack traces; the
    # boundary lets the uploads through only for an environment with tracing on.
    tracing = bool(n.env(env).get("tracing"))
    switch = "on" if tracing else "off"
    cases += [
        Case(
            f"{env} writer: {action} (tracing {switch} in bootstrap)",
            "allowed" if tracing else "denied",
            (Step(b.writer(env, action, "*", extra=(f"traces-{env}",))),),
        )
        for action in ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
    ]
    foreign_principals = ("s3.amazonaws.com", "*", f"arn:aws:iam::{'9' * 12}:root")
    cases += [
        Case(
            f"{label}: AddPermission for principal {p}",
            "denied",
            (
                Step(
                    b.deploy(
                        env, "lambda:AddPermission", n.function(env), **ctx(lambda__Principal=p)
                    )
                ),
            ),
            "4",
        )
        for p in foreign_principals
    ]
    cases += [
        Case(
            f"{label}: rewrites the trust of a human-made role named like its stack",
            "denied",
            (Step(b.deploy(env, "iam:UpdateAssumeRolePolicy", admin)),),
            "4",
        ),
        Case(
            f"{label}: passes a human-made role named like its stack to Lambda",
            "denied",
            (
                Step(
                    b.deploy(
                        env,
                        "iam:PassRole",
                        admin,
                        **ctx(iam__PassedToService="lambda.amazonaws.com"),
                    )
                ),
            ),
            "4",
        ),
        Case(
            f"{label}: puts a policy on a human-made role named like its stack",
            "denied",
            (Step(b.deploy(env, "iam:PutRolePolicy", admin)),),
        ),
        Case(
            f"{label}: passes its writer role to EC2",
            "denied",
            (
                Step(
                    b.deploy(
                        env, "iam:PassRole", writer, **ctx(iam__PassedToService="ec2.amazonaws.com")
                    )
                ),
            ),
        ),
        Case(
            f"{label}: creates a role without a boundary",
            "denied",
            (Step(b.deploy(env, "iam:CreateRole", n.writer_role(env))),),
        ),
        Case(
            f"{label}: removes its writer role's boundary",
            "denied",
            (
                Step(
                    b.deploy(
                        env,
                        "iam:DeleteRolePermissionsBoundary",
                        writer,
                        **ctx(iam__PermissionsBoundary=boundary),
                    )
                ),
            ),
        ),
        Case(
            f"{label}: edits its boundary policy",
            "denied",
            (Step(b.deploy(env, "iam:CreatePolicyVersion", boundary)),),
        ),
        Case(
            f"{label}: puts a public policy on its own bucket",
            "allowed",
            (Step(b.deploy(env, "s3:PutBucketPolicy", bucket)),),
            finding="4",
            limited_by="S3 refuses a public policy under the account's Block Public Access, "
            "which bootstrap/ turns on and no CI role may change",
        ),
        Case(
            f"{label}: overwrites the account's log resource policies",
            "allowed",
            (Step(b.deploy(env, "logs:PutResourcePolicy", "*")),),
            finding="4",
            limited_by="AWS authorizes it only on *, and API Gateway requires it of whoever turns "
            "on access logs: another stack's delivery can be stopped, not read",
        ),
        Case(
            f"{label}: makes an outside account trust its writer role, which then reads the state",
            "denied",
            (
                Step(
                    b.deploy(
                        env,
                        "iam:UpdateAssumeRolePolicy",
                        writer,
                        **ctx(iam__PermissionsBoundary=boundary),
                    )
                ),
                Step(b.writer(env, "s3:GetObject", n.state(state_key))),
            ),
            finding="5",
        ),
        Case(
            f"{label}: lifts the account's S3 Block Public Access (bootstrap's)",
            "denied",
            (Step(b.deploy(env, "s3:PutAccountPublicAccessBlock", "*")),),
            finding="4",
        ),
        Case(
            f"{label}: creates API Gateway's service-linked role (bootstrap's)",
            "denied",
            (
                Step(
                    b.deploy(
                        env,
                        "iam:CreateServiceLinkedRole",
                        f"arn:aws:iam::{n.account}:role/aws-service-role/ops.apigateway.amazonaws.com/"
                        "AWSServiceRoleForAPIGateway",
                        **ctx(iam__AWSServiceName="ops.apigateway.amazonaws.com"),
                    )
                ),
            ),
            finding="4",
        ),
        Case(
            f"{label}: edits its own deploy role",
            "denied",
            (Step(b.deploy(env, "iam:PutRolePolicy", n.identity.role_arns[env])),),
        ),
        Case(
            f"{label}: deletes its own state",
            "denied",
            (Step(b.deploy(env, "s3:DeleteObject", n.state(state_key))),),
        ),
        Case(
            f"{env} writer: widened, writes into an outsider's bucket named like its own",
            "denied",
            (
                b.widens_writer(env, f"exfil-{env}", document(allow("s3:PutObject", "*"))),
                Step(
                    b.writer(
                        env,
                        "s3:PutObject",
                        f"arn:aws:s3:::{stack}-exfil/{n.key_prefix(env)}x.txt",
                        extra=(f"exfil-{env}",),
                        **{"s3:ResourceAccount": OUTSIDER_ACCOUNT},
                    )
                ),
            ),
            finding="5",
        ),
        Case(
            f"{label}: writes another key of the state bucket",
            "denied",
            (Step(b.deploy(env, "s3:PutObject", n.state("other/terraform.tfstate"))),),
        ),
        Case(
            f"{label}: UpdateFunctionCode of a function that only starts like its stack",
            "denied",
            (
                Step(
                    b.deploy(
                        env,
                        "lambda:UpdateFunctionCode",
                        f"arn:aws:lambda:{n.region}:{n.account}:function:{stack}tools-x",
                    )
                ),
            ),
        ),
        Case(
            f"{label}: creates a role under its boundary, then reads the state bucket with it",
            "denied",
            (
                b.widens_writer(
                    env, f"everything-{env}", document(allow("s3:*", "*")), "iam:CreateRole"
                ),
                Step(
                    b.writer(env, "s3:GetObject", n.state(state_key), extra=(f"everything-{env}",))
                ),
            ),
        ),
        Case(
            f"{env} writer: lists a page of versions under its prefix",
            "denied",
            (Step(b.writer(env, "s3:ListBucketVersions", bucket, **{**one_key, **page})),),
        ),
        Case(
            f"{env} writer: lists versions outside its prefix",
            "denied",
            (
                Step(
                    b.writer(
                        env,
                        "s3:ListBucketVersions",
                        bucket,
                        **{"s3:prefix": "other/x.txt", "s3:max-keys": "1"},
                    )
                ),
            ),
        ),
        Case(
            f"{env} writer: lists versions without a prefix or a max-keys",
            "denied",
            (Step(b.writer(env, "s3:ListBucketVersions", bucket)),),
        ),
        Case(
            f"{label}: widens its writer role's listing, then lists a page of the whole bucket",
            "denied",
            (
                Step(
                    b.deploy(
                        env, "iam:PutRolePolicy", writer, **ctx(iam__PermissionsBoundary=boundary)
                    ),
                    Grant(
                        f"writer-{env}",
                        f"list-all-{env}",
                        document(allow("s3:ListBucketVersions", bucket)),
                    ),
                ),
                Step(
                    b.writer(
                        env, "s3:ListBucketVersions", bucket, extra=(f"list-all-{env}",), **page
                    )
                ),
            ),
        ),
        Case(
            f"{env} writer: GenerateDataKey with another key",
            "denied",
            (
                Step(
                    replace(
                        b.writer(
                            env,
                            "kms:GenerateDataKey",
                            f"arn:aws:kms:{n.region}:{n.account}:key/0000-other",
                            extra=(f"any-key-{env}",),
                        ),
                        resource_policy="default-key-policy",
                    )
                ),
            ),
            "4",
        ),
    ]
    return cases


def ci_users(n: Names) -> dict[str, tuple[str, str | None]]:
    """The rendered IAM users: policy name -> (user ARN, the one environment it is for, or None
    for the user of every unprotected environment)."""
    users: dict[str, tuple[str, str | None]] = {}
    for name in n.identity.policies:
        if name == "ci-user":
            users[name] = (n.ci_user(), None)
        elif name.startswith("ci-user-"):
            env = name.removeprefix("ci-user-")
            users[name] = (n.ci_user(env), env)
    return users


def ci_user_cases(n: Names) -> list[Case]:
    """The optional IAM users' keys: only from their CIDRs, (they skip every ref rule) never into
    a protected environment, and a user of one environment never into another."""
    cases = []
    for policy, (user, own) in sorted(ci_users(n).items()):
        who = "CI user" if own is None else f"CI user of {own}"
        for env in sorted(n.identity.environments):
            for role in roles_of(n, env):
                for ip, where in ((OTHER_IP, "outside"), (ALLOWED_IP, "inside")):
                    request = Request(
                        principal=user,
                        action="sts:AssumeRole",
                        resource=n.role_arn(env, role),
                        identity=(policy,),
                        resource_policy=n.trust(env, role),
                        context={"aws:SourceIp": ip},
                    )
                    gated = n.protected(env)
                    other = own is not None and env != own
                    reaches = where == "inside" and not gated and not other
                    cases.append(
                        Case(
                            f"{who}: assumes {env}'s {role} role from {where} its CIDRs"
                            + (" (a protected environment)" if gated else "")
                            + (" (another environment's)" if other and not gated else ""),
                            "allowed" if reaches else "denied",
                            (Step(request),),
                            "4" if where == "outside" else None,
                            "4" if where == "inside" and (gated or other) else None,
                        )
                    )
        cases.append(
            Case(
                f"{who}: creates itself an access key",
                "denied",
                (
                    Step(
                        Request(
                            principal=user,
                            action="iam:CreateAccessKey",
                            resource=user,
                            identity=(policy,),
                        )
                    ),
                ),
            )
        )
    return cases


def attacker_documents(n: Names) -> dict[str, dict[str, Any]]:
    """Documents the cases add to a principal: each writer's own policy and what an attack
    step would put on it."""
    docs: dict[str, dict[str, Any]] = {}
    for env in n.identity.environments:
        docs[f"writer-{env}"] = writer_policy(n, env)
        docs[f"all-logs-{env}"] = document(allow("logs:PutLogEvents", "*"))
        docs[f"any-key-{env}"] = document(allow("kms:GenerateDataKey", "*"))
        # modules/lambda's statement with tracing_mode set (tests/plan/test_lambda.py asserts it)
        docs[f"traces-{env}"] = document(
            allow(["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "*")
        )
    # KMS needs the key policy to let IAM decide: AWS's default key policy does.
    root = {"AWS": f"arn:aws:iam::{n.account}:root"}
    docs["default-key-policy"] = document({**allow("kms:*", "*"), "Principal": root})
    return docs


def cases(identity: Identity) -> list[Case]:
    n = Names(identity)
    b = Builder(n)
    table = trust_cases(n, b)
    envs = sorted(identity.environments)
    for env in envs:
        table += own_stack_cases(n, b, env)
        table += feature_cases(n, b, env)
        table += plan_role_cases(n, b, env)
        for other in envs:
            if other != env:
                table += cross_environment_cases(n, b, env, other)
    table += ci_user_cases(n)
    return table


def run(identity: Identity, table: Sequence[Case] | None = None) -> list[Outcome]:
    """Evaluate every case, step by step: round k evaluates step k of every case still alive,
    with the policies the allowed earlier steps left behind."""
    table = list(cases(identity) if table is None else table)
    policies = {**identity.policies, **attacker_documents(Names(identity))}
    alive: dict[int, list[Decision]] = {index: [] for index in range(len(table))}
    failed: dict[int, int] = {}
    depth = max(len(case.steps) for case in table)
    for step_index in range(depth):
        batch = [i for i in alive if i not in failed and step_index < len(table[i].steps)]
        for i in batch:
            grant = table[i].steps[step_index - 1].grant if step_index else None
            if grant:
                policies[grant.name] = grant.document
        requests = [table[i].steps[step_index].request for i in batch]
        for i, decision in zip(batch, evaluate(policies, requests), strict=True):
            alive[i].append(decision)
            if not decision.allowed:
                failed[i] = step_index
    return [
        Outcome(
            case,
            "denied" if i in failed else "allowed",
            failed.get(i),
            tuple(alive[i]),
        )
        for i, case in enumerate(table)
    ]


def describe(outcome: Outcome) -> str:
    last = outcome.decisions[-1] if outcome.decisions else None
    why = ", ".join(last.deciding) if last and last.deciding else (last.result if last else "")
    return f"{outcome.case.name}: expected {outcome.case.expected}, got {outcome.decision} ({why})"
