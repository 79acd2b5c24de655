"""An environment's plan role (the plan jobs' credentials) as the attacker: every request a
deploy makes, allowed only if it reads (not the texts or the records of intent) or takes and
releases its own lock (plan_may), the preflight reads, and the writes a plan job's holder would
try (plan_role_cases).
"""

from __future__ import annotations

from scribe_local.iam.attacks.deploy import awaits_pinning, deploy_needs
from scribe_local.iam.builders import Builder, Names
from scribe_local.iam.cases import Case, Step
from scribe_local.iam_evaluator import Request


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
