"""The holder of an optional CI user's key as the attacker (ci_users, ci_user_cases): every
role from outside and inside the user's CIDRs, a protected environment's, another environment's,
and an access key of its own.
"""

from __future__ import annotations

from scribe_local.iam.attacks.common import roles_of
from scribe_local.iam.builders import ALLOWED_IP, OTHER_IP, Names
from scribe_local.iam.cases import Case, Step
from scribe_local.iam_evaluator import Request


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
