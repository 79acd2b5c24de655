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

Where each part lives (one module per service, one registry):

    tables.py      the mapping decisions that are data and concern several services
    core.py        MappedCall, CallMap, Ledger; what every service module shares (building a
                   MappedCall, the default action, tags, the query and XML protocols)
    s3.py, awslambda.py, logs.py, iam.py, sts.py, apigateway.py, cloudwatch.py, sns.py,
    acm.py, route53.py
                   one service each: its resource ARNs, its own tables, what the ledger learns
    registry.py    service -> mapper and learner; iam_requests and map_records
"""

from __future__ import annotations

from scribe_local.iam.calls.awslambda import LAMBDA_STAR_OPERATIONS
from scribe_local.iam.calls.core import CallMap, Ledger, MappedCall, default_action, iam_prefix
from scribe_local.iam.calls.iam import PERMISSIONS_BOUNDARY_ACTIONS, POLICY_ARN_ACTIONS
from scribe_local.iam.calls.registry import iam_requests, map_records
from scribe_local.iam.calls.s3 import (
    S3_CREATE_BUCKET_HEADER_ACTIONS,
    S3_STAR_OPERATIONS,
    S3_WRITE_HEADER_ACTIONS,
    VERSIONED_ACTIONS,
    VERSIONED_DELETE,
)
from scribe_local.iam.calls.tables import (
    ACTIONS,
    NO_IAM_ACTION,
    NOT_AUTHORIZED,
    REQUEST_TAG_ACTIONS,
    TAG_ON_CREATE,
    UNTAG_ACTIONS,
)

__all__ = [
    "ACTIONS",
    "LAMBDA_STAR_OPERATIONS",
    "NOT_AUTHORIZED",
    "NO_IAM_ACTION",
    "PERMISSIONS_BOUNDARY_ACTIONS",
    "POLICY_ARN_ACTIONS",
    "REQUEST_TAG_ACTIONS",
    "S3_CREATE_BUCKET_HEADER_ACTIONS",
    "S3_STAR_OPERATIONS",
    "S3_WRITE_HEADER_ACTIONS",
    "TAG_ON_CREATE",
    "UNTAG_ACTIONS",
    "VERSIONED_ACTIONS",
    "VERSIONED_DELETE",
    "CallMap",
    "Ledger",
    "MappedCall",
    "default_action",
    "iam_prefix",
    "iam_requests",
    "map_records",
]
