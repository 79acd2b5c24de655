"""CloudWatch (metrics and alarms)."""

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


def map_cloudwatch(operation: Operation, ledger: Ledger) -> list[MappedCall]:
    action = default_action("cloudwatch", operation.name)
    form = operation.form
    names = [form["AlarmName"]] if "AlarmName" in form else []
    names += form_list(form, "AlarmNames")
    arns = [_alarm_arn(operation, ledger, name) for name in names]
    arns += [form["ResourceARN"]] if "ResourceARN" in form else []
    if not arns:
        return [mapped_call(operation, action, "*")]
    added = form_tags(form)
    context = tag_context(action, added, form_list(form, "TagKeys"))
    actions = form_list(form, "AlarmActions")
    if operation.name == "PutMetricAlarm" and actions:
        context["cloudwatch:AlarmActions"] = actions  # its alarm actions only (the SAR's key)
    calls = []
    for arn in arns:
        known = {} if operation.name == "PutMetricAlarm" else resource_tags(ledger, arn)
        calls.append(mapped_call(operation, action, arn, {**context, **known}))
        calls += tag_on_create(operation, arn, added)
    return calls


def _alarm_arn(operation: Operation, ledger: Ledger, name: str) -> str:
    return f"arn:aws:cloudwatch:{operation.region}:{ledger.account}:alarm:{name}"


def learn_cloudwatch(operation: Operation, ledger: Ledger) -> None:
    if operation.record.status >= 300:
        return
    form = operation.form
    if operation.name == "PutMetricAlarm":
        ledger.tag(_alarm_arn(operation, ledger, form["AlarmName"]), form_tags(form))
    elif operation.name == "DeleteAlarms":
        for name in form_list(form, "AlarmNames"):
            ledger.forget(_alarm_arn(operation, ledger, name))
