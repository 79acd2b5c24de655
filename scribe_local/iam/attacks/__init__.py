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

The table by attacker and target, one module each:

  trust.py              the OIDC trust with CircleCI tokens (every role, prod's and dev's
                        refs, the release managers), and trust_cases for either provider
  github_trust.py       the OIDC trust with GitHub Actions tokens (repositories, events,
                        GitHub environments, workflows, audiences, issuers)
  own_stack.py          an environment's deploy and writer roles against their own stack and
                        account (what a deploy needs, and the escalations around it)
  deploy.py             what a deploy needs, which of it waits for a pinned api_id, and
                        another project's API in the same account
  plan_role.py          an environment's plan role (the plan jobs' credentials)
  cross_environment.py  one environment's roles against the other environment's resources
  ci_user.py            the optional CI users' keys
  common.py             what they share: roles_of, trust_label, the documents an attack adds
  (feature_attacks.py next to this package: the stack's optional features)

This module puts them together in the table's order (cases) and evaluates it (run).
"""

from __future__ import annotations

from collections.abc import Sequence

from scribe_local.iam.attacks.ci_user import ci_user_cases, ci_users
from scribe_local.iam.attacks.common import (
    ACCESS_LOG_DESTINATION,
    attacker_documents,
    roles_of,
    trust_label,
    writer_policy,
)
from scribe_local.iam.attacks.cross_environment import cross_environment_cases
from scribe_local.iam.attacks.deploy import (
    OF_THE_API,
    awaits_pinning,
    deploy_needs,
    other_project_cases,
)
from scribe_local.iam.attacks.github_trust import (
    GITHUB_ATTACKER_REPOSITORY,
    OTHER_ISSUERS,
    github_kind,
    github_role_cases,
    github_trust_cases,
)
from scribe_local.iam.attacks.own_stack import OUTSIDER_ACCOUNT, own_stack_cases
from scribe_local.iam.attacks.plan_role import plan_may, plan_role_cases
from scribe_local.iam.attacks.trust import OTHER_PROJECT, circleci_role_cases, trust_cases
from scribe_local.iam.builders import Builder, Names
from scribe_local.iam.cases import Case, Expected, Grant, Outcome, Step
from scribe_local.iam.feature_attacks import feature_cases, feature_needs
from scribe_local.iam.policies import Identity
from scribe_local.iam_evaluator import Decision, evaluate

# Re-exported: the report and the tests name them attacks.run, attacks.Outcome, ...; every
# name the single module attacks.py had defined stays reachable as attacks.<name>.
__all__ = [
    "ACCESS_LOG_DESTINATION",
    "GITHUB_ATTACKER_REPOSITORY",
    "OF_THE_API",
    "OTHER_ISSUERS",
    "OTHER_PROJECT",
    "OUTSIDER_ACCOUNT",
    "Case",
    "Expected",
    "Grant",
    "Outcome",
    "Step",
    "attacker_documents",
    "awaits_pinning",
    "cases",
    "ci_user_cases",
    "ci_users",
    "circleci_role_cases",
    "cross_environment_cases",
    "deploy_needs",
    "describe",
    "feature_cases",
    "feature_needs",
    "github_kind",
    "github_role_cases",
    "github_trust_cases",
    "other_project_cases",
    "own_stack_cases",
    "plan_may",
    "plan_role_cases",
    "roles_of",
    "run",
    "trust_cases",
    "trust_label",
    "writer_policy",
]


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
