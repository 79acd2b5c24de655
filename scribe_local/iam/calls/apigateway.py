"""API Gateway (HTTP APIs, v2; REST APIs, v1): apigateway:<METHOD> on the request's path."""

from __future__ import annotations

import urllib.parse

from scribe_local.aws.operations import Operation
from scribe_local.aws.record import Record
from scribe_local.iam.calls import core
from scribe_local.iam.calls.tables import TAG_ON_CREATE


def apigateway_arn(region: str, path: str) -> str:
    return f"arn:aws:apigateway:{region}::{path}"


def apigateway_path(record: Record) -> str:
    """The IAM resource path: the wire path without /v2, segments decoded, except that the ARN
    in /tags/<arn> stays URL-encoded (as AWS documents the tags resource)."""
    raw = record.path.removeprefix("/v2") if record.path.startswith("/v2/") else record.path
    segments = raw.rstrip("/").split("/")
    if len(segments) >= 3 and segments[1] == "tags":
        arn = urllib.parse.unquote("/".join(segments[2:]))
        return "/tags/" + urllib.parse.quote(arn, safe="")
    return "/".join(urllib.parse.unquote(segment) for segment in segments) or "/"


def map_apigateway(operation: Operation, ledger: core.Ledger) -> list[core.MappedCall]:
    record = operation.record
    action = f"apigateway:{record.method}"
    path = apigateway_path(record)
    resource = apigateway_arn(operation.region, path)
    added = core.tag_map(operation.params.get("Tags"))
    removed = operation.params.get("TagKeys") or []
    context = core.tag_context(action, added, removed)
    if not path.startswith("/tags/") and record.method != "POST":
        context.update(core.resource_tags(ledger, resource))
    context.update(_access_log_context(operation))
    calls = [core.mapped_call(operation, action, resource, context)]
    created = _apigateway_created(operation)
    tag_action = TAG_ON_CREATE.get(operation.call)
    if tag_action and added and created:
        tags_resource = apigateway_arn(
            operation.region, "/tags/" + urllib.parse.quote(created, safe="")
        )
        extra = core.tag_context(tag_action, added)
        calls.append(
            core.mapped_call(operation, tag_action, tags_resource, extra, why="tag on create")
        )
    return calls


def _access_log_context(operation: Operation) -> core.Context:
    """CreateStage and UpdateStage: AWS supplies the access-log settings they ask for."""
    settings = operation.params.get("AccessLogSettings")
    if operation.name not in ("CreateStage", "UpdateStage") or not isinstance(settings, dict):
        return {}
    keys = {  # the nested members keep their wire names (destinationArn, format)
        "destinationArn": "apigateway:Request/AccessLoggingDestination",
        "format": "apigateway:Request/AccessLoggingFormat",
    }
    return {key: str(settings[member]) for member, key in keys.items() if settings.get(member)}


def _apigateway_created(operation: Operation) -> str | None:
    """The ARN of the API or stage a create made, from its answer."""
    answer = operation.response_json()
    if not isinstance(answer, dict) or operation.record.status >= 300:
        return None
    region = operation.region
    if operation.name == "CreateApi" and answer.get("apiId"):
        return apigateway_arn(region, f"/apis/{answer['apiId']}")
    if operation.name == "CreateStage" and answer.get("stageName"):
        api = operation.text("ApiId")
        return apigateway_arn(region, f"/apis/{api}/stages/{answer['stageName']}")
    if operation.name == "CreateDomainName" and answer.get("domainName"):
        return apigateway_arn(region, f"/domainnames/{answer['domainName']}")
    return None


def learn_apigateway(operation: Operation, ledger: core.Ledger) -> None:
    record = operation.record
    if record.status >= 300:
        return
    created = _apigateway_created(operation)
    if created:
        ledger.tags[created] = core.tag_map(operation.params.get("Tags"))
        return
    path = apigateway_path(record)
    resource = apigateway_arn(operation.region, path)
    answer = operation.response_json()
    if path.startswith("/tags/"):
        target = urllib.parse.unquote(path.removeprefix("/tags/"))
        if record.method == "GET" and isinstance(answer, dict):
            ledger.tags[target] = core.tag_map(answer.get("tags"))
        elif record.method == "POST":
            ledger.tag(target, core.tag_map(operation.params.get("Tags")))
        elif record.method == "DELETE":
            ledger.untag(target, operation.params.get("TagKeys") or [])
        return
    if record.method == "GET" and isinstance(answer, dict) and "tags" in answer:
        ledger.tags[resource] = core.tag_map(answer.get("tags"))
    elif record.method == "DELETE":
        ledger.forget(resource)
