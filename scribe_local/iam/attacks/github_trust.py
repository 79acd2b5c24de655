"""The OIDC trust with GitHub Actions (ci_provider = "github"), attacked with crafted tokens:
another repository or a look-alike one, pull requests, tags, other GitHub environments, other
workflows on main, branch and environment names that embed another subject, GitHub's default
audience and other issuers (github_trust_cases, github_role_cases).
"""

from __future__ import annotations

from scribe_local.iam.attacks.common import roles_of, trust_label
from scribe_local.iam.builders import GITHUB_AUDIENCE, Builder, Names
from scribe_local.iam.cases import Case, Expected, Step

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
