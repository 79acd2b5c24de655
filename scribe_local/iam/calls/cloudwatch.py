"""CloudWatch (metrics and alarms)."""

from __future__ import annotations

from scribe_local.aws.operations import Operation
from scribe_local.iam.calls import core


def map_cloudwatch(operation: Operation, ledger: core.Ledger) -> list[core.MappedCall]:
    action = core.default_action("cloudwatch", operation.name)
    form = operation.form
    names = [form["AlarmName"]] if "AlarmName" in form else []
    names += core.form_list(form, "AlarmNames")
    arns = [_alarm_arn(operation, ledger, name) for name in names]
    arns += [form["ResourceARN"]] if "ResourceARN" in form else []
    if not arns:
        return [core.mapped_call(operation, action, "*")]
    added = core.form_tags(form)
    context = core.tag_context(action, added, core.form_list(form, "TagKeys"))
    actions = core.form_list(form, "AlarmActions")
    if operation.name == "PutMetricAlarm" and actions:
        context["cloudwatch:AlarmActions"] = actions  # its alarm actions only (the SAR's key)
    calls = []
    for arn in arns:
        known = {} if operation.name == "PutMetricAlarm" else core.resource_tags(ledger, arn)
        calls.append(core.mapped_call(operation, action, arn, {**context, **known}))
        calls += core.tag_on_create(operation, arn, added)
    return calls


def _alarm_arn(operation: Operation, ledger: core.Ledger, name: str) -> str:
    return f"arn:aws:cloudwatch:{operation.region}:{ledger.account}:alarm:{name}"


def learn_cloudwatch(operation: Operation, ledger: core.Ledger) -> None:
    if operation.record.status >= 300:
        return
    form = operation.form
    if operation.name == "PutMetricAlarm":
        ledger.tag(_alarm_arn(operation, ledger, form["AlarmName"]), core.form_tags(form))
    elif operation.name == "DeleteAlarms":
        for name in core.form_list(form, "AlarmNames"):
            ledger.forget(_alarm_arn(operation, ledger, name))
