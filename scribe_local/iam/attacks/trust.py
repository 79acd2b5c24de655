"""The OIDC trust, attacked with crafted tokens: trust_cases (every role of every environment,
CircleCI or GitHub Actions as the account renders it) and the CircleCI cases of one role
(circleci_role_cases): a role bound to one ref (prod: refs/heads/main, its deploy role only for
the release managers) attacked through that ref, one open to a ref pattern (dev: refs/heads/*)
through the refs and origins it must still refuse. GitHub Actions tokens: github_trust.py.
"""

from __future__ import annotations

from scribe_local.iam.attacks.common import roles_of, trust_label
from scribe_local.iam.attacks.github_trust import github_trust_cases
from scribe_local.iam.builders import ATTACKER_ORIGIN, USER, Builder, Names
from scribe_local.iam.cases import Case, Expected, Step


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
