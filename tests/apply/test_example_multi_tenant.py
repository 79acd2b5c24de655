"""examples/multi-tenant applied: one shared bucket, a writer and an API per tenant (for_each);
each tenant's texts land under its own prefix, and each API keeps its own authorization."""

from __future__ import annotations

import json
from pathlib import Path

from scribe_local.emulator.moto_server import MotoServer, moto_client
from tests import terraform_harness as h
from tests.apply.conftest import http, put_resources, serving

TEXT = {"Content-Type": "text/plain"}
TENANTS = {"alpha": {}, "beta": {"authorization_type": "NONE"}}


def test_multi_tenant_example_keeps_tenants_apart(
    tmp_path: Path, moto: MotoServer, package_zip: Path, terraform_ready: None
) -> None:
    tf = h.module(tmp_path, "examples/multi-tenant", moto.url)
    values = {
        "region": "us-east-1",
        "package_path": str(package_zip),
        "tenants": TENANTS,
        "force_destroy": True,
    }
    tf.apply(auto_approve=True, tf_vars=h.tf_vars(values))
    try:
        outputs = tf.output()
        bucket = outputs["bucket_name"]
        assert bucket == "scribe-tenants-123456789012-us-east-1"
        assert outputs["key_prefixes"] == {"alpha": "tenants/alpha/", "beta": "tenants/beta/"}
        var_args = ["-var=region=us-east-1", f"-var=package_path={package_zip}"]
        var_args += [f"-var=tenants={json.dumps(TENANTS)}", "-var=force_destroy=true"]
        assert h.detailed_exitcode(tf, *var_args) == 0
        s3 = moto_client("s3", moto.url)
        # The example keeps the TLS-only bucket policy (secure default). moto serves plain HTTP,
        # so that policy rightly refuses every write: drop it here, after the no-change plan.
        assert "aws:SecureTransport" in s3.get_bucket_policy(Bucket=bucket)["Policy"]
        s3.delete_bucket_policy(Bucket=bucket)
        answers = {}
        for tenant, api_id in outputs["api_ids"].items():
            with serving(moto, api_id, package_zip, tmp_path / f"{tenant}.log") as gateway:
                answers[tenant] = http("POST", f"{gateway.url}/note.txt", tenant.encode(), TEXT)
        assert answers["alpha"].status == 403  # AWS_IAM: an unsigned request is refused
        assert answers["beta"].status == 201, answers["beta"].body
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
        assert keys == ["tenants/beta/note.txt"]
        lam = moto_client("lambda", moto.url)
        prefixes = {
            name: lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"][
                "KEY_PREFIX"
            ]
            for name in outputs["function_names"].values()
        }
        assert prefixes == {
            "scribe-tenants-alpha": "tenants/alpha/",
            "scribe-tenants-beta": "tenants/beta/",
        }
        for tenant, function in outputs["function_names"].items():
            assert put_resources(moto, f"{function}-role") == [
                f"arn:aws:s3:::{bucket}/tenants/{tenant}/*"
            ]
        api = moto_client("apigatewayv2", moto.url)
        authorization = {
            tenant: {r["AuthorizationType"] for r in api.get_routes(ApiId=api_id)["Items"]}
            for tenant, api_id in outputs["api_ids"].items()
        }
        assert authorization == {"alpha": {"AWS_IAM"}, "beta": {"NONE"}}
    finally:
        tf.destroy(auto_approve=True, tf_vars=h.tf_vars(values))
    assert moto_client("s3", moto.url).list_buckets()["Buckets"] == []
