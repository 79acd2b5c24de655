"""An environment's deploy role and writer role against their own stack and account: what a
deploy and the writer need (allowed, those of the API once api_id is pinned), another project's
API, and the privilege escalations around them: boundaries, PassRole, human-made roles, the
state, public access, the writer's listings, X-Ray, KMS (own_stack_cases).
"""

from __future__ import annotations

from dataclasses import replace

from scribe_local.iam.attacks.deploy import awaits_pinning, deploy_needs, other_project_cases
from scribe_local.iam.builders import Builder, Names, allow, ctx, document
from scribe_local.iam.cases import Case, Grant, Step
from scribe_local.iam_evaluator import ContextValue

OUTSIDER_ACCOUNT = "999999999999"  # owns a bucket named like the stack's


def own_stack_cases(n: Names, b: Builder, env: str) -> list[Case]:
    """What a deploy of env needs (allowed) and the privilege escalations around it (denied)."""
    bucket = f"arn:aws:s3:::{n.bucket(env)}"
    boundary = n.boundary(env)
    writer = n.writer_role(env)
    stack = n.stack(env)
    admin = f"arn:aws:iam::{n.account}:role/{stack}-admin"  # made by a human, no boundary
    state_key = n.env(env)["state_key"]
    label = f"{env} role"
    # the writer's lookup after a retried create-only write, and a wider listing than it needs
    one_key: dict[str, ContextValue] = {
        "s3:prefix": f"{n.key_prefix(env)}x.txt",
        "s3:max-keys": "1",
    }
    page: dict[str, ContextValue] = {"s3:max-keys": "1000"}
    cases = [
        Case(f"{label}: {name}", "allowed", (Step(request),))
        if not awaits_pinning(n, env, name)
        else Case(f"{label} (api_id not pinned): {name}", "denied", (Step(request),), finding="3")
        for name, request in deploy_needs(n, b, env)
    ]
    cases += other_project_cases(n, b, env)
    cases += [
        Case(
            f"{env} writer: PutObject under its prefix",
            "allowed",
            (Step(b.writer(env, "s3:PutObject", f"{bucket}/{n.key_prefix(env)}x.txt")),),
        ),
        Case(
            f"{env} writer: lists the latest version of one key under its prefix",
            "allowed",
            (Step(b.writer(env, "s3:ListBucketVersions", bucket, **one_key)),),
        ),
        Case(
            f"{env} writer: PutLogEvents to its group",
            "allowed",
            (
                Step(
                    b.writer(
                        env,
                        "logs:PutLogEvents",
                        n.log_group(f"/aws/lambda/{stack}-writer:log-stream:x"),
                    )
                ),
            ),
        ),
    ]
    # X-Ray: the writer role holds modules/lambda's trace statement once the stack traces; the
    # boundary lets the uploads through only for an environment with tracing on.
    tracing = bool(n.env(env).get("tracing"))
    switch = "on" if tracing else "off"
    cases += [
        Case(
            f"{env} writer: {action} (tracing {switch} in bootstrap)",
            "allowed" if tracing else "denied",
            (Step(b.writer(env, action, "*", extra=(f"traces-{env}",))),),
        )
        for action in ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
    ]
    foreign_principals = ("s3.amazonaws.com", "*", f"arn:aws:iam::{'9' * 12}:root")
    cases += [
        Case(
            f"{label}: AddPermission for principal {p}",
            "denied",
            (
                Step(
                    b.deploy(
                        env, "lambda:AddPermission", n.function(env), **ctx(lambda__Principal=p)
                    )
                ),
            ),
            "4",
        )
        for p in foreign_principals
    ]
    cases += [
        Case(
            f"{label}: rewrites the trust of a human-made role named like its stack",
            "denied",
            (Step(b.deploy(env, "iam:UpdateAssumeRolePolicy", admin)),),
            "4",
        ),
        Case(
            f"{label}: passes a human-made role named like its stack to Lambda",
            "denied",
            (
                Step(
                    b.deploy(
                        env,
                        "iam:PassRole",
                        admin,
                        **ctx(iam__PassedToService="lambda.amazonaws.com"),
                    )
                ),
            ),
            "4",
        ),
        Case(
            f"{label}: puts a policy on a human-made role named like its stack",
            "denied",
            (Step(b.deploy(env, "iam:PutRolePolicy", admin)),),
        ),
        Case(
            f"{label}: passes its writer role to EC2",
            "denied",
            (
                Step(
                    b.deploy(
                        env, "iam:PassRole", writer, **ctx(iam__PassedToService="ec2.amazonaws.com")
                    )
                ),
            ),
        ),
        Case(
            f"{label}: creates a role without a boundary",
            "denied",
            (Step(b.deploy(env, "iam:CreateRole", n.writer_role(env))),),
        ),
        Case(
            f"{label}: removes its writer role's boundary",
            "denied",
            (
                Step(
                    b.deploy(
                        env,
                        "iam:DeleteRolePermissionsBoundary",
                        writer,
                        **ctx(iam__PermissionsBoundary=boundary),
                    )
                ),
            ),
        ),
        Case(
            f"{label}: edits its boundary policy",
            "denied",
            (Step(b.deploy(env, "iam:CreatePolicyVersion", boundary)),),
        ),
        Case(
            f"{label}: puts a public policy on its own bucket",
            "allowed",
            (Step(b.deploy(env, "s3:PutBucketPolicy", bucket)),),
            finding="4",
            limited_by="S3 refuses a public policy under the account's Block Public Access, "
            "which bootstrap/ turns on and no CI role may change",
        ),
        Case(
            f"{label}: overwrites the account's log resource policies",
            "allowed",
            (Step(b.deploy(env, "logs:PutResourcePolicy", "*")),),
            finding="4",
            limited_by="AWS authorizes it only on *, and API Gateway requires it of whoever turns "
            "on access logs: another stack's delivery can be stopped, not read",
        ),
        Case(
            f"{label}: makes an outside account trust its writer role, which then reads the state",
            "denied",
            (
                Step(
                    b.deploy(
                        env,
                        "iam:UpdateAssumeRolePolicy",
                        writer,
                        **ctx(iam__PermissionsBoundary=boundary),
                    )
                ),
                Step(b.writer(env, "s3:GetObject", n.state(state_key))),
            ),
            finding="5",
        ),
        Case(
            f"{label}: lifts the account's S3 Block Public Access (bootstrap's)",
            "denied",
            (Step(b.deploy(env, "s3:PutAccountPublicAccessBlock", "*")),),
            finding="4",
        ),
        Case(
            f"{label}: creates API Gateway's service-linked role (bootstrap's)",
            "denied",
            (
                Step(
                    b.deploy(
                        env,
                        "iam:CreateServiceLinkedRole",
                        f"arn:aws:iam::{n.account}:role/aws-service-role/ops.apigateway.amazonaws.com/"
                        "AWSServiceRoleForAPIGateway",
                        **ctx(iam__AWSServiceName="ops.apigateway.amazonaws.com"),
                    )
                ),
            ),
            finding="4",
        ),
        Case(
            f"{label}: edits its own deploy role",
            "denied",
            (Step(b.deploy(env, "iam:PutRolePolicy", n.identity.role_arns[env])),),
        ),
        Case(
            f"{label}: deletes its own state",
            "denied",
            (Step(b.deploy(env, "s3:DeleteObject", n.state(state_key))),),
        ),
        Case(
            f"{env} writer: widened, writes into an outsider's bucket named like its own",
            "denied",
            (
                b.widens_writer(env, f"exfil-{env}", document(allow("s3:PutObject", "*"))),
                Step(
                    b.writer(
                        env,
                        "s3:PutObject",
                        f"arn:aws:s3:::{stack}-exfil/{n.key_prefix(env)}x.txt",
                        extra=(f"exfil-{env}",),
                        **{"s3:ResourceAccount": OUTSIDER_ACCOUNT},
                    )
                ),
            ),
            finding="5",
        ),
        Case(
            f"{label}: writes another key of the state bucket",
            "denied",
            (Step(b.deploy(env, "s3:PutObject", n.state("other/terraform.tfstate"))),),
        ),
        Case(
            f"{label}: UpdateFunctionCode of a function that only starts like its stack",
            "denied",
            (
                Step(
                    b.deploy(
                        env,
                        "lambda:UpdateFunctionCode",
                        f"arn:aws:lambda:{n.region}:{n.account}:function:{stack}tools-x",
                    )
                ),
            ),
        ),
        Case(
            f"{label}: creates a role under its boundary, then reads the state bucket with it",
            "denied",
            (
                b.widens_writer(
                    env, f"everything-{env}", document(allow("s3:*", "*")), "iam:CreateRole"
                ),
                Step(
                    b.writer(env, "s3:GetObject", n.state(state_key), extra=(f"everything-{env}",))
                ),
            ),
        ),
        Case(
            f"{env} writer: lists a page of versions under its prefix",
            "denied",
            (Step(b.writer(env, "s3:ListBucketVersions", bucket, **{**one_key, **page})),),
        ),
        Case(
            f"{env} writer: lists versions outside its prefix",
            "denied",
            (
                Step(
                    b.writer(
                        env,
                        "s3:ListBucketVersions",
                        bucket,
                        **{"s3:prefix": "other/x.txt", "s3:max-keys": "1"},
                    )
                ),
            ),
        ),
        Case(
            f"{env} writer: lists versions without a prefix or a max-keys",
            "denied",
            (Step(b.writer(env, "s3:ListBucketVersions", bucket)),),
        ),
        Case(
            f"{label}: widens its writer role's listing, then lists a page of the whole bucket",
            "denied",
            (
                Step(
                    b.deploy(
                        env, "iam:PutRolePolicy", writer, **ctx(iam__PermissionsBoundary=boundary)
                    ),
                    Grant(
                        f"writer-{env}",
                        f"list-all-{env}",
                        document(allow("s3:ListBucketVersions", bucket)),
                    ),
                ),
                Step(
                    b.writer(
                        env, "s3:ListBucketVersions", bucket, extra=(f"list-all-{env}",), **page
                    )
                ),
            ),
        ),
        Case(
            f"{env} writer: GenerateDataKey with another key",
            "denied",
            (
                Step(
                    replace(
                        b.writer(
                            env,
                            "kms:GenerateDataKey",
                            f"arn:aws:kms:{n.region}:{n.account}:key/0000-other",
                            extra=(f"any-key-{env}",),
                        ),
                        resource_policy="default-key-policy",
                    )
                ),
            ),
            "4",
        ),
    ]
    return cases
