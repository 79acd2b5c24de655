"""ACM (JSON): certificates by generated ARN, told apart by their tags."""

from __future__ import annotations

from scribe_local.aws.operations import Operation
from scribe_local.iam.calls import core


def _certificate_arn(operation: Operation) -> str | None:
    """The certificate a request acts on, or the one RequestCertificate made (its answer)."""
    if operation.name == "RequestCertificate":
        answer = operation.response_json()
        return answer.get("CertificateArn") if isinstance(answer, dict) else None
    return operation.text("CertificateArn")


def map_acm(operation: Operation, ledger: core.Ledger) -> list[core.MappedCall]:
    action = core.default_action("acm", operation.name)
    added = core.tag_map(operation.params.get("Tags"))
    removed = [tag["Key"] for tag in operation.params.get("Tags") or [] if isinstance(tag, dict)]
    is_untag = operation.name == "RemoveTagsFromCertificate"
    context = core.tag_context(action, {} if is_untag else added, removed if is_untag else ())
    if operation.name == "RequestCertificate":
        names = [
            operation.params["DomainName"],
            *operation.params.get("SubjectAlternativeNames", []),
        ]
        context["acm:DomainNames"] = list(dict.fromkeys(names))
        context["acm:ValidationMethod"] = operation.params.get("ValidationMethod", "EMAIL")
        created = _certificate_arn(operation)
        tagged = core.tag_on_create(operation, created, added) if created else []
        return [core.mapped_call(operation, action, "*", context), *tagged]
    resource = _certificate_arn(operation) or "*"
    context.update(core.resource_tags(ledger, resource))
    return [core.mapped_call(operation, action, resource, context)]


def learn_acm(operation: Operation, ledger: core.Ledger) -> None:
    resource = _certificate_arn(operation)
    if operation.record.status >= 300 or resource is None:
        return
    tags = core.tag_map(operation.params.get("Tags"))
    if operation.name in ("RequestCertificate", "AddTagsToCertificate"):
        ledger.tag(resource, tags)
    elif operation.name == "RemoveTagsFromCertificate":
        ledger.untag(resource, list(tags))
    elif operation.name == "ListTagsForCertificate":
        answer = operation.response_json()
        if isinstance(answer, dict):
            ledger.tags[resource] = core.tag_map(answer.get("Tags"))
    elif operation.name == "DeleteCertificate":
        ledger.forget(resource)
