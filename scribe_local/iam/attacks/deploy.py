"""What a deploy of an environment needs, as its deploy role (deploy_needs, with the features'
needs), which of those wait for a pinned api_id (OF_THE_API, awaits_pinning), and why pinning
matters: another project's HTTP API in the same account, whose routes and integrations carry no
tags (other_project_cases).
"""

from __future__ import annotations

from scribe_local.iam.attacks.common import ACCESS_LOG_DESTINATION
from scribe_local.iam.builders import OTHER_PROJECT_API, Builder, Names, ctx
from scribe_local.iam.cases import Case, Step
from scribe_local.iam.feature_attacks import feature_needs
from scribe_local.iam_evaluator import Request

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
