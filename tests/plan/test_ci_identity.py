"""modules/ci-identity: the rendered documents' shape. What they allow and deny is decided by
the IAM evaluator in tests/iam/test_attacks.py; these tests pin the structure it relies on."""

from __future__ import annotations

import json
from typing import Any

import pytest
import tftest

from tests import terraform_harness as h

MODULE = "modules/ci-identity"
ORG = "0a1b2c3d-0000-4000-8000-00000000000a"
PROJECT = "0a1b2c3d-0000-4000-8000-00000000000b"
ACCOUNT = "123456789012"
ISSUER = f"oidc.circleci.com/org/{ORG}"
INPUTS = {
    "name_prefix": "scribe-ci",
    "circleci_org_id": ORG,
    "circleci_project_id": PROJECT,
    "vcs_origin": "github.com/acme/scribe",
    "state_bucket_name": "scribe-tfstate",
    "create_ci_user": True,
    "ci_user_source_cidrs": ["203.0.113.0/24"],
    "environments": h.CI_ENVIRONMENTS,
}
ANY_USER_ID = "????????-????-????-????-????????????"
# Actions AWS only grants on Resource "*": each is listed here on purpose.
ANY_RESOURCE_ACTIONS = {
    "sts:GetCallerIdentity",
    "logs:DescribeLogGroups",
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "s3:ListAllMyBuckets",  # make recover: a bucket's creation time is only in ListBuckets
}

Resources = dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def resources(module_tf: tftest.TerraformTest) -> Resources:
    return h.plan_resources(module_tf, INPUTS)


def statements(document: str) -> list[dict[str, Any]]:
    parsed: list[dict[str, Any]] = json.loads(document)["Statement"]
    return parsed


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def deploy_policy(resources: Resources, env: str) -> list[dict[str, Any]]:
    return statements(resources[f'aws_iam_role_policy.deploy["{env}"]']["policy"])


def plan_policy(resources: Resources, env: str) -> list[dict[str, Any]]:
    return statements(resources[f'aws_iam_role_policy.plan["{env}"]']["policy"])


def test_oidc_provider_for_the_org_with_the_org_as_audience(resources: Resources) -> None:
    provider = resources["aws_iam_openid_connect_provider.circleci[0]"]
    assert provider["url"] == f"https://{ISSUER}"
    assert provider["client_id_list"] == [ORG]


@pytest.mark.parametrize(("env", "ref"), [("dev", "refs/heads/*"), ("prod", "refs/heads/main")])
def test_trust_binds_audience_project_and_ref(resources: Resources, env: str, ref: str) -> None:
    role = resources[f'aws_iam_role.deploy["{env}"]']
    assert role["name"] == f"scribe-ci-deploy-{env}"
    assert role["max_session_duration"] == 3600
    oidc = next(s for s in statements(role["assume_role_policy"]) if s["Sid"] == "CircleCiOidc")
    assert oidc["Effect"] == "Allow"
    assert oidc["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert oidc["Principal"] == {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{ISSUER}"}
    assert oidc["Condition"] == {
        "StringEquals": {
            f"{ISSUER}:aud": ORG,
            f"{ISSUER}:oidc.circleci.com/project-id": PROJECT,
        },
        "StringLike": {
            f"{ISSUER}:sub": f"org/{ORG}/project/{PROJECT}/user/{ANY_USER_ID}"
            f"/vcs-origin/github.com/acme/scribe/vcs-ref/{ref}"
        },
    }
    # No '*' before the ref: nothing a branch name can use to stand in for another ref.
    assert "*" not in oidc["Condition"]["StringLike"][f"{ISSUER}:sub"].removesuffix("/*")


def test_no_for_all_values_in_allow_statements(resources: Resources) -> None:
    documents = [
        r[k]
        for r in resources.values()
        for k in ("assume_role_policy", "policy")
        if isinstance(r.get(k), str)
    ]
    assert len(documents) >= 6
    for document in documents:
        for statement in statements(document):
            if statement["Effect"] == "Allow":
                assert "ForAllValues" not in json.dumps(statement.get("Condition", {}))


def test_ci_user_may_only_assume_the_plan_and_deploy_roles(resources: Resources) -> None:
    assert resources['aws_iam_user.ci["all"]']["name"] == "scribe-ci-ci"
    assert not [a for a in resources if "access_key" in a]
    user_policy = statements(resources['aws_iam_user_policy.ci["all"]']["policy"])
    assert len(user_policy) == 1
    assert user_policy[0]["Action"] == "sts:AssumeRole"
    from_ci = {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}
    assert user_policy[0]["Condition"] == from_ci
    assert sorted(as_list(user_policy[0]["Resource"])) == [
        f"arn:aws:iam::{ACCOUNT}:role/scribe-ci-deploy-dev",
        f"arn:aws:iam::{ACCOUNT}:role/scribe-ci-deploy-prod",
        f"arn:aws:iam::{ACCOUNT}:role/scribe-ci-plan-dev",
        f"arn:aws:iam::{ACCOUNT}:role/scribe-ci-plan-prod",
    ]
    trust = statements(resources['aws_iam_role.deploy["prod"]']["assume_role_policy"])
    user = next(s for s in trust if s["Sid"] == "CiUserFromCiAddresses")
    assert user["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:user/scribe-ci-ci"}
    assert user["Condition"] == from_ci


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_no_wildcard_action_and_any_resource_only_where_aws_requires(
    resources: Resources, env: str
) -> None:
    for statement in deploy_policy(resources, env):
        actions = as_list(statement["Action"])
        assert "*" not in actions
        if statement["Effect"] == "Allow":  # a Deny may cover a whole service
            assert not [a for a in actions if a.endswith(":*")], statement["Sid"]
        if statement["Effect"] == "Allow" and "*" in as_list(statement["Resource"]):
            assert statement["Sid"] == "AwsRequiresAnyResource"
            assert set(actions) == ANY_RESOURCE_ACTIONS


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_stack_resources_are_scoped_to_the_stack_name(resources: Resources, env: str) -> None:
    stack = f"scribe-{env}"
    by_sid = {s["Sid"]: s for s in deploy_policy(resources, env)}
    assert as_list(by_sid["StackBucket"]["Resource"]) == [f"arn:aws:s3:::{stack}-*"]
    assert as_list(by_sid["StackFunction"]["Resource"]) == [
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{stack}-*"
    ]
    for group in as_list(by_sid["StackLogGroups"]["Resource"]):
        assert f"/{stack}-*" in group
    assert as_list(by_sid["ReadSmokeTexts"]["Resource"]) == [
        f"arn:aws:s3:::{stack}-*/incoming/smoke/*"
    ]
    # No api_id pinned here: no API Gateway right at all (the administrator creates the API).
    api_grants = [
        sid
        for policy in (deploy_policy(resources, env), plan_policy(resources, env))
        for statement in policy
        if statement["Effect"] == "Allow"
        for sid in [statement["Sid"]]
        if any(a.startswith(("apigateway:", "execute-api:")) for a in as_list(statement["Action"]))
    ]
    assert api_grants == []
    assert by_sid["DenyOtherStacksApis"]["Condition"] == {
        "Null": {"aws:ResourceTag/Stack": "false"},
        "StringNotEquals": {"aws:ResourceTag/Stack": stack},
    }
    assert by_sid["LetOnlyApiGatewayInvokeStackFunctions"]["Condition"] == {
        "StringEquals": {"lambda:Principal": "apigateway.amazonaws.com"}
    }


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_roles_only_under_the_boundary_and_passed_only_to_lambda(
    resources: Resources, env: str
) -> None:
    by_sid = {s["Sid"]: s for s in deploy_policy(resources, env)}
    boundary = f"arn:aws:iam::{ACCOUNT}:policy/scribe-ci-boundary-{env}"
    stack_roles = f"arn:aws:iam::{ACCOUNT}:role/scribe-{env}/scribe-{env}-writer-role"  # exact
    create = by_sid["ManageStackRolesUnderBoundary"]
    assert "iam:CreateRole" in as_list(create["Action"])
    assert create["Resource"] == stack_roles
    assert create["Condition"] == {"StringEquals": {"iam:PermissionsBoundary": boundary}}
    assert by_sid["ReadAndTagStackRoles"]["Resource"] == stack_roles
    passing = by_sid["PassStackRolesToLambdaOnly"]
    assert as_list(passing["Action"]) == ["iam:PassRole"]
    assert passing["Resource"] == stack_roles
    assert passing["Condition"] == {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}
    iam_allowed = [
        a
        for s in by_sid.values()
        if s["Effect"] == "Allow"
        for a in as_list(s["Action"])
        if a.startswith("iam:")
    ]
    assert "iam:AttachRolePolicy" not in iam_allowed
    mutating = {
        "iam:CreateRole",
        "iam:PutRolePolicy",
        "iam:UpdateAssumeRolePolicy",
        "iam:DeleteRole",
    }
    assert mutating <= set(as_list(create["Action"]))


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_boundary_and_ci_identity_are_protected(resources: Resources, env: str) -> None:
    by_sid = {s["Sid"]: s for s in deploy_policy(resources, env)}
    leave = by_sid["DenyLeavingTheBoundary"]
    assert leave["Effect"] == "Deny"
    assert "iam:DeleteRolePermissionsBoundary" in as_list(leave["Action"])
    identity = by_sid["DenyChangingTheCiIdentity"]
    assert identity["Effect"] == "Deny"
    protected = as_list(identity["Resource"])
    assert f"arn:aws:iam::{ACCOUNT}:role/scribe-ci-deploy-{env}" in protected
    assert f"arn:aws:iam::{ACCOUNT}:role/scribe-ci-plan-{env}" in protected
    assert {"iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy"} <= set(
        as_list(identity["Action"])
    )


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_state_access_is_limited_to_its_own_key_and_lock(resources: Resources, env: str) -> None:
    key = f"scribe/{env}.tfstate"
    by_sid = {s["Sid"]: s for s in deploy_policy(resources, env)}
    assert by_sid["ReadWriteOwnState"]["Resource"] == f"arn:aws:s3:::scribe-tfstate/{key}"
    assert by_sid["LockOwnState"]["Resource"] == f"arn:aws:s3:::scribe-tfstate/{key}.tflock"
    assert "s3:DeleteObject" in as_list(by_sid["LockOwnState"]["Action"])
    assert "s3:DeleteObject" not in as_list(by_sid["ReadWriteOwnState"]["Action"])
    assert by_sid["ListOwnState"]["Condition"] == {
        "StringEqualsIfExists": {"s3:prefix": [key, f"{key}.tflock", "env:/"]},
        "StringEquals": {"s3:ResourceAccount": ACCOUNT},
    }


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_every_s3_grant_names_this_account_as_the_bucket_owner(
    resources: Resources, env: str
) -> None:
    """Bucket names are global: <stack>-* also names an outsider's bucket in another account.
    s3:ListAllMyBuckets names no bucket (ListBuckets returns only the caller's account's own)."""
    documents = {
        "deploy": resources[f'aws_iam_role_policy.deploy["{env}"]']["policy"],
        "plan": resources[f'aws_iam_role_policy.plan["{env}"]']["policy"],
        "boundary": resources[f'aws_iam_policy.boundary["{env}"]']["policy"],
    }
    grants = [
        (name, statement)
        for name, document in documents.items()
        for statement in statements(document)
        if statement["Effect"] == "Allow"
        and any(
            action.startswith("s3:") and action != "s3:ListAllMyBuckets"
            for action in as_list(statement["Action"])
        )
    ]
    assert len(grants) >= 8
    for name, statement in grants:
        owner = statement.get("Condition", {}).get("StringEquals", {})
        assert owner.get("s3:ResourceAccount") == ACCOUNT, (name, statement["Sid"])


def test_deploy_policies_fit_the_inline_policy_quota(resources: Resources) -> None:
    for env in ("dev", "prod"):
        for role in ("deploy", "plan"):
            document = resources[f'aws_iam_role_policy.{role}["{env}"]']["policy"]
            assert len("".join(document.split())) < 10240


def reads(action: str) -> bool:
    name = action.split(":", 1)[1]
    return name.startswith(("Get", "List", "Describe")) or name == "GET"  # apigateway's GET


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_the_plan_role_only_reads_and_takes_its_own_lock(resources: Resources, env: str) -> None:
    """What the evaluator checks request by request (tests/iam), pinned here by shape: every
    action the plan role is allowed reads, but the lock object's put and delete."""
    role = resources[f'aws_iam_role.plan["{env}"]']
    assert role["name"] == f"scribe-ci-plan-{env}"
    deploy = resources[f'aws_iam_role.deploy["{env}"]']
    assert role["assume_role_policy"] == deploy["assume_role_policy"]  # who may plan = deploy
    policy = resources[f'aws_iam_role_policy.plan["{env}"]']
    assert policy["name"] == f"plan-scribe-{env}"
    lock = f"arn:aws:s3:::scribe-tfstate/scribe/{env}.tfstate.tflock"
    writes = []
    for statement in statements(policy["policy"]):
        if statement["Effect"] != "Allow":
            continue
        for action in as_list(statement["Action"]):
            if not reads(action):
                writes.append((action, as_list(statement["Resource"])))
    assert sorted(writes) == [("s3:DeleteObject", [lock]), ("s3:PutObject", [lock])]
    # What a plan reads, an apply's refresh reads too; make preflight runs in plan jobs only.
    by_sid = {s["Sid"]: s for s in statements(policy["policy"])}
    assert set(as_list(by_sid["AwsRequiresAnyResource"]["Action"])) == {
        "sts:GetCallerIdentity",
        "logs:DescribeLogGroups",
        "lambda:GetAccountSettings",
    }
    preflight = {"lambda:GetAccountSettings", "lambda:GetFunctionConcurrency"}
    planned = {a for s in statements(policy["policy"]) for a in as_list(s["Action"])}
    deployed = {a for s in deploy_policy(resources, env) for a in as_list(s["Action"])}
    assert planned - deployed == preflight


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_each_environment_has_a_boundary_of_its_own(resources: Resources, env: str) -> None:
    policy = resources[f'aws_iam_policy.boundary["{env}"]']
    assert policy["name"] == f"scribe-ci-boundary-{env}"
    by_sid = {s["Sid"]: s for s in statements(policy["policy"])}
    # no KMS statement without a key
    assert set(by_sid) == {"FunctionLogs", "PutTexts", "ListOneVersionEntry"}
    assert by_sid["PutTexts"]["Resource"] == f"arn:aws:s3:::scribe-{env}-*/incoming/*"
    listing = by_sid["ListOneVersionEntry"]
    assert (listing["Action"], listing["Resource"]) == (
        "s3:ListBucketVersions",
        f"arn:aws:s3:::scribe-{env}-*",
    )
    assert listing["Condition"] == {
        "StringLike": {"s3:prefix": "incoming/*"},
        "NumericLessThanEquals": {"s3:max-keys": "1"},
        "StringEquals": {"s3:ResourceAccount": ACCOUNT},
    }
    assert by_sid["FunctionLogs"]["Resource"] == (
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/scribe-{env}-*:*"
    )


def test_tracing_lets_traces_out_of_that_environment_only(module_tf: tftest.TerraformTest) -> None:
    environments = {**h.CI_ENVIRONMENTS, "dev": {**h.CI_ENVIRONMENTS["dev"], "tracing": True}}
    traced = h.plan_resources(module_tf, {**INPUTS, "environments": environments})
    dev = {s["Sid"]: s for s in statements(traced['aws_iam_policy.boundary["dev"]']["policy"])}
    assert sorted(as_list(dev["UploadTraces"]["Action"])) == [
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
    ]
    assert (dev["UploadTraces"]["Effect"], dev["UploadTraces"]["Resource"]) == ("Allow", "*")
    prod = statements(traced['aws_iam_policy.boundary["prod"]']["policy"])
    assert "xray" not in json.dumps(prod)


# --------------------------------------------------------------------------------------------
# ci_provider = "github": GitHub Actions' tokens instead of CircleCI's
# --------------------------------------------------------------------------------------------

GITHUB = "token.actions.githubusercontent.com"
GITHUB_INPUTS = {
    **{k: v for k, v in INPUTS.items() if not k.startswith("circleci_") and k != "vcs_origin"},
    "ci_provider": "github",
    "github_repository": "acme/scribe",
    "environments": {
        **h.CI_ENVIRONMENTS,
        "stage": {
            "stack_name": "scribe-stage",
            "state_key": "scribe/stage.tfstate",
            "github_subject": "environment",
            "github_environments": ["stage-plan", "stage"],
        },
    },
}


@pytest.fixture(scope="module")
def github_resources(module_tf: tftest.TerraformTest) -> Resources:
    return h.plan_resources(module_tf, GITHUB_INPUTS)


def test_github_provider_is_github_s_issuer_with_aws_s_audience(
    github_resources: Resources,
) -> None:
    provider = github_resources["aws_iam_openid_connect_provider.github[0]"]
    assert provider["url"] == f"https://{GITHUB}"
    assert provider["client_id_list"] == ["sts.amazonaws.com"]
    assert not [a for a in github_resources if "openid_connect_provider.circleci" in a]


@pytest.mark.parametrize(
    ("env", "condition"),
    [
        ("dev", {"StringLike": {f"{GITHUB}:sub": "repo:acme/scribe:ref:refs/heads/*"}}),
        ("prod", {"StringEquals": {f"{GITHUB}:sub": "repo:acme/scribe:ref:refs/heads/main"}}),
        (
            "stage",
            {
                "StringEquals": {
                    f"{GITHUB}:sub": [
                        "repo:acme/scribe:environment:stage-plan",
                        "repo:acme/scribe:environment:stage",
                    ]
                }
            },
        ),
    ],
)
def test_github_trust_binds_audience_repository_and_ref_or_environment(
    github_resources: Resources, env: str, condition: dict[str, dict[str, Any]]
) -> None:
    role = github_resources[f'aws_iam_role.deploy["{env}"]']
    assert role["description"] == f"GitHub Actions deploys stack scribe-{env} ({env})."
    trust = statements(role["assume_role_policy"])
    oidc = next(s for s in trust if s["Sid"] == "GitHubActionsOidc")
    assert [s["Sid"] for s in trust] == ["GitHubActionsOidc", "CiUserFromCiAddresses"]
    assert oidc["Effect"] == "Allow"
    assert oidc["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert oidc["Principal"] == {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{GITHUB}"}
    expected = {"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"}}
    for test, pairs in condition.items():
        expected[test] = {**expected.get(test, {}), **pairs}
    assert oidc["Condition"] == expected
    # The repository is followed by ':' (which no repository, branch or tag name holds) and
    # nothing but the ref's trailing '*' is a wildcard.
    for subject in as_list(next(iter(condition.values()))[f"{GITHUB}:sub"]):
        assert subject.startswith("repo:acme/scribe:")
        assert "?" not in subject
        assert "*" not in subject.removesuffix("*")


def test_github_changes_only_the_trust(resources: Resources, github_resources: Resources) -> None:
    """Plan and deploy policies, boundaries and the CI user are the CircleCI identity's, byte
    for byte."""
    for address in (
        'aws_iam_role_policy.deploy["dev"]',
        'aws_iam_role_policy.deploy["prod"]',
        'aws_iam_role_policy.plan["dev"]',
        'aws_iam_role_policy.plan["prod"]',
        'aws_iam_policy.boundary["dev"]',
        'aws_iam_policy.boundary["prod"]',
        'aws_iam_user_policy.ci["all"]',
    ):
        circleci, github = resources[address]["policy"], github_resources[address]["policy"]
        # What differs: the provider ARN the deploy roles may not touch, and the third roles.
        circleci = circleci.replace(f"oidc-provider/{ISSUER}", f"oidc-provider/{GITHUB}")
        for role in ("deploy", "plan"):
            stage_role = f'"arn:aws:iam::{ACCOUNT}:role/scribe-ci-{role}-stage"'
            github = github.replace(f"{stage_role},", "").replace(f",{stage_role}", "")
        assert github == circleci, address


def test_github_with_an_existing_provider(module_tf: tftest.TerraformTest) -> None:
    existing = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{GITHUB}"
    planned = h.plan_resources(module_tf, {**GITHUB_INPUTS, "oidc_provider_arn": existing})
    assert not [a for a in planned if "openid_connect_provider" in a]
    trust = statements(planned['aws_iam_role.deploy["prod"]']["assume_role_policy"])
    assert trust[0]["Principal"] == {"Federated": existing}
