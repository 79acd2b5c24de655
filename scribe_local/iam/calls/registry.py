"""The registry: which module maps (and learns from) which service, and the entry points
`iam_requests` (one record) and `map_records` (a run, in order)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from scribe_local.aws.operations import Operation, identify
from scribe_local.aws.record import Record
from scribe_local.iam.calls.acm import learn_acm, map_acm
from scribe_local.iam.calls.apigateway import learn_apigateway, map_apigateway
from scribe_local.iam.calls.awslambda import learn_lambda, map_lambda
from scribe_local.iam.calls.cloudwatch import learn_cloudwatch, map_cloudwatch
from scribe_local.iam.calls.core import (
    CallMap,
    Ledger,
    MappedCall,
    learn_nothing,
    map_generic,
    unidentified,
    unmapped,
)
from scribe_local.iam.calls.iam import learn_iam, map_iam
from scribe_local.iam.calls.logs import learn_logs, map_logs
from scribe_local.iam.calls.route53 import map_route53
from scribe_local.iam.calls.s3 import map_s3
from scribe_local.iam.calls.sns import learn_sns, map_sns
from scribe_local.iam.calls.sts import learn_sts, map_sts


def iam_requests(record: Record, ledger: Ledger | None = None) -> list[MappedCall]:
    """The IAM requests AWS authorizes for one record; updates the ledger (records in order)."""
    ledger = ledger if ledger is not None else Ledger()
    if record.path.startswith("/moto-api"):
        return []
    operation = identify(record)
    if operation is None:
        return [unmapped(record, unidentified(record), "no service model explains it")]
    mapper = MAPPERS.get(operation.service, map_generic)
    calls = mapper(operation, ledger)
    LEARNERS.get(operation.service, learn_nothing)(operation, ledger)
    return calls


def map_records(records: Iterable[Record], ledger: Ledger | None = None) -> CallMap:
    """Every record of a run mapped, in order, through one ledger."""
    ledger = ledger if ledger is not None else Ledger()
    ordered = sorted(records, key=lambda record: record.seq)
    return CallMap([call for record in ordered for call in iam_requests(record, ledger)])


Mapper = Callable[[Operation, Ledger], list[MappedCall]]

Learner = Callable[[Operation, Ledger], None]

MAPPERS: dict[str, Mapper] = {
    "s3": map_s3,
    "lambda": map_lambda,
    "logs": map_logs,
    "iam": map_iam,
    "sts": map_sts,
    "apigatewayv2": map_apigateway,
    "apigateway": map_apigateway,
    "cloudwatch": map_cloudwatch,
    "sns": map_sns,
    "acm": map_acm,
    "route53": map_route53,
}

LEARNERS: dict[str, Learner] = {
    "lambda": learn_lambda,
    "logs": learn_logs,
    "iam": learn_iam,
    "sts": learn_sts,
    "apigatewayv2": learn_apigateway,
    "cloudwatch": learn_cloudwatch,
    "sns": learn_sns,
    "acm": learn_acm,
}
