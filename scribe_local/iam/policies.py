"""The CI identity's policies as Terraform renders them: bootstrap/ planned against moto.

`render(moto_url, tfvars, workdir)` plans a copy of `bootstrap/` with an account file (by default
`bootstrap/accounts/example.tfvars`) and returns every IAM document the account would hold, by
the names `make iam` reports: `trust-<env>`, `deploy-<env>`, `boundary-<env>` (the deploy role),
`trust-plan-<env>`, `plan-<env>` (the plan role) and, when the account file creates the IAM user,
`ci-user` (or, one user per environment, `ci-user-<env>`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scribe_local.emulator.moto_server import FAKE_CREDENTIALS
from scribe_local.paths import REPO
from scribe_local.terraform import runner
from scribe_local.terraform.workdir import copy_module

EXAMPLE_ACCOUNT = REPO / "bootstrap" / "accounts" / "example.tfvars"
# The same two environments trusting GitHub Actions instead of CircleCI (ci_provider = "github").
GITHUB_ACCOUNT = REPO / "bootstrap" / "accounts" / "example-github.tfvars"
IDENTITY = "module.ci_identity"


@dataclass(frozen=True)
class Identity:
    """What an account file renders to: the documents and the names they govern."""

    policies: dict[str, dict[str, Any]]
    variables: dict[str, Any]  # the account file's values, defaults applied by Terraform
    role_arns: dict[str, str]  # env -> deploy role ARN
    plan_role_arns: dict[str, str]  # env -> plan role ARN
    provider_arn: str
    account: str
    region: str

    @property
    def environments(self) -> dict[str, dict[str, Any]]:
        envs: dict[str, dict[str, Any]] = self.variables["environments"]
        return envs

    @property
    def boundary_arns(self) -> dict[str, str]:
        """env -> the boundary its deploy role must put on every role it creates."""
        return {
            env: self._create_role_statement(env)["Condition"]["StringEquals"][
                "iam:PermissionsBoundary"
            ]
            for env in self.environments
        }

    @property
    def stack_role_paths(self) -> dict[str, str]:
        """env -> the IAM path its deploy role may create roles under ("/" before 0.3.0)."""
        paths = {}
        for env in self.environments:
            resource = self._create_role_statement(env)["Resource"]
            resource = resource if isinstance(resource, str) else resource[0]
            paths[env] = resource.split(":role", 1)[1].rsplit("/", 1)[0] + "/"
        return paths

    def _create_role_statement(self, env: str) -> dict[str, Any]:
        for statement in self.policies[f"deploy-{env}"]["Statement"]:
            actions = statement["Action"]
            if statement["Effect"] == "Allow" and "iam:CreateRole" in actions:
                found: dict[str, Any] = statement
                return found
        raise RuntimeError(f"deploy-{env} grants no iam:CreateRole")

    @property
    def issuer(self) -> str:
        return self.provider_arn.split(":oidc-provider/", 1)[1]


def account_region(tfvars: Path) -> str:
    """The region an account file names (the provider must know it before the plan)."""
    found = re.search(r'^region\s*=\s*"([^"]+)"', tfvars.read_text(), re.MULTILINE)
    if not found:
        raise RuntimeError(f'{tfvars} sets no region: add region = "<aws region>"')
    return found.group(1)


def _terraform(tfdir: Path, *args: str, env: dict[str, str] | None = None) -> str:
    try:
        return runner.run(tfdir, *args, env={**FAKE_CREDENTIALS, **(env or {})}).stdout
    except runner.TerraformFailed as failed:
        raise RuntimeError(
            f"{failed}\nFix the account file or bootstrap/ (terraform validate tells more)."
        ) from None


# The attack table also covers the optional IAM user: the example is rendered with it switched on.
WITH_CI_USER = {"create_ci_user": True, "ci_user_source_cidrs": ["203.0.113.0/24"]}


def unpinned(identity: Identity) -> dict[str, Any]:
    """Variables that render identity's account file before any api_id is pinned (a first
    deploy: make create-api has not run, or bootstrap was not applied again since)."""
    return {
        "environments": {env: {**cfg, "api_id": None} for env, cfg in identity.environments.items()}
    }


def render(
    moto_url: str,
    workdir: Path,
    tfvars: Path = EXAMPLE_ACCOUNT,
    extra: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
) -> Identity:
    """Plan bootstrap/ with tfvars against moto and collect the rendered documents (workdir
    keeps the initialised copy for the next account file); env: on top of the fake keys (the
    tests attach Terraform to a shared provider process)."""
    region = account_region(tfvars)
    base = workdir / f"bootstrap-{region}"
    tfdir = base / "bootstrap"
    if not (tfdir / ".terraform").is_dir():  # one init serves every account file of a region
        tfdir = copy_module("bootstrap", base, moto_url, region=region)
        _terraform(tfdir, "init", "-input=false", "-backend=false", env=env)
    overrides = [f"-var={name}={json.dumps(value)}" for name, value in (extra or {}).items()]
    _terraform(
        tfdir,
        "plan",
        "-input=false",
        f"-var-file={tfvars.resolve()}",
        *overrides,
        "-out=render.tfplan",
        env=env,
    )
    plan = json.loads(_terraform(tfdir, "show", "-json", "render.tfplan", env=env))
    after = {
        change["address"]: change["change"]["after"]
        for change in plan["resource_changes"]
        if change["change"]["actions"] != ["no-op"]
    }
    variables = {name: item["value"] for name, item in plan["variables"].items()}
    envs = sorted(variables["environments"])
    policies: dict[str, dict[str, Any]] = {}
    for env in envs:
        role = after[f'{IDENTITY}.aws_iam_role.deploy["{env}"]']
        policies[f"trust-{env}"] = json.loads(role["assume_role_policy"])
        deploy = after[f'{IDENTITY}.aws_iam_role_policy.deploy["{env}"]']
        policies[f"deploy-{env}"] = json.loads(deploy["policy"])
        boundary = after.get(f'{IDENTITY}.aws_iam_policy.boundary["{env}"]')
        boundary = boundary or after[f"{IDENTITY}.aws_iam_policy.boundary"]  # before 0.3.0
        policies[f"boundary-{env}"] = json.loads(boundary["policy"])
        plan_role = after.get(f'{IDENTITY}.aws_iam_role.plan["{env}"]')
        if plan_role:  # since 0.4.0
            policies[f"trust-plan-{env}"] = json.loads(plan_role["assume_role_policy"])
            reads = after[f'{IDENTITY}.aws_iam_role_policy.plan["{env}"]']
            policies[f"plan-{env}"] = json.loads(reads["policy"])
    # The IAM users: "ci-user" (one for every unprotected environment; ci[0] before 0.4.0) or,
    # with ci_user_per_environment, "ci-user-<env>".
    for address, change in after.items():
        found = re.fullmatch(
            re.escape(f"{IDENTITY}.aws_iam_user_policy.ci") + r'\[(0|"(\w+)")\]', address
        )
        if found:
            key = found.group(2)
            name = "ci-user" if key in (None, "all") else f"ci-user-{key}"
            policies[name] = json.loads(change["policy"])
    outputs = plan["planned_values"]["outputs"]
    provider_arn = _provider_arn(policies[f"trust-{envs[0]}"])
    account = provider_arn.split(":")[4]
    prefix = variables.get("name_prefix", "scribe-ci")

    def arns(output: str, kind: str) -> dict[str, str]:
        """Role ARNs are known after apply only; their form is fixed."""
        known: dict[str, str] = outputs.get(output, {}).get("value") or {}
        return known or {env: f"arn:aws:iam::{account}:role/{prefix}-{kind}-{env}" for env in envs}

    return Identity(
        policies,
        variables,
        arns("deploy_role_arns", "deploy"),
        arns("plan_role_arns", "plan"),
        provider_arn,
        account,
        region,
    )


def _provider_arn(trust: dict[str, Any]) -> str:
    for statement in trust["Statement"]:
        federated = statement.get("Principal", {}).get("Federated")
        if federated:
            return str(federated)
    raise RuntimeError("the trust policy names no OIDC provider")
