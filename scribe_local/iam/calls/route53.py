"""Route 53 (REST-XML, global): hosted zones and changes; record changes carry their names."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from scribe_local.aws.operations import Operation
from scribe_local.aws.record import Record
from scribe_local.iam.calls.core import (
    Context,
    Ledger,
    MappedCall,
    child_element,
    default_action,
    element_text,
    local_name,
    mapped_call,
)


def map_route53(operation: Operation, ledger: Ledger) -> list[MappedCall]:
    action = default_action("route53", operation.name)
    zone = operation.text("HostedZoneId") or operation.text("Id")
    if operation.name == "GetChange" and zone:
        return [
            mapped_call(operation, action, f"arn:aws:route53:::change/{zone.rsplit('/', 1)[-1]}")
        ]
    if not zone:
        return [mapped_call(operation, action, "*")]
    resource = f"arn:aws:route53:::hostedzone/{zone.rsplit('/', 1)[-1]}"
    context: Context = {}
    if operation.name == "ChangeResourceRecordSets":
        context = _record_changes(operation.record)
    return [mapped_call(operation, action, resource, context)]


def _record_changes(record: Record) -> Context:
    """What AWS supplies of a change batch (Route 53 Developer Guide, "Using IAM policy
    conditions for fine-grained access control"): each change's action, its record name
    normalized (lower case, no final dot) and type, in the batch's order."""
    try:
        root = ElementTree.fromstring(record.body.text())  # noqa: S314 (our own recording)
    except ElementTree.ParseError:
        return {}
    changes = [item for item in root.iter() if local_name(item.tag) == "Change"]
    actions, names, types = [], [], []
    for change in changes:
        rrset = child_element(change, "ResourceRecordSet")
        actions.append(element_text(child_element(change, "Action")) or "")
        names.append(
            (element_text(child_element(rrset, "Name")) if rrset is not None else "") or ""
        )
        types.append(
            (element_text(child_element(rrset, "Type")) if rrset is not None else "") or ""
        )
    return {
        "route53:ChangeResourceRecordSetsActions": actions,
        "route53:ChangeResourceRecordSetsNormalizedRecordNames": [
            name.lower().rstrip(".") for name in names
        ],
        "route53:ChangeResourceRecordSetsRecordTypes": types,
    }
