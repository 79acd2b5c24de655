"""ACM (JSON): certificates by generated ARN, told apart by their tags."""

from __future__ import annotations

from scribe_local.aws.operations import Operation
from scribe_local.iam.calls.core import (
    Ledger,
    MappedCall,
    default_action,
    mapped_call,
    resource_tags,
    tag_context,
    tag_map,
    tag_on_create,
)


def _certificate_arn(operation: Operation) -> str | None:
    """The certificate a request acts on, or the one RequestCertificate made (its answer)."""
    if operation.name == "RequestCertificate":
        answer = operation.response_json()
        return answer.get("CertificateArn") if isinstance(answer, dict) else None
    return operation.text("CertificateArn")


def map_acm(operation: Operation, ledger: Ledger) -> list[MappedCall]:
    action = default_action("acm", operation.name)
    added = tag_map(operation.params.get("Tags"))
    removed = [tag["Key"] for tag in operation.params.get("Tags") or [] if isinstance(tag, dict)]
    is_untag = operation.name == "RemoveTagsFromCertificate"
    context = tag_context(action, {} if is_untag else added, removed if is_untag else ())
    if operation.name == "RequestCertificate":
        names = [
            operation.params["DomainName"],
            *operation.params.get("SubjectAlternativeNames", []),
        ]
        context["acm:DomainNames"] = list(dict.fromkeys(names))
        context["acm:ValidationMethod"] = operation.params.get("ValidationMethod", "EMAIL")
        created = _certificate_arn(operation)
        tagged = tag_on_create(operation, created, added) if created else []
        return [mapped_call(operation, action, "*", context), *tagged]
    resource = _certificate_arn(operation) or "*"
    context.update(resource_tags(ledger, resource))
    return [mapped_call(operation, action, resource, context)]


def learn_acm(operation: Operation, ledger: Ledger) -> None:
    resource = _certificate_arn(operation)
    if operation.record.status >= 300 or resource is None:
        return
    tags = tag_map(operation.params.get("Tags"))
    if operation.name in ("RequestCertificate", "AddTagsToCertificate"):
        ledger.tag(resource, tags)
    elif operation.name == "RemoveTagsFromCertificate":
        ledger.untag(resource, list(tags))
    elif operation.name == "ListTagsForCertificate":
        answer = operation.response_json()
        if isinstance(answer, dict):
            ledger.tags[resource] = tag_map(answer.get("Tags"))
    elif operation.name == "DeleteCertificate":
        ledger.forget(resource)
