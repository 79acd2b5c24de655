"""Lambda: functions by name or ARN, the role they pass, their tags."""

from __future__ import annotations

import re

from scribe_local.aws.operations import Operation
from scribe_local.iam.calls.core import (
    Context,
    Ledger,
    MappedCall,
    Tags,
    default_action,
    mapped_call,
    resource_tags,
    tag_context,
    tag_map,
    tag_on_create,
    unmapped,
)

# Lambda operations that pass the function's role (iam:PassRole, iam:PassedToService).
PASSES_ROLE = {
    "CreateFunction": "lambda.amazonaws.com",
    "UpdateFunctionConfiguration": "lambda.amazonaws.com",
}

# Lambda operations that act on no resource (the SAR lists no resource type: "*").
LAMBDA_STAR_OPERATIONS = frozenset(
    {
        "GetAccountSettings",
        "ListFunctions",
        "ListLayers",
        "ListLayerVersions",
        "ListEventSourceMappings",
        "ListCodeSigningConfigs",
        "CreateCodeSigningConfig",
    }
)

FUNCTION_ARN = re.compile(r"^arn:aws[\w-]*:lambda:([^:]+):(\d+):function:([^:]+)(?::[^:]+)?$")

PARTIAL_ARN = re.compile(r"^(\d+):function:([^:]+)(?::[^:]+)?$")


def function_arn(name: str, region: str, account: str) -> str:
    """The unqualified function ARN for a name, a partial ARN or an ARN (qualifier stripped)."""
    full = FUNCTION_ARN.match(name)
    if full:
        return f"arn:aws:lambda:{full.group(1)}:{full.group(2)}:function:{full.group(3)}"
    partial = PARTIAL_ARN.match(name)
    if partial:
        return f"arn:aws:lambda:{region}:{partial.group(1)}:function:{partial.group(2)}"
    return f"arn:aws:lambda:{region}:{account}:function:{name.split(':', 1)[0]}"


def _lambda_resource(operation: Operation, ledger: Ledger) -> str:
    name = operation.text("FunctionName")
    if name:
        return function_arn(name, operation.region, ledger.account)
    resource = operation.text("Resource")  # tags: /2017-03-31/tags/{ARN}
    if resource and FUNCTION_ARN.match(resource):
        return function_arn(resource, operation.region, ledger.account)
    if resource:
        return resource
    return "*" if operation.name in LAMBDA_STAR_OPERATIONS else ""


def map_lambda(operation: Operation, ledger: Ledger) -> list[MappedCall]:
    action = default_action("lambda", operation.name)
    resource = _lambda_resource(operation, ledger)
    if not action or not resource:
        why = "the SAR has no action for it" if not action else "resource not modelled"
        return [unmapped(operation.record, operation.call, why)]
    added = tag_map(operation.params.get("Tags"))
    removed = operation.params.get("TagKeys") or []
    context = tag_context(action, added, removed)
    if operation.name != "CreateFunction":
        context.update(resource_tags(ledger, resource))
    principal = operation.text("Principal")
    if operation.name in ("AddPermission", "RemovePermission") and principal:
        context["lambda:Principal"] = principal
    calls = [mapped_call(operation, action, resource, context)]
    return calls + _lambda_extras(operation, ledger, resource, added)


def _lambda_extras(
    operation: Operation, ledger: Ledger, resource: str, added: Tags
) -> list[MappedCall]:
    extras = []
    role = operation.text("Role")
    if role and operation.name in PASSES_ROLE:
        # No aws:ResourceTag: "You cannot use the tag on an IAM role to control access to who
        # can pass that role" (Lambda Developer Guide, ABAC for Lambda, step 4).
        context: Context = {"iam:PassedToService": PASSES_ROLE[operation.name]}
        extras.append(mapped_call(operation, "iam:PassRole", role, context, why="iam:PassRole"))
    extras += tag_on_create(operation, resource, added)
    if operation.name == "GetFunction" and _function_tags(operation):
        # "lambda:ListTags: when a function has tags, grant it to anyone who calls GetFunction"
        context = resource_tags(ledger, resource)
        extras.append(mapped_call(operation, "lambda:ListTags", resource, context, why="tagged"))
    return extras


def _function_tags(operation: Operation) -> Tags:
    answer = operation.response_json()
    return tag_map(answer.get("Tags")) if isinstance(answer, dict) else {}


def learn_lambda(operation: Operation, ledger: Ledger) -> None:
    if operation.record.status >= 300:
        return
    resource = _lambda_resource(operation, ledger)
    name = operation.name
    if not resource.startswith("arn:"):
        return
    if name in ("CreateFunction", "TagResource"):
        ledger.tag(resource, tag_map(operation.params.get("Tags")))
    elif name in ("GetFunction", "ListTags") and isinstance(operation.response_json(), dict):
        ledger.tags[resource] = _function_tags(operation)
    elif name == "UntagResource":
        ledger.untag(resource, operation.params.get("TagKeys") or [])
    elif name == "DeleteFunction" and "Qualifier" not in operation.params:
        ledger.forget(resource)
