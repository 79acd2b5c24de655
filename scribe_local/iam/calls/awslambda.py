"""Lambda: functions by name or ARN, the role they pass, their tags."""

from __future__ import annotations

import re

from scribe_local.aws.operations import Operation
from scribe_local.iam.calls import core

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


def _lambda_resource(operation: Operation, ledger: core.Ledger) -> str:
    name = operation.text("FunctionName")
    if name:
        return function_arn(name, operation.region, ledger.account)
    resource = operation.text("Resource")  # tags: /2017-03-31/tags/{ARN}
    if resource and FUNCTION_ARN.match(resource):
        return function_arn(resource, operation.region, ledger.account)
    if resource:
        return resource
    return "*" if operation.name in LAMBDA_STAR_OPERATIONS else ""


def map_lambda(operation: Operation, ledger: core.Ledger) -> list[core.MappedCall]:
    action = core.default_action("lambda", operation.name)
    resource = _lambda_resource(operation, ledger)
    if not action or not resource:
        why = "the SAR has no action for it" if not action else "resource not modelled"
        return [core.unmapped(operation.record, operation.call, why)]
    added = core.tag_map(operation.params.get("Tags"))
    removed = operation.params.get("TagKeys") or []
    context = core.tag_context(action, added, removed)
    if operation.name != "CreateFunction":
        context.update(core.resource_tags(ledger, resource))
    principal = operation.text("Principal")
    if operation.name in ("AddPermission", "RemovePermission") and principal:
        context["lambda:Principal"] = principal
    calls = [core.mapped_call(operation, action, resource, context)]
    return calls + _lambda_extras(operation, ledger, resource, added)


def _lambda_extras(
    operation: Operation, ledger: core.Ledger, resource: str, added: core.Tags
) -> list[core.MappedCall]:
    extras = []
    role = operation.text("Role")
    if role and operation.name in PASSES_ROLE:
        # No aws:ResourceTag: "You cannot use the tag on an IAM role to control access to who
        # can pass that role" (Lambda Developer Guide, ABAC for Lambda, step 4).
        context: core.Context = {"iam:PassedToService": PASSES_ROLE[operation.name]}
        extras.append(
            core.mapped_call(operation, "iam:PassRole", role, context, why="iam:PassRole")
        )
    extras += core.tag_on_create(operation, resource, added)
    if operation.name == "GetFunction" and _function_tags(operation):
        # "lambda:ListTags: when a function has tags, grant it to anyone who calls GetFunction"
        context = core.resource_tags(ledger, resource)
        extras.append(
            core.mapped_call(operation, "lambda:ListTags", resource, context, why="tagged")
        )
    return extras


def _function_tags(operation: Operation) -> core.Tags:
    answer = operation.response_json()
    return core.tag_map(answer.get("Tags")) if isinstance(answer, dict) else {}


def learn_lambda(operation: Operation, ledger: core.Ledger) -> None:
    if operation.record.status >= 300:
        return
    resource = _lambda_resource(operation, ledger)
    name = operation.name
    if not resource.startswith("arn:"):
        return
    if name in ("CreateFunction", "TagResource"):
        ledger.tag(resource, core.tag_map(operation.params.get("Tags")))
    elif name in ("GetFunction", "ListTags") and isinstance(operation.response_json(), dict):
        ledger.tags[resource] = _function_tags(operation)
    elif name == "UntagResource":
        ledger.untag(resource, operation.params.get("TagKeys") or [])
    elif name == "DeleteFunction" and "Qualifier" not in operation.params:
        ledger.forget(resource)
