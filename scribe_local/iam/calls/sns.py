"""SNS (query protocol): topics by ARN, created by name."""

from __future__ import annotations

from scribe_local.aws.operations import Operation
from scribe_local.iam.calls import core


def _topic_arn(operation: Operation, ledger: core.Ledger) -> str:
    form = operation.form
    if operation.name == "CreateTopic":
        return f"arn:aws:sns:{operation.region}:{ledger.account}:{form['Name']}"
    return form.get("TopicArn") or form.get("ResourceArn") or "*"


def map_sns(operation: Operation, ledger: core.Ledger) -> list[core.MappedCall]:
    action = core.default_action("sns", operation.name)
    resource = _topic_arn(operation, ledger)
    form = operation.form
    added = core.form_tags(form)
    context = core.tag_context(action, added, core.form_list(form, "TagKeys"))
    if operation.name != "CreateTopic":
        context.update(core.resource_tags(ledger, resource))
    if operation.name == "Subscribe":
        context.update({"sns:Endpoint": form.get("Endpoint", ""), "sns:Protocol": form["Protocol"]})
    return [
        core.mapped_call(operation, action, resource, context),
        *core.tag_on_create(operation, resource, added),
    ]


def learn_sns(operation: Operation, ledger: core.Ledger) -> None:
    if operation.record.status >= 300:
        return
    resource = _topic_arn(operation, ledger)
    if operation.name in ("CreateTopic", "TagResource"):
        ledger.tag(resource, core.form_tags(operation.form))
    elif operation.name == "UntagResource":
        ledger.untag(resource, core.form_list(operation.form, "TagKeys"))
    elif operation.name == "DeleteTopic":
        ledger.forget(resource)
