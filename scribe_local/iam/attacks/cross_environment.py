"""One environment's deploy role (and its writer role) against the other environment's
resources: its bucket, function, writer role, log groups, state and records of intent, API,
routes, integrations and stages (cross_environment_cases).
"""

from __future__ import annotations

from scribe_local.iam.attacks.common import ACCESS_LOG_DESTINATION
from scribe_local.iam.builders import Builder, Names, allow, ctx, document
from scribe_local.iam.cases import Case, Step


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
