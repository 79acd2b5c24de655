"""Payload-2.0 events for the benchmark, and the memory child: `python -m bench.child N`.

The child imports the handler (lambda/src on PYTHONPATH), serves N invocations against the
moto server named by the environment (AWS_ENDPOINT_URL, BUCKET_NAME) and prints one JSON line
with its peak RSS (VmHWM) and the statuses it got.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from typing import Any

BODY_BYTES = 1024


def body(i: int) -> str:
    """1 KiB of ASCII text, different for each i."""
    head = f"scribe bench body {i:08d} "
    return (head + "x" * BODY_BYTES)[:BODY_BYTES]


def event(text: str, request_id: str) -> dict[str, Any]:
    """POST / (generated key) with a text/plain body, as an HTTP API sends it."""
    context = {"http": {"method": "POST", "path": "/"}, "routeKey": "POST /"}
    return {
        "version": "2.0",
        "routeKey": "POST /",
        "rawPath": "/",
        "rawQueryString": "",
        "headers": {"content-type": "text/plain; charset=utf-8", "host": "bench.local"},
        "requestContext": {**context, "requestId": request_id},
        "isBase64Encoded": False,
        "body": text,
    }


def peak_rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def main(argv: list[str]) -> int:
    count = int(argv[0])
    from scribe import apigw  # lambda/src, as the Lambda runtime imports it

    statuses: dict[int, int] = {}
    with contextlib.redirect_stdout(io.StringIO()) as sink:
        for i in range(count):
            reply = apigw.handler(event(body(i), f"mem-{i}"), None)
            statuses[reply["statusCode"]] = statuses.get(reply["statusCode"], 0) + 1
            sink.seek(0)
            sink.truncate()  # the handler's log lines are not what is measured
    print(json.dumps({"vm_hwm_kb": peak_rss_kb(), "statuses": statuses}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
