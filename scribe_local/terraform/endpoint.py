"""Where a work dir's Terraform commands reach AWS: moto's URL, kept in the dir.

A work dir wired to moto (workdir.py) holds ENDPOINT_FILE, moto's URL. The runner sets
AWS_ENDPOINT_URL from it for every Terraform command in that dir: the AWS provider (every
service, one variable) reaches moto through the SDK's environment setting, not an `endpoints {}`
block. With the block, each command that configures the provider spent about 4 s more and 5 more
CPU-seconds validating it (a plan of the stack: 5.7 s with the block, 2.2 s without, on 2 cores
with provider 5.100.0), which was most of the suite's time.
"""

from __future__ import annotations

from pathlib import Path

ENDPOINT_FILE = ".moto-endpoint"


def wire_endpoint(tfdir: Path, moto_url: str) -> None:
    """Every Terraform command the runner runs in tfdir reaches AWS at moto_url."""
    (tfdir / ENDPOINT_FILE).write_text(moto_url + "\n")


def endpoint_environment(tfdir: Path) -> dict[str, str]:
    """AWS_ENDPOINT_URL for a work dir wired to moto (empty for any other dir). Make targets
    run in a work dir (the pipeline and fault tests) take it into their environment too.

    S3 Control puts the account id in front of the endpoint's host
    (`123456789012.127.0.0.1:<port>`, bootstrap's account-wide Block Public Access), a name no
    resolver knows: HTTP_PROXY hands such requests to moto itself, which serves a request in
    absolute form by its path (moto routes /v20180820/ to S3 Control). NO_PROXY keeps every
    other call direct: Go never proxies a loopback address, and Python's clients (boto3 in
    make smoke or preflight) would otherwise proxy 127.0.0.1 too."""
    wired = tfdir / ENDPOINT_FILE
    if not wired.is_file():
        return {}
    url = wired.read_text().strip()
    return {"AWS_ENDPOINT_URL": url, "HTTP_PROXY": url, "NO_PROXY": "127.0.0.1,localhost"}
