"""What a stack owns in the account, and whether its Terraform state agrees.

A stack's resources carry its name and its tag: every name starts with `<name>-` (root main.tf:
`<name>-writer`, `<name>-writer-role`, `<name>-api`, `/aws/lambda/<name>-writer`,
`/aws/vendedlogs/apigateway/<name>-api` (0.3.0: `/aws/apigateway/<name>-api`), the bucket
`<name>-<account>-<region>` unless `bucket.name` names it) and the provider's default tags put
`Stack = <name>` on everything taggable (providers.tf). The parts that cannot be tagged belong to
a tagged parent: an API's routes, integrations, stages and authorizers; a function's invoke
permissions; a role's inline policies.

`lookup()` reads, with boto3 (AWS_ENDPOINT_URL honoured, as `make preflight` does), the
resources it is asked for by identity (what `make recover` plans to create and what state holds),
each with its children, as the deploy role may read them; `account()` is the administrator's
sweep of every resource that has the stack's name prefix (it lists the account's roles, functions
and APIs). Those tagged `Stack = <name>` are the stack's, those with no `Stack` tag are reported
("foreign") and never adopted on their name alone, and those tagged with another stack's name (a
stack `<name>-2`) are another stack's and left out. `state_resources()` reads the same identities
from `terraform show -json`; `compare()` says what is in the account but not in state (orphans:
`make recover` adopts them) and what is in state but not in the account (ghosts: the next plan
recreates them).

An identity is (Terraform resource type, import id), the id `terraform import` takes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from scribe_local.terraform import runner
from scribe_local.terraform.envs import env_values

STACK_TAG = "Stack"  # providers.tf default_tags: Stack = var.name
# Types whose state entries are compared with the account (the bucket's configuration
# resources share the bucket's id and live or die with it; a no-op plan refreshes them).
NAMED_TYPES = (
    "aws_s3_bucket",
    "aws_iam_role",
    "aws_iam_role_policy",
    "aws_lambda_function",
    "aws_lambda_permission",
    "aws_cloudwatch_log_group",
    "aws_apigatewayv2_api",
    "aws_apigatewayv2_integration",
    "aws_apigatewayv2_route",
    "aws_apigatewayv2_stage",
    "aws_apigatewayv2_authorizer",
)


@dataclass(frozen=True)
class Stack:
    """A stack's identity in one account: name, region, bucket name."""

    name: str
    region: str
    bucket: str

    @classmethod
    def of_env(cls, env: str, root: Path, account_id: str) -> Stack:
        """The stack envs/<env>.tfvars under root deploys into account_id (root main.tf's
        bucket name rule: bucket.name, else <name>-<account>-<region>)."""
        values = env_values(env, root)
        name, region = str(values["name"]), str(values["region"])
        bucket = (values.get("bucket") or {}).get("name") or f"{name}-{account_id}-{region}"
        return cls(name, region, str(bucket))


@dataclass(frozen=True)
class Resource:
    """One resource found in the account."""

    type: str
    id: str  # the import id
    tagged: bool  # it (or its parent) carries Stack = <name>
    name: str  # what a reader recognises: a name, a route key, a statement id
    parent: str | None = None  # the parent's import id (API id, function name, role name)
    detail: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.type, self.id)

    def describe(self) -> str:
        return f"{self.type} {self.name} (id {self.id})"


def clients(region: str) -> dict[str, Any]:
    """boto3 clients in region; credentials and AWS_ENDPOINT_URL from the environment."""
    services = ("s3", "iam", "lambda", "logs", "apigatewayv2", "sts")
    return {service: boto3.client(service, region_name=region) for service in services}


def _missing(error: ClientError) -> bool:
    code = error.response.get("Error", {}).get("Code", "")
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return status == 404 or code in {
        "NoSuchBucket",
        "NotFound",
        "NoSuchEntity",
        "ResourceNotFoundException",
        "NoSuchTagSet",
    }


def _timestamp(text: str | None) -> datetime | None:
    """Lambda's LastModified (2026-12-07T05:00:00.000+0000), the function's creation time until
    it is first updated."""
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")
    except ValueError:
        return None


def _tags(pairs: Iterable[dict[str, str]]) -> dict[str, str]:
    return {pair["Key"]: pair["Value"] for pair in pairs}


@dataclass(frozen=True)
class Wanted:
    """The resources to look up: (type, import id) of buckets, roles, functions, log groups and
    APIs (a child's identity stands for its parent: a role policy for its role, a permission for
    its function, a route, integration, stage or authorizer for its API), and APIs by name (an
    API's id is AWS's, so a planned create or a record of intent knows only its name)."""

    identities: frozenset[tuple[str, str]] = frozenset()
    api_names: frozenset[str] = frozenset()

    def __or__(self, other: Wanted) -> Wanted:
        return Wanted(self.identities | other.identities, self.api_names | other.api_names)

    def parents(self, kind: str) -> list[str]:
        """The import ids of the parents of kind (aws_s3_bucket, aws_iam_role, ...) wanted."""
        found = set()
        for child, ident in self.identities:
            parent = PARENT.get(child, child)
            if parent == kind:
                found.add(ident if child == kind else _parent_id(child, ident))
        return sorted(found)


# A child type -> its parent's type (its import id starts with the parent's: role:policy,
# function/sid, api/id).
PARENT = {
    "aws_iam_role_policy": "aws_iam_role",
    "aws_lambda_permission": "aws_lambda_function",
    "aws_apigatewayv2_integration": "aws_apigatewayv2_api",
    "aws_apigatewayv2_route": "aws_apigatewayv2_api",
    "aws_apigatewayv2_stage": "aws_apigatewayv2_api",
    "aws_apigatewayv2_authorizer": "aws_apigatewayv2_api",
}


def _parent_id(kind: str, ident: str) -> str:
    return ident.split(":", 1)[0] if kind == "aws_iam_role_policy" else ident.split("/", 1)[0]


def lookup(stack: Stack, aws: dict[str, Any], wanted: Wanted) -> list[Resource]:
    """The wanted resources that exist, each read by its identity, with their children: what
    `make recover` reads, as the deploy role may (GetRole, GetFunction, DescribeLogGroups by
    name, GetApi of an id; ListBuckets for a bucket's creation time). APIs by name need
    GetApis, the listing of the region's APIs: only asked for when wanted.api_names is set."""
    found: list[Resource] = []
    for bucket in wanted.parents("aws_s3_bucket"):
        found.extend(_bucket(stack, aws, bucket))
    for role in wanted.parents("aws_iam_role"):
        found.extend(_role(stack, aws, role))
    for function in wanted.parents("aws_lambda_function"):
        found.extend(_function(stack, aws, function))
    for group in wanted.parents("aws_cloudwatch_log_group"):
        found.extend(_log_groups(stack, aws, group, exact=True))
    api_ids = set(wanted.parents("aws_apigatewayv2_api"))
    if wanted.api_names:
        listed = aws["apigatewayv2"].get_apis().get("Items", [])
        api_ids |= {api["ApiId"] for api in listed if api["Name"] in wanted.api_names}
    for api_id in sorted(api_ids):
        found.extend(_api(stack, aws, api_id))
    return found


def account(stack: Stack, aws: dict[str, Any]) -> list[Resource]:
    """Every resource of the account whose name says it is the stack's (see the module doc):
    the administrator's sweep, which lists the account's roles, functions and APIs (the tests'
    view; make recover looks up only what it is after: `lookup`)."""
    prefix = f"{stack.name}-"
    roles = [
        role["RoleName"]
        for page in aws["iam"].get_paginator("list_roles").paginate()
        for role in page["Roles"]
        if role["RoleName"].startswith(prefix)
    ]
    functions = [
        function["FunctionName"]
        for page in aws["lambda"].get_paginator("list_functions").paginate()
        for function in page["Functions"]
        if function["FunctionName"].startswith(prefix)
    ]
    apis = [
        api["ApiId"]
        for api in aws["apigatewayv2"].get_apis().get("Items", [])
        if api["Name"].startswith(prefix)
    ]
    identities = {("aws_s3_bucket", stack.bucket)}
    identities |= {("aws_iam_role", name) for name in roles}
    identities |= {("aws_lambda_function", name) for name in functions}
    identities |= {("aws_apigatewayv2_api", api_id) for api_id in apis}
    found = lookup(stack, aws, Wanted(frozenset(identities)))
    for group in LOG_GROUP_PREFIXES:
        found.extend(_log_groups(stack, aws, f"{group}{prefix}", exact=False))
    return found


def _owned(tags: dict[str, str], stack: Stack) -> bool | None:
    """True: the stack's; False: no Stack tag (foreign); None: another stack's (left out)."""
    if STACK_TAG not in tags:
        return False
    return True if tags[STACK_TAG] == stack.name else None


def _read(call: Callable[..., dict[str, Any]], **params: Any) -> dict[str, Any] | None:
    """call(**params)'s answer, or None when AWS says the resource (or its setting) is missing."""
    try:
        return call(**params)
    except ClientError as error:
        if _missing(error):
            return None
        raise


def _read_tagged(
    stack: Stack, call: Callable[..., dict[str, Any]], **params: Any
) -> tuple[dict[str, Any], bool] | None:
    """call's answer (its Tags a map) and whether it carries the stack's tag; None when it is
    missing or not named as the stack's (_owned)."""
    answer = _read(call, **params)
    owned = None if answer is None else _owned(answer.get("Tags", {}), stack)
    return None if answer is None or owned is None else (answer, owned)


def _bucket(stack: Stack, aws: dict[str, Any], name: str) -> Iterator[Resource]:
    s3 = aws["s3"]
    if _read(s3.head_bucket, Bucket=name) is None:
        return
    tagging = _read(s3.get_bucket_tagging, Bucket=name)
    tags = _tags(tagging["TagSet"]) if tagging else {}
    owned = _owned(tags, stack)
    if owned is not None:
        # The creation time is only in ListBuckets (s3:ListAllMyBuckets; Prefix narrows the
        # answer, not the permission).
        listed = s3.list_buckets(Prefix=name).get("Buckets", [])
        created = next((b["CreationDate"] for b in listed if b["Name"] == name), None)
        yield Resource("aws_s3_bucket", name, owned, name, detail={"created_at": created})


def _role(stack: Stack, aws: dict[str, Any], name: str) -> Iterator[Resource]:
    iam = aws["iam"]
    found = _read(iam.get_role, RoleName=name)
    if found is None:
        return
    role = found["Role"]
    owned = _owned(_tags(role.get("Tags", [])), stack)
    if owned is None:
        return
    detail = {"path": role["Path"], "created_at": role.get("CreateDate")}
    yield Resource("aws_iam_role", name, owned, name, detail=detail)
    for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        yield Resource("aws_iam_role_policy", f"{name}:{policy}", owned, policy, parent=name)


def _function(stack: Stack, aws: dict[str, Any], name: str) -> Iterator[Resource]:
    client = aws["lambda"]
    found = _read_tagged(stack, client.get_function, FunctionName=name)
    if found is None:
        return
    function, owned = found
    yield Resource(
        "aws_lambda_function",
        name,
        owned,
        name,
        detail={
            "invoke_arn_suffix": f"function:{name}/invocations",
            "created_at": _timestamp(function["Configuration"].get("LastModified")),
        },
    )
    yield from _permissions(client, name, owned)


def _permissions(client: Any, function: str, owned: bool) -> Iterator[Resource]:
    found = _read(client.get_policy, FunctionName=function)
    if found is None:
        return
    policy = json.loads(found["Policy"])
    for statement in policy.get("Statement", []):
        sid = statement["Sid"]
        yield Resource("aws_lambda_permission", f"{function}/{sid}", owned, sid, parent=function)


# The stack's log groups: the function's, the API's access logs, and 0.3.0's access logs.
LOG_GROUP_PREFIXES = ("/aws/lambda/", "/aws/vendedlogs/apigateway/", "/aws/apigateway/")


def _log_groups(stack: Stack, aws: dict[str, Any], prefix: str, exact: bool) -> Iterator[Resource]:
    """The log groups named prefix (exact) or starting with it."""
    logs = aws["logs"]
    pages = logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=prefix)
    for page in pages:
        for group in page["logGroups"]:
            name = group["logGroupName"]
            if exact and name != prefix:
                continue
            arn = group["arn"].removesuffix(":*")
            owned = _owned(logs.list_tags_for_resource(resourceArn=arn).get("tags", {}), stack)
            if owned is not None:
                created = datetime.fromtimestamp(group["creationTime"] / 1000, UTC)
                detail = {"created_at": created}
                yield Resource("aws_cloudwatch_log_group", name, owned, name, detail=detail)


def _api(stack: Stack, aws: dict[str, Any], api_id: str) -> Iterator[Resource]:
    apigw = aws["apigatewayv2"]
    found = _read_tagged(stack, apigw.get_api, ApiId=api_id)
    if found is None:
        return
    api, owned = found
    children = list(_api_children(apigw, api_id, owned))
    detail = {
        "created": str(api.get("CreatedDate", "")),
        "created_at": api.get("CreatedDate"),
        "children": len(children),
    }
    yield Resource("aws_apigatewayv2_api", api_id, owned, api["Name"], detail=detail)
    yield from children


def _api_children(apigw: Any, api_id: str, owned: bool) -> Iterator[Resource]:
    for item in apigw.get_integrations(ApiId=api_id).get("Items", []):
        uri = item.get("IntegrationUri", "")
        yield Resource(
            "aws_apigatewayv2_integration",
            f"{api_id}/{item['IntegrationId']}",
            owned,
            uri,
            parent=api_id,
            detail={"uri": uri},
        )
    for item in apigw.get_routes(ApiId=api_id).get("Items", []):
        key = item["RouteKey"]
        yield Resource(
            "aws_apigatewayv2_route", f"{api_id}/{item['RouteId']}", owned, key, parent=api_id
        )
    for item in apigw.get_stages(ApiId=api_id).get("Items", []):
        name = item["StageName"]
        yield Resource("aws_apigatewayv2_stage", f"{api_id}/{name}", owned, name, parent=api_id)
    for item in _authorizers(apigw, api_id):
        name = item["Name"]
        yield Resource(
            "aws_apigatewayv2_authorizer",
            f"{api_id}/{item['AuthorizerId']}",
            owned,
            name,
            parent=api_id,
        )


# --------------------------------------------------------------------------------------------
# The state side
# --------------------------------------------------------------------------------------------


def state_resources(
    tfdir: Path, env: Mapping[str, str] | None = None
) -> dict[tuple[str, str], str]:
    """(type, import id) -> address, for every managed resource of the state of tfdir (its
    backend initialised; env: credentials for it), from `terraform show -json`."""
    shown = json.loads(runner.run(tfdir, "show", "-json", env=env).stdout or "{}")
    found: dict[tuple[str, str], str] = {}
    for resource in _walk(shown.get("values", {}).get("root_module", {})):
        if resource.get("mode") != "managed" or resource["type"] not in NAMED_TYPES:
            continue
        found[(resource["type"], import_id(resource["type"], resource["values"]))] = resource[
            "address"
        ]
    return found


def _walk(module: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from _walk(child)


def import_id(kind: str, values: dict[str, Any]) -> str:
    """The import id of a resource of type kind, from its state (or planned) values."""
    if kind == "aws_iam_role_policy":
        return f"{values['role']}:{values['name']}"
    if kind == "aws_lambda_permission":
        return f"{values['function_name']}/{values['statement_id']}"
    if kind == "aws_apigatewayv2_stage":
        return f"{values['api_id']}/{values['name']}"
    if kind in (
        "aws_apigatewayv2_integration",
        "aws_apigatewayv2_route",
        "aws_apigatewayv2_authorizer",
    ):
        return f"{values['api_id']}/{values['id']}"
    if kind == "aws_s3_bucket":
        return str(values["bucket"])
    if kind in ("aws_iam_role", "aws_cloudwatch_log_group"):
        return str(values["name"])
    if kind == "aws_lambda_function":
        return str(values["function_name"])
    return str(values["id"])


@dataclass(frozen=True)
class Agreement:
    """The comparison of state and account for one stack."""

    orphans: list[Resource]  # the stack's (tagged) in the account, not in state
    ghosts: list[str]  # addresses in state whose resource the account does not have
    foreign: list[Resource]  # named like the stack's but without its tag: never adopted

    @property
    def agree(self) -> bool:
        return not self.orphans and not self.ghosts

    def report(self) -> str:
        lines = []
        lines += [f"  in the account, not in state: {r.describe()}" for r in self.orphans]
        lines += [f"  in state, not in the account: {address}" for address in self.ghosts]
        lines += [
            f"  named like the stack's but without the tag {STACK_TAG}: {r.describe()}"
            for r in self.foreign
        ]
        return "\n".join(lines)


def compare(found: list[Resource], state: dict[tuple[str, str], str]) -> Agreement:
    keys = {resource.key for resource in found}
    orphans = [r for r in found if r.tagged and r.key not in state]
    ghosts = sorted(address for key, address in state.items() if key not in keys)
    foreign = [r for r in found if not r.tagged]
    return Agreement(orphans, ghosts, foreign)


def _authorizers(apigw: Any, api_id: str) -> list[dict[str, Any]]:
    """GetAuthorizers; moto 5.2.5 does not implement it (its 500 is read as "none listed"), so
    under moto a JWT authorizer is compared through the plan only."""
    try:
        items: list[dict[str, Any]] = apigw.get_authorizers(ApiId=api_id).get("Items", [])
    except ClientError as error:
        if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 500:
            return []
        raise
    return items
