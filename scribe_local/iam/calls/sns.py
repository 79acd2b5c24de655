"""SNS (query protocol): topics by ARN, created by name."""

from __future__ import annotations

from scribe_local.aws.operations import Operation
from scribe_local.iam.calls.core import (
    Ledger,
    MappedCall,
    default_action,
    form_list,
    form_tags,
    mapped_call,
    resource_tags,
    tag_context,
    tag_on_create,
)


def _topic_arn(operation: Operation, ledger: Ledger) -> str:
    form = operation.form
    if operation.name == "CreateTopic":
        return f"arn:aws:sns:{operation.region}:{ledger.account}:{form['Name']}"
    return form.get("TopicArn") or form.get("ResourceArn") or "*"


def map_sns(operation: Operation, ledger: Ledger) -> list[MappedCall]:
    action = default_action("sns", operation.name)
    resource = _topic_arn(operation, ledger)
    form = operation.form
    added = form_tags(form)
    context = tag_context(action, added, form_list(form, "TagKeys"))
    if operation.name != "CreateTopic":
        context.update(resource_tags(ledger, resource))
    if operation.name == "Subscribe":
        context.update({"sns:Endpoint": form.get("Endpoint", ""), "sns:Protocol": form["Protocol"]})
    return [
        mapped_call(operation, action, resource, context),
        *tag_on_create(operation, resource, added),
    ]


def learn_sns(operation: Operation, ledger: Ledger) -> None:
    if operation.record.status >= 300:
        return
    resource = _topic_arn(operation, ledger)
    if operation.name in ("CreateTopic", "TagResource"):
        ledger.tag(resource, form_tags(operation.form))
    elif operation.name == "UntagResource":
        ledger.untag(resource, form_list(operation.form, "TagKeys"))
    elif operation.name == "DeleteTopic":
        ledger.forget(resource)
