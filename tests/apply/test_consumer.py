"""A consumer outside the root: its own provider block, two writers via for_each; plan and apply."""

from __future__ import annotations

from pathlib import Path

from scribe_local.moto_server import MotoServer, moto_client
from tests import terraform_harness as h

FIXTURE = "tests/fixtures/consumer"


def test_consumer_plans_and_applies_two_instances(
    tmp_path: Path, moto: MotoServer, package_zip: Path, terraform_ready: None
) -> None:
    tf = h.module(tmp_path, FIXTURE, moto.url)
    values = {"package_path": str(package_zip)}
    resources = h.plan_resources(tf, values)
    functions = sorted(
        r["function_name"] for a, r in resources.items() if a.endswith("aws_lambda_function.this")
    )
    assert functions == ["consumer-alpha-writer", "consumer-beta-writer"]
    tf.apply(auto_approve=True, tf_vars=h.tf_vars(values))
    try:
        outputs = tf.output()
        assert sorted(outputs["bucket_names"]) == ["alpha", "beta"]
        assert all(url.startswith("https://") for url in outputs["api_urls"].values())
        lam = moto_client("lambda", moto.url)
        env = {
            name: lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
            for name in functions
        }
        assert env["consumer-alpha-writer"]["KEY_PREFIX"] == "alpha/"
        assert env["consumer-beta-writer"]["BUCKET_NAME"] == "consumer-beta-texts"
        assert h.detailed_exitcode(tf, f"-var=package_path={package_zip}") == 0
    finally:
        tf.destroy(auto_approve=True, tf_vars=h.tf_vars(values))
    buckets = [b["Name"] for b in moto_client("s3", moto.url).list_buckets()["Buckets"]]
    assert buckets == []
