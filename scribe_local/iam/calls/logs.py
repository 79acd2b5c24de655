"""CloudWatch Logs: log groups and streams, tags and keys on create."""

from __future__ import annotations

from scribe_local.aws.operations import Operation
from scribe_local.iam.calls import core

# Creating a log group with a key is read as also associating it (stricter reading: the CloudWatch
# Logs User Guide grants logs:AssociateKmsKey to whoever encrypts a group).
KEY_ON_CREATE = {"logs.CreateLogGroup": ("kmsKeyId", "logs:AssociateKmsKey")}

LOG_STREAM_OPERATIONS = frozenset(
    {"CreateLogStream", "DeleteLogStream", "PutLogEvents", "GetLogEvents"}
)


def log_group_arn(name: str, region: str, account: str) -> str:
    """The log-group ARN the SAR documents: `...:log-group:<name>`, without a trailing `:*`.

    (The `:*` form, e.g. in DescribeLogGroups' `arn`, matches the group's streams; group-level
    actions are authorized on the group ARN itself.)
    """
    if name.startswith("arn:"):
        return name.removesuffix(":*")
    return f"arn:aws:logs:{region}:{account}:log-group:{name}"


def _logs_resource(operation: Operation, ledger: core.Ledger) -> str:
    arn = operation.text("resourceArn")
    if arn:
        return arn.removesuffix(":*")
    group = operation.text("logGroupName") or operation.text("logGroupIdentifier")
    if not group:
        return "*"
    resource = log_group_arn(group, operation.region, ledger.account)
    stream = operation.text("logStreamName")
    if stream and operation.name in LOG_STREAM_OPERATIONS:
        return f"{resource}:log-stream:{stream}"
    return resource


def map_logs(operation: Operation, ledger: core.Ledger) -> list[core.MappedCall]:
    action = core.default_action("logs", operation.name)
    if not action:
        return [core.unmapped(operation.record, operation.call, "the SAR has no action for it")]
    resource = _logs_resource(operation, ledger)
    added = core.tag_map(operation.params.get("tags"))
    removed = operation.params.get("tagKeys") or []
    context = core.tag_context(action, added, removed)
    if operation.name != "CreateLogGroup":
        context.update(core.resource_tags(ledger, resource))
    return [
        core.mapped_call(operation, action, resource, context),
        *core.tag_on_create(operation, resource, added),
        *_key_on_create(operation, resource),
    ]


def _key_on_create(operation: Operation, resource: str) -> list[core.MappedCall]:
    member, action = KEY_ON_CREATE.get(operation.call, ("", ""))
    if not (member and operation.text(member)):
        return []
    return [core.mapped_call(operation, action, resource, why="key on create")]


def learn_logs(operation: Operation, ledger: core.Ledger) -> None:
    if operation.record.status >= 300:
        return
    resource = _logs_resource(operation, ledger)
    name = operation.name
    if name in ("CreateLogGroup", "TagResource", "TagLogGroup"):
        ledger.tag(resource, core.tag_map(operation.params.get("tags")))
    elif name in ("UntagResource", "UntagLogGroup"):
        ledger.untag(
            resource, operation.params.get("tagKeys") or operation.params.get("tags") or []
        )
    elif name in ("ListTagsForResource", "ListTagsLogGroup"):
        answer = operation.response_json()
        if isinstance(answer, dict):
            ledger.tags[resource] = core.tag_map(answer.get("tags"))
    elif name == "DeleteLogGroup":
        ledger.forget(resource)
