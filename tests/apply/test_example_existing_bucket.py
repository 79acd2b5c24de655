"""examples/existing-bucket applied: texts land in a bucket the consumer owns, under the example's
prefix; destroy removes the writer and the API and leaves the bucket and its objects alone."""

from __future__ import annotations

from pathlib import Path

from scribe_local.emulator.moto_server import MotoServer, moto_client
from tests import terraform_harness as h
from tests.apply.conftest import http, put_resources, serving

BUCKET = "team-owned-texts"


def test_existing_bucket_example_writes_into_the_owned_bucket_and_leaves_it_on_destroy(
    tmp_path: Path, moto: MotoServer, package_zip: Path, terraform_ready: None
) -> None:
    s3 = moto_client("s3", moto.url)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="reports/keep.txt", Body=b"owned by another team")
    tf = h.module(tmp_path, "examples/existing-bucket", moto.url)
    # NONE: the loopback gateway serves it unsigned (AWS_IAM signing is proven by the stack tests).
    values = h.tf_vars(
        {
            "region": "us-east-1",
            "bucket_name": BUCKET,
            "package_path": str(package_zip),
            "authorization_type": "NONE",
        }
    )
    tf.apply(auto_approve=True, tf_vars=values)
    try:
        outputs = tf.output()
        assert (outputs["bucket_name"], outputs["key_prefix"]) == (BUCKET, "scribe/")
        managed = tf.execute_command("state", "list").out.split()
        assert [a for a in managed if "aws_s3_bucket" in a] == ["data.aws_s3_bucket.existing"]
        assert put_resources(moto, f"{outputs['function_name']}-role") == [
            f"arn:aws:s3:::{BUCKET}/scribe/*"
        ]
        assert h.detailed_exitcode(tf, *h.var_args(values)) == 0
        with serving(moto, outputs["api_id"], package_zip, tmp_path / "fn.log") as gateway:
            answer = http(
                "POST",
                f"{gateway.url}/notes/first.txt",
                b"hello, owned bucket",
                {"Content-Type": "text/plain"},
            )
        assert answer.status == 201, answer.body
        stored = s3.get_object(Bucket=BUCKET, Key="scribe/notes/first.txt")
        assert stored["Body"].read() == b"hello, owned bucket"
    finally:
        tf.destroy(auto_approve=True, tf_vars=values)
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"])
    assert keys == ["reports/keep.txt", "scribe/notes/first.txt"]
    assert moto_client("lambda", moto.url).list_functions()["Functions"] == []
    assert moto_client("apigatewayv2", moto.url).get_apis()["Items"] == []
