"""S3: bucket and object operations, path-style; versions, extra headers, listings."""

from __future__ import annotations

import urllib.parse
import xml.etree.ElementTree as ElementTree
from dataclasses import replace

from scribe_local.aws.operations import Operation
from scribe_local.iam.calls import core

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


def map_s3(operation: Operation, ledger: core.Ledger) -> list[core.MappedCall]:
    """Every S3 authorization carries s3:ResourceAccount, the account that owns the bucket
    (every bucket the tests reach is the recording account's)."""
    return [
        replace(call, context={**call.context, "s3:ResourceAccount": ledger.account})
        if call.mapped and call.action.startswith("s3:") and call.resource != "*"
        else call
        for call in _s3_calls(operation)
    ]


def _s3_calls(operation: Operation) -> list[core.MappedCall]:
    name = operation.name
    action = core.default_action("s3", name)
    if not action:
        return [core.unmapped(operation.record, operation.call, "the SAR has no action for it")]
    bucket = operation.text("Bucket")
    key = operation.text("Key")
    if name in S3_STAR_OPERATIONS:
        return [core.mapped_call(operation, action, "*")]
    if bucket is None:
        return [core.unmapped(operation.record, operation.call, "no bucket in the request")]
    if name == "DeleteObjects":
        return _s3_delete_objects(operation, bucket)
    resource = f"arn:aws:s3:::{bucket}/{key}" if key is not None else f"arn:aws:s3:::{bucket}"
    versioned = "VersionId" in operation.params
    context: core.Context = {}
    prefix, max_keys = operation.text("Prefix"), operation.text("MaxKeys")
    if name in S3_LIST_WITH_PREFIX and prefix:
        context["s3:prefix"] = prefix
    if name in S3_LIST_WITH_PREFIX and max_keys:  # a Numeric key, compared as a number
        context["s3:max-keys"] = max_keys
    if name == "DeleteObject" and versioned:
        calls = [core.mapped_call(operation, each, resource) for each in VERSIONED_DELETE]
    else:
        chosen = VERSIONED_ACTIONS.get(action, action) if versioned else action
        calls = [core.mapped_call(operation, chosen, resource, context)]
    return calls + _s3_extras(operation, bucket, resource)


def _s3_extras(operation: Operation, bucket: str, resource: str) -> list[core.MappedCall]:
    """The other actions a request needs: copy source, tagging/ACL headers, a 404 check."""
    extras: list[core.MappedCall] = []
    name, record = operation.name, operation.record
    source = operation.text("CopySource")
    if source:
        extras.append(_s3_copy_source(operation, source))
    if name in S3_OBJECT_WRITES:
        for header, action in S3_WRITE_HEADER_ACTIONS.items():
            if record.header(header) is not None:
                extras.append(core.mapped_call(operation, action, resource, why=f"{header} header"))
    if name == "CreateBucket":
        for header, (harmless, actions) in S3_CREATE_BUCKET_HEADER_ACTIONS.items():
            value = record.header(header)
            if value is not None and value.strip().lower() not in harmless:
                extras += [
                    core.mapped_call(operation, a, resource, why=f"{header} header")
                    for a in actions
                ]
    if (
        name in S3_NOT_FOUND_CHECKS
        and record.status == 404
        and "NoSuchBucket" not in (record.response_body.text())
    ):
        # AWS answers 403 instead of 404 unless the caller may list the bucket; no s3:prefix.
        why = "404 needs s3:ListBucket"
        extras.append(
            core.mapped_call(operation, "s3:ListBucket", f"arn:aws:s3:::{bucket}", why=why)
        )
    return core.unique(extras)


def _s3_copy_source(operation: Operation, source: str) -> core.MappedCall:
    path, _, query = urllib.parse.unquote(source).partition("?")
    resource = "arn:aws:s3:::" + path.lstrip("/")
    versioned = "versionId=" in query
    action = "s3:GetObjectVersion" if versioned else "s3:GetObject"
    return core.mapped_call(operation, action, resource, why="copy source")


def _s3_delete_objects(operation: Operation, bucket: str) -> list[core.MappedCall]:
    """DeleteObjects is authorized per key, as a DeleteObject (and version delete) of each."""
    record = operation.record
    if record.body.truncated:
        return [core.unmapped(record, operation.call, "the request body was truncated")]
    try:
        root = ElementTree.fromstring(record.body.text())  # noqa: S314 (our own recorded request)
    except ElementTree.ParseError:
        return [core.unmapped(record, operation.call, "the request body is not XML")]
    calls: list[core.MappedCall] = []
    for item in root.iter():
        if core.local_name(item.tag) != "Object":
            continue
        key = next((c.text or "" for c in item if core.local_name(c.tag) == "Key"), None)
        versioned = any(core.local_name(c.tag) == "VersionId" for c in item)
        if key is None:
            continue
        resource = f"arn:aws:s3:::{bucket}/{key}"
        actions = VERSIONED_DELETE if versioned else ("s3:DeleteObject",)
        calls += [
            core.mapped_call(operation, action, resource, why="per key") for action in actions
        ]
    return calls or [core.unmapped(record, operation.call, "no object in the request")]
