"""Run a moto server on a port the OS picks, and report that port through a file.

`python -m scribe_local.emulator.moto_launcher <port file>`: binding port 0 leaves no window in
which another process could take the port between choosing and binding it (several servers may run
on one machine). The port file is written atomically once the server listens; SIGTERM stops it.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import string
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from moto.apigatewayv2.models import Api, ApiGatewayV2Backend, DomainName
from moto.awslambda.policy import Policy
from moto.awslambda.responses import LambdaResponse
from moto.moto_api._internal import mock_random
from moto.route53.responses import Route53
from moto.s3.models import FakeBucket, S3Backend
from moto.server import ThreadedMotoServer

from scribe_local.emulator.model_gate import ModelGate


def remove_every_copy(self: Policy, sid: str, revision: str = "") -> None:
    """Lambda RemovePermission that removes every statement with the id, not just the first.

    moto accepts a second AddPermission with an id it already holds (AWS refuses it), so a
    create the provider retried leaves two copies; removing one left the other, and `terraform
    destroy` then waited for the permission to go until it failed. AWS holds one statement per id:
    after a removal none is left, which is what removing every copy gives.
    """
    original_del_statement(self, sid, revision)  # the revision check and the not-found error
    self.statements[:] = [s for s in self.statements if s.get("Sid") != sid]


original_del_statement = Policy.del_statement


def api_with_an_aws_id(self: Api, region: str, *args: object, **kwargs: object) -> None:
    """HTTP API ids of AWS's shape: 10 characters of a-z and 0-9 (moto makes 8 letters).

    The CI identity validates a pinned api_id against AWS's shape, and its policies name ids of
    that length (ten '?'): the emulated ids must have it too.
    """
    original_api_init(self, region, *args, **kwargs)  # type: ignore[arg-type]
    tags = self.backend.tagger.get_tag_dict_for_resource(self.arn)
    self.backend.tagger.delete_all_tags_for_resource(self.arn)
    alphabet = string.ascii_lowercase + string.digits
    self.api_id = "".join(mock_random.choice(alphabet) for _ in range(10))
    self.api_endpoint = f"https://{self.api_id}.execute-api.{region}.amazonaws.com"
    self.arn = f"{self.arn.rsplit('/', 1)[0]}/{self.api_id}"
    self.backend.tag_resource(self.arn, tags)


original_api_init = Api.__init__


# Route 53 hosted zone of API Gateway's regional endpoints, per region (the alias target's zone,
# https://docs.aws.amazon.com/general/latest/gr/apigateway.html); us-east-1's for any other.
REGIONAL_ENDPOINT_ZONES = {
    "us-east-1": "Z1UJRXOUMOOFQ8",
    "us-east-2": "ZOJJZC49E0EPZ",
    "us-west-2": "Z2OJLYMUO9EFXC",
    "eu-west-1": "ZLY8HYME6SFDD",
    "eu-central-1": "Z1U9ULNL0V5AJ3",
}


def domain_with_a_regional_target(
    self: DomainName,
    domain_name: str,
    domain_name_configurations: list[dict[str, str]],
    mutual_tls_authentication: dict[str, str],
    tags: dict[str, str],
    backend: ApiGatewayV2Backend,
) -> None:
    """A custom domain name whose configuration carries what AWS adds to it: the regional target
    (d-<id>.execute-api.<region>.amazonaws.com) and its hosted zone, and the AVAILABLE status.

    moto 5.2.5 keeps the configuration as sent: the provider, which waits for AVAILABLE, would
    wait forever, and alias records would have no target.
    """
    region = backend.region_name
    alphabet = string.ascii_lowercase + string.digits
    completed = [
        {
            "apiGatewayDomainName": "d-"
            + "".join(mock_random.choice(alphabet) for _ in range(10))
            + f".execute-api.{region}.amazonaws.com",
            "hostedZoneId": REGIONAL_ENDPOINT_ZONES.get(
                region, REGIONAL_ENDPOINT_ZONES["us-east-1"]
            ),
            "domainNameStatus": "AVAILABLE",
            **configuration,
        }
        for configuration in domain_name_configurations
    ]
    original_domain_init(self, domain_name, completed, mutual_tls_authentication, tags, backend)


original_domain_init = DomainName.__init__


def domain_json_without_empty_mutual_tls(self: DomainName) -> dict[str, object]:
    """GetDomainName as AWS answers it: no mutualTlsAuthentication unless the domain has one.

    moto answers {} for a domain created without it, which the provider reads as an empty block
    and plans to remove on every plan after the apply.
    """
    answer = original_domain_to_json(self)
    if not answer.get("mutualTlsAuthentication"):
        answer.pop("mutualTlsAuthentication", None)
    return answer


original_domain_to_json = DomainName.to_json


def log_delivery_allowed(target_bucket: FakeBucket, target_prefix: str | None) -> bool:
    """PutBucketLogging's check of the target's policy, past statements whose principal is "*".

    moto reads each statement's Principal as a mapping and fails with a 500 on `"Principal": "*"`
    (the TLS-only deny of every modules/bucket bucket) before it reaches the logging service's
    statement. AWS reads the whole policy: check the statements with a principal mapping.
    """
    if not target_bucket.policy:
        return False
    document = json.loads(target_bucket.policy.decode())
    kept = [s for s in document.get("Statement", []) if isinstance(s.get("Principal"), dict)]
    view = SimpleNamespace(
        policy=json.dumps({**document, "Statement": kept}).encode(),
        partition=target_bucket.partition,
        name=target_bucket.name,
    )
    return bool(original_log_delivery_allowed(view, target_prefix))  # type: ignore[arg-type]


original_log_delivery_allowed = FakeBucket._log_permissions_enabled_policy


def delete_bucket_and_its_tags(self: S3Backend, bucket_name: str) -> FakeBucket | None:
    """S3 DeleteBucket that forgets the bucket's tags with it.

    moto 5.2.5 keeps a bucket's tags in its tagger by ARN after the bucket is deleted, so a
    bucket created again under the name (a stack destroyed and deployed again) has the old tags
    before anyone tags it. AWS's new bucket has none: the old tags hid a run killed between
    CreateBucket and PutBucketTagging, which leaves an untagged bucket.
    """
    deleted = original_delete_bucket(self, bucket_name)
    if deleted is not None:
        self.tagger.delete_all_tags_for_resource(deleted.arn)
    return deleted


original_delete_bucket = S3Backend.delete_bucket


# A create the client retries within this many seconds, identical, is the same create.
LOST_ANSWER_WINDOW_S = 1.0
# (service, ..., digest of the request) -> when it was first answered, that answer
_answers: dict[tuple[str, ...], tuple[float, Any]] = {}
_answers_lock = threading.Lock()


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def answered_once(
    key_of: Callable[[Any], tuple[str, ...]], still_there: Callable[[Any], bool]
) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    """A create whose identical retry, within LOST_ANSWER_WINDOW_S, gets the first answer.

    Under load this threaded server sometimes loses an answer it sent: its log shows the 201 of
    CreateFunction and, in the same second, the client's identical retry answered 409 (the
    provider retries that conflict for 5 minutes, then fails the apply: test_concurrency's and
    examples/multi-tenant's applies); Route 53's ChangeResourceRecordSets retried the same way
    fails with "already exists" (examples/complete's alias records). AWS does not lose its
    answers to this server's defect; a retry that differs, comes later, or follows a reset
    (still_there: the resource it made is gone) is answered as before.
    """

    def wrap(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def handler(self: Any) -> Any:
            key = key_of(self)
            with _answers_lock:
                when, answer = _answers.get(key, (0.0, None))
                recent = time.monotonic() - when < LOST_ANSWER_WINDOW_S
                if answer is not None and recent and still_there(self):
                    return answer
                answer = original(self)
                _answers[key] = (time.monotonic(), answer)
                return answer

        return handler

    return wrap


def _function_create(response: LambdaResponse) -> tuple[str, ...]:
    spec = response.json_body
    name = str(spec.get("FunctionName", "")).rsplit(":", 1)[-1]
    backend = response.backend
    return ("lambda", backend.account_id, backend.region_name, name, _digest(spec))


def _function_exists(response: LambdaResponse) -> bool:
    name = str(response.json_body.get("FunctionName", "")).rsplit(":", 1)[-1]
    return name in response.backend._lambdas._functions


def _record_change(response: Route53) -> tuple[str, ...]:
    zone = str(response._get_param("HostedZoneId"))
    changes = response._get_param("ChangeBatch.Changes")
    return ("route53", response.backend.account_id, zone, _digest(changes))


def _zone_exists(response: Route53) -> bool:
    zone = str(response._get_param("HostedZoneId")).replace("/hostedzone/", "")
    return zone in response.backend.zones


original_create_function = LambdaResponse.create_function
original_change_records = Route53.change_resource_record_sets


def main() -> int:
    Policy.del_statement = remove_every_copy  # type: ignore[method-assign]
    LambdaResponse.create_function = answered_once(_function_create, _function_exists)(  # type: ignore[method-assign,assignment]
        original_create_function
    )
    Route53.change_resource_record_sets = answered_once(_record_change, _zone_exists)(  # type: ignore[method-assign,assignment]
        original_change_records
    )
    Api.__init__ = api_with_an_aws_id  # type: ignore[method-assign]
    DomainName.__init__ = domain_with_a_regional_target  # type: ignore[method-assign]
    DomainName.to_json = domain_json_without_empty_mutual_tls  # type: ignore[method-assign]
    FakeBucket._log_permissions_enabled_policy = staticmethod(log_delivery_allowed)  # type: ignore[method-assign]
    S3Backend.delete_bucket = delete_bucket_and_its_tags  # type: ignore[method-assign]
    port_file = Path(sys.argv[1])
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    wsgi = server._server
    assert wsgi is not None
    wsgi.app = ModelGate(wsgi.app)  # every request checked against AWS's model (model_gate.py)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    tmp = port_file.with_suffix(".tmp")
    tmp.write_text(str(server.get_host_and_port()[1]))
    os.replace(tmp, port_file)
    stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
