"""The attack table's vocabulary: the names and ARNs one rendered account gives each environment
(`Names`), and short constructors for the requests of the table (`Builder`), with the context keys
AWS supplies for each. Shared by attacks/ and feature_attacks.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from scribe_local.iam.cases import Grant, Step
from scribe_local.iam.policies import Identity
from scribe_local.iam_evaluator import ContextValue, Request

USER = "3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"  # a CircleCI user id: a UUID
ATTACKER_ORIGIN = "github.com/attacker/scribe"
GITHUB_AUDIENCE = "sts.amazonaws.com"  # what aws-actions/configure-aws-credentials requests
EXAMPLE_API_IDS = {"dev": "d3v4p1id00", "prod": "pr0d4p1id0"}  # when the account pins none
OTHER_PROJECT_API = "0th3rpr0j0"  # another project's HTTP API in the same account
ALLOWED_IP, OTHER_IP = "203.0.113.10", "198.51.100.7"


def document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str | list[str], resource: str | list[str]) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


class Names:
    """The ARNs and names of one rendered account, for one environment at a time."""

    def __init__(self, identity: Identity) -> None:
        self.identity = identity
        self.account = identity.account
        self.region = identity.region
        self.vars = identity.variables
        self.origin: str = self.vars.get("vcs_origin") or "github.com/acme/scribe"
        self.provider: str = self.vars.get("ci_provider") or "circleci"
        # CircleCI's ids, or GitHub's repository: the other provider's inputs are null.
        self.org: str = self.vars.get("circleci_org_id") or ""
        self.project: str = self.vars.get("circleci_project_id") or ""
        self.repository: str = self.vars.get("github_repository") or ""
        self.prefix: str = self.vars.get("name_prefix") or "scribe-ci"
        self.release_users: list[str] = list(self.vars.get("circleci_release_user_ids") or [])

    def protected(self, env: str) -> bool:
        """Only the approved job may assume env's deploy role (the environment's `protected`)."""
        return bool(self.env(env).get("protected"))

    @property
    def workflow_ref(self) -> str:
        """The job_workflow_ref of the repository's deploy workflow on main: what the rendered
        trusts require of a protected environment's jobs (and what its jobs' tokens carry)."""
        for name, policy in self.identity.policies.items():
            for statement in policy.get("Statement", []) if name.startswith("trust-") else []:
                for test in statement.get("Condition", {}).values():
                    found = test.get(f"{self.identity.issuer}:job_workflow_ref")
                    if found:
                        return str(found if isinstance(found, str) else found[0])
        return f"{self.repository}/.github/workflows/deploy.yml@refs/heads/main"

    def role_arn(self, env: str, role: str) -> str:
        """env's deploy ("deploy") or plan ("plan") role."""
        arns = self.identity.role_arns if role == "deploy" else self.identity.plan_role_arns
        return arns[env]

    @staticmethod
    def trust(env: str, role: str) -> str:
        """The name of the trust policy of env's deploy or plan role."""
        return f"trust-{env}" if role == "deploy" else f"trust-plan-{env}"

    def env(self, env: str) -> dict[str, Any]:
        return self.identity.environments[env]

    def stack(self, env: str) -> str:
        return str(self.env(env)["stack_name"])

    def bucket(self, env: str) -> str:
        return f"{self.stack(env)}-{self.account}-{self.region}"

    def key_prefix(self, env: str) -> str:
        return str(self.env(env).get("key_prefix") or "incoming/")

    def role_path(self, env: str) -> str:
        """The path a stack's roles live under (0.2.0 had none: "/")."""
        paths = self.identity.stack_role_paths
        return paths.get(env, "/")

    def role(self, env: str, name: str) -> str:
        return f"arn:aws:iam::{self.account}:role{self.role_path(env)}{self.stack(env)}-{name}"

    def writer_role(self, env: str) -> str:
        return self.role(env, "writer-role")

    def function(self, env: str, name: str = "writer") -> str:
        return f"arn:aws:lambda:{self.region}:{self.account}:function:{self.stack(env)}-{name}"

    def log_group(self, group: str) -> str:
        return f"arn:aws:logs:{self.region}:{self.account}:log-group:{group}"

    def own_tags(self, env: str) -> dict[str, ContextValue]:
        """The request tags of a create by env's stack: Stack = its stack name, and no other."""
        return {"aws:RequestTag/Stack": self.stack(env), "aws:TagKeys": ["Stack"]}

    def pinned(self, env: str) -> bool:
        """Does the account file pin env's api_id? (Until then its roles reach no route.)"""
        return self.env(env).get("api_id") is not None

    def api_id(self, env: str) -> str:
        return str(self.env(env).get("api_id") or EXAMPLE_API_IDS[env])

    def api(self, env: str, path: str = "") -> str:
        return f"arn:aws:apigateway:{self.region}::/apis/{self.api_id(env)}{path}"

    def tags_of(self, arn: str) -> str:
        return f"arn:aws:apigateway:{self.region}::/tags/{quote(arn, safe='')}"

    def invoke(self, env: str, path: str) -> str:
        api = self.api_id(env)
        return f"arn:aws:execute-api:{self.region}:{self.account}:{api}/$default/POST/{path}"

    def state(self, key: str = "") -> str:
        return f"arn:aws:s3:::{self.vars['state_bucket_name']}{'/' + key if key else ''}"

    def boundary(self, env: str) -> str:
        return str(self.identity.boundary_arns[env])

    def deploy_session(self, env: str) -> str:
        return self._session(self.identity.role_arns[env])

    def plan_session(self, env: str) -> str:
        return self._session(self.identity.plan_role_arns[env])

    def _session(self, role_arn: str) -> str:
        role = role_arn.split(":role/", 1)[1].rsplit("/", 1)[-1]
        return f"arn:aws:sts::{self.account}:assumed-role/{role}/circleci"

    def plan_role(self, env: str) -> str:
        return self.identity.plan_role_arns[env]

    def ci_user(self, env: str | None = None) -> str:
        """The IAM user of every unprotected environment, or (ci_user_per_environment) env's."""
        return f"arn:aws:iam::{self.account}:user/{self.prefix}-ci" + (f"-{env}" if env else "")

    def subject(
        self, ref: str, origin: str | None = None, project: str | None = None, user: str = USER
    ) -> str:
        return (
            f"org/{self.org}/project/{project or self.project}/user/{user}"
            f"/vcs-origin/{origin or self.origin}/vcs-ref/{ref}"
        )

    def github_subject(self, rest: str, repository: str | None = None) -> str:
        """A GitHub Actions token's default subject: repo:<owner>/<repo>:<rest>, where rest is
        ref:<ref>, environment:<name> or pull_request."""
        return f"repo:{repository or self.repository}:{rest}"


class Builder:
    """Short constructors for the requests of the table."""

    def __init__(self, names: Names) -> None:
        self.n = names

    def github_token(
        self,
        env: str,
        sub: str,
        aud: str = GITHUB_AUDIENCE,
        issuer: str | None = None,
        role: str = "deploy",
        workflow: str | None = None,
    ) -> Request:
        """AssumeRoleWithWebIdentity of env's role with a GitHub Actions token: AWS supplies its
        aud, sub and job_workflow_ref (default: the deploy workflow on main) as <issuer>:<claim>
        (of a token from another issuer: its aud and sub),
        and the principal is the provider of the token's issuer (another issuer: another
        provider, whatever its claims say)."""
        own = self.n.identity.issuer
        issuer = issuer or own
        provider = (
            self.n.identity.provider_arn
            if issuer == own
            else f"arn:aws:iam::{self.n.account}:oidc-provider/{issuer}"
        )
        return Request(
            principal=provider,
            action="sts:AssumeRoleWithWebIdentity",
            resource=self.n.role_arn(env, role),
            resource_policy=self.n.trust(env, role),
            context={
                f"{issuer}:aud": aud,
                f"{issuer}:sub": sub,
                # A key AWS supplies for GitHub's issuer only; another issuer's token: aud, sub.
                **(
                    {f"{issuer}:job_workflow_ref": workflow or self.n.workflow_ref}
                    if issuer == own
                    else {}
                ),
            },
        )

    def web_identity(
        self,
        env: str,
        sub: str,
        aud: str | None = None,
        project: str | None = None,
        role: str = "deploy",
    ) -> Request:
        """AssumeRoleWithWebIdentity of env's role with a CircleCI token: AWS supplies its aud,
        sub and project-id."""
        issuer = self.n.identity.issuer
        return Request(
            principal=self.n.identity.provider_arn,
            action="sts:AssumeRoleWithWebIdentity",
            resource=self.n.role_arn(env, role),
            resource_policy=self.n.trust(env, role),
            context={
                f"{issuer}:aud": aud or self.n.org,
                f"{issuer}:sub": sub,
                f"{issuer}:oidc.circleci.com/project-id": project or self.n.project,
            },
        )

    def deploy(self, env: str, action: str, resource: str, **context: ContextValue) -> Request:
        """A request of env's deploy role session; context holds the condition keys AWS
        supplies (callers spell them with ctx())."""
        return Request(
            principal=self.n.deploy_session(env),
            action=action,
            resource=resource,
            identity=(f"deploy-{env}",),
            context=self.supplied(action, resource, context),
        )

    def supplied(
        self, action: str, resource: str, context: Mapping[str, ContextValue]
    ) -> dict[str, ContextValue]:
        """The context with the keys AWS adds to every such request: an S3 request carries
        s3:ResourceAccount, the bucket owner's account (this account unless the case names
        another)."""
        if action.startswith("s3:") and resource.startswith("arn:aws:s3:::"):
            return {"s3:ResourceAccount": self.n.account, **context}
        return dict(context)

    def widens_writer(
        self, env: str, name: str, policy: dict[str, Any], action: str = "iam:PutRolePolicy"
    ) -> Step:
        """env's deploy role puts policy `name` on its writer role (or creates the role with
        it), under env's boundary; if AWS allows it, later steps' writer carries the policy."""
        return Step(
            self.deploy(
                env,
                action,
                self.n.writer_role(env),
                **ctx(iam__PermissionsBoundary=self.n.boundary(env)),
            ),
            Grant(f"writer-{env}", name, policy),
        )

    def plan(self, request: Request, env: str) -> Request:
        """The same request from env's plan role session."""
        return replace(request, principal=self.n.plan_session(env), identity=(f"plan-{env}",))

    def writer(
        self,
        env: str,
        action: str,
        resource: str,
        extra: Sequence[str] = (),
        **context: ContextValue,
    ) -> Request:
        """A request of env's writer (Lambda) role: its own policy, anything added, its boundary;
        context as for deploy()."""
        return Request(
            principal=self.n.writer_role(env),
            action=action,
            resource=resource,
            identity=(f"writer-{env}", *extra),
            boundaries=(f"boundary-{env}",),
            context=self.supplied(action, resource, context),
        )


def ctx(**pairs: ContextValue) -> dict[str, ContextValue]:
    """Context keys from keyword pairs: iam__PermissionsBoundary -> iam:PermissionsBoundary,
    aws__RequestTag_Stack -> aws:RequestTag/Stack."""
    return {k.replace("__", ":").replace("_", "/"): v for k, v in pairs.items()}
