"""make destroy's guard: a bucket that keeps its objects stops the destroy before anything goes.

With `bucket.force_destroy = false` (prod) S3 refuses to delete a bucket that holds any object
version or delete marker (BucketNotEmpty). Terraform destroys in dependency order, so by the time
it reaches the bucket it has already deleted the API, the function, its role and log groups: the
stack is half gone and the bucket still there. The guard reads the state (`terraform show
-json`), and when the stack's bucket is kept by force_destroy = false and is not empty, it stops
with what holds it and how to proceed, before Terraform deletes anything.

    python -m scribe_local.terraform.destroy_guard --env prod --tf-dir .
exit 0: destroy may go ahead; 1: the bucket holds objects (message); 2: could not check.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from scribe_local.terraform import runner
from scribe_local.terraform.envs import env_values

EXIT_GO, EXIT_HELD, EXIT_ERROR = 0, 1, 2
SHOWN_KEYS = 3


def kept_buckets(shown: dict[str, Any]) -> list[str]:
    """The buckets in state that S3 must empty before Terraform can delete them."""
    found: list[str] = []
    modules = [shown.get("values", {}).get("root_module", {})]
    while modules:
        module = modules.pop()
        modules.extend(module.get("child_modules", []))
        for resource in module.get("resources", []):
            values = resource.get("values", {})
            if resource.get("type") == "aws_s3_bucket" and not values.get("force_destroy"):
                found.append(str(values["bucket"]))
    return found


def contents(s3: Any, bucket: str) -> tuple[int, int, list[str]]:
    """(object versions, delete markers, a few keys) of bucket: one page is enough to decide."""
    page = s3.list_object_versions(Bucket=bucket, MaxKeys=1000)
    versions, markers = page.get("Versions", []), page.get("DeleteMarkers", [])
    keys = list(dict.fromkeys(item["Key"] for item in versions + markers))
    more = "+" if page.get("IsTruncated") else ""
    if more:
        keys.append("... (more than one page)")
    return len(versions), len(markers), keys


def held_message(env: str, bucket: str, versions: int, markers: int, keys: list[str]) -> str:
    shown = ", ".join(keys[:SHOWN_KEYS]) + (" ..." if len(keys) > SHOWN_KEYS else "")
    return (
        f"make destroy ENV={env} stopped before deleting anything: the bucket {bucket} holds "
        f"{versions} object version(s) and {markers} delete marker(s) (keys: {shown}), and "
        f"envs/{env}.tfvars keeps it (bucket.force_destroy = false), so S3 would refuse to "
        "delete it only after Terraform had deleted the rest of the stack.\n"
        "To proceed: copy out what must be kept (aws s3 sync s3://{b} <dest>), then either "
        "empty the bucket of every version (aws s3api list-object-versions / delete-objects) "
        "or set bucket.force_destroy = true in envs/{e}.tfvars and make plan/apply it; then run "
        "make destroy ENV={e} again.".format(b=bucket, e=env)
    )


def check(env: str, tfdir: Path) -> int:
    shown = json.loads(runner.run(tfdir, "show", "-json").stdout or "{}")
    buckets = kept_buckets(shown)
    if not buckets:
        return EXIT_GO
    s3 = boto3.client("s3", region_name=str(env_values(env, tfdir)["region"]))
    for bucket in buckets:
        try:
            versions, markers, keys = contents(s3, bucket)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "NoSuchBucket":
                continue
            raise
        if versions or markers:
            print(f"[scribe] {held_message(env, bucket, versions, markers, keys)}", file=sys.stderr)
            return EXIT_HELD
    return EXIT_GO


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", required=True)
    parser.add_argument("--tf-dir", type=Path, default=Path("."))
    args = parser.parse_args(argv)
    try:
        return check(args.env, args.tf_dir)
    except (ClientError, BotoCoreError, runner.TerraformFailed) as error:
        print(
            f"[scribe] make destroy ENV={args.env}: could not read the bucket's contents "
            f"({error}); nothing was deleted. Check the credentials (they need "
            "s3:ListBucketVersions on the bucket) and run it again.",
            file=sys.stderr,
        )
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
