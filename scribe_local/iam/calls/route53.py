"""Route 53 (REST-XML, global): hosted zones and changes; record changes carry their names."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from scribe_local.aws.operations import Operation
from scribe_local.aws.record import Record
from scribe_local.iam.calls import core


def map_route53(operation: Operation, ledger: core.Ledger) -> list[core.MappedCall]:
    action = core.default_action("route53", operation.name)
    zone = operation.text("HostedZoneId") or operation.text("Id")
    if operation.name == "GetChange" and zone:
        return [
            core.mapped_call(
                operation, action, f"arn:aws:route53:::change/{zone.rsplit('/', 1)[-1]}"
            )
        ]
    if not zone:
        return [core.mapped_call(operation, action, "*")]
    resource = f"arn:aws:route53:::hostedzone/{zone.rsplit('/', 1)[-1]}"
    context: core.Context = {}
    if operation.name == "ChangeResourceRecordSets":
        context = _record_changes(operation.record)
    return [core.mapped_call(operation, action, resource, context)]


def _record_changes(record: Record) -> core.Context:
    """What AWS supplies of a change batch (Route 53 Developer Guide, "Using IAM policy
    conditions for fine-grained access control"): each change's action, its record name
    normalized (lower case, no final dot) and type, in the batch's order."""
    try:
        root = ElementTree.fromstring(record.body.text())  # noqa: S314 (our own recording)
    except ElementTree.ParseError:
        return {}
    changes = [item for item in root.iter() if core.local_name(item.tag) == "Change"]
    actions, names, types = [], [], []
    for change in changes:
        rrset = core.child_element(change, "ResourceRecordSet")
        actions.append(core.element_text(core.child_element(change, "Action")) or "")
        names.append(
            (core.element_text(core.child_element(rrset, "Name")) if rrset is not None else "")
            or ""
        )
        types.append(
            (core.element_text(core.child_element(rrset, "Type")) if rrset is not None else "")
            or ""
        )
    return {
        "route53:ChangeResourceRecordSetsActions": actions,
        "route53:ChangeResourceRecordSetsNormalizedRecordNames": [
            name.lower().rstrip(".") for name in names
        ],
        "route53:ChangeResourceRecordSetsRecordTypes": types,
    }
