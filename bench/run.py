"""scribe benchmarks, measured side by side in one run: `make bench` (python -m bench.run).

    python -m bench.run [--n N] [--quick] [--out bench/results.json] [--no-stack]

1. handler overhead: scribe.apigw.handler in-process vs bare put_object, interleaved, on moto;
2. cold start: fresh interpreters importing the handler and creating its client vs boto3 alone;
3. package: build/scribe.zip vs a zip of the SDK (boto3, botocore and their dependencies);
4. memory: peak RSS (VmHWM) of a child serving N invocations, headroom under 128 MB;
5. HTTP end to end through the local gateway at several concurrency levels (informative);
6. Terraform: init, plan, apply, no-op plan, destroy of the root against moto.
Ratios are reported, never asserted: the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.credentials import Credentials

from bench.capacity import capacity_and_cost, rows as capacity_rows
from bench.child import body, event
from scribe_local.client import PLAIN_TEXT, signed_headers
from scribe_local.emulator.function import MAX_WORKERS
from scribe_local.emulator.gateway import callers, serving
from scribe_local.emulator.moto_server import (
    ACCOUNT_ID,
    FAKE_CREDENTIALS,
    REGION,
    MotoServer,
    moto_client,
)
from scribe_local.packaging import ZIP_BUDGET_BYTES, build_package
from scribe_local.paths import PACKAGE_SRC, REPO
from scribe_local.terraform import runner
from scribe_local.terraform.workdir import copy_root, local_vars

# Item 1 imports the handler in-process from lambda/src, as the Lambda runtime imports it from
# the zip's root.
if str(PACKAGE_SRC) not in sys.path:
    sys.path.insert(0, str(PACKAGE_SRC))

HERE = Path(__file__).resolve().parent
LAMBDA_MEMORY_MB = 128
SDK_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py")
Samples = dict[str, list[float]]  # latencies in ms per series, for the plot
BENCH_BUCKET = "scribe-bench"
BENCH_PREFIX = "bench/"

COLD_SCRIBE = (
    "import time; t = time.perf_counter(); import scribe.apigw as a; a.client(); "
    "print(time.perf_counter() - t)"
)
COLD_BOTO3 = (
    "import time; t = time.perf_counter(); import boto3; boto3.client('s3'); "
    "print(time.perf_counter() - t)"
)


@dataclass
class Options:
    n: int = 1000  # items 1 and 4; item 5 sends n // 5 requests per level
    cold_runs: int = 20
    http_requests: int = 200
    http_levels: Sequence[int] = (1, 8, 32)
    stack: bool = True  # items 5 and 6 (Terraform and the gateway)
    out: Path = HERE / "results.json"
    plot: Path | None = HERE / "latency.png"


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]  # nearest rank


def ratio(a: float, b: float) -> float:
    return round(a / b, 3)


def bench_env(moto_url: str) -> dict[str, str]:
    """What the handler reads: fake credentials, the moto endpoint, the bucket and prefix."""
    return {
        **FAKE_CREDENTIALS,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "BUCKET_NAME": BENCH_BUCKET,
        "KEY_PREFIX": BENCH_PREFIX,
    }


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def handler_overhead(moto: MotoServer, opts: Options, samples: Samples) -> dict[str, Any]:
    """Item 1: warm handler calls vs bare put_object calls, interleaved."""
    from scribe import apigw, core  # lambda/src (on sys.path, see above)

    with environment(bench_env(moto.url)):
        apigw.reset()
        bare = core.new_client()  # the handler's Config
        handler_s: list[float] = []
        bare_s: list[float] = []
        statuses: set[int] = set()
        warmup = 10
        with contextlib.redirect_stdout(io.StringIO()) as sink:  # the handler's log lines
            for i in range(opts.n + warmup):
                text = body(i)
                started = time.perf_counter()
                reply = apigw.handler(event(text, f"bench-{i}"), None)
                handler_time = time.perf_counter() - started
                key = f"{BENCH_PREFIX}bare-{uuid.uuid4().hex}.txt"
                started = time.perf_counter()
                bare.put_object(Bucket=BENCH_BUCKET, Key=key, Body=text.encode())
                bare_time = time.perf_counter() - started
                sink.seek(0)
                sink.truncate()
                if i >= warmup:
                    handler_s.append(handler_time)
                    bare_s.append(bare_time)
                    statuses.add(reply["statusCode"])
        apigw.reset()
    if statuses != {201}:
        raise RuntimeError(f"the handler answered {sorted(statuses)}, not only 201")
    samples["handler"] = [ms(s) for s in handler_s]
    samples["bare put_object"] = [ms(s) for s in bare_s]
    result = {
        "n": opts.n,
        "body_bytes": len(body(0)),
        "p50_ms": ms(statistics.median(handler_s)),
        "p95_ms": ms(percentile(handler_s, 95)),
        "bare_p50_ms": ms(statistics.median(bare_s)),
        "bare_p95_ms": ms(percentile(bare_s, 95)),
    }
    result["ratio_p50"] = ratio(result["p50_ms"], result["bare_p50_ms"])
    result["target_ratio_p50"] = 1.05
    return result


def child_env(moto_url: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": os.pathsep.join([str(PACKAGE_SRC), str(REPO)]),
        **bench_env(moto_url),
    }


def cold_start(moto: MotoServer, opts: Options) -> dict[str, Any]:
    """Item 2: fresh interpreters, the two kinds interleaved, timed inside the child."""
    env = child_env(moto.url)
    times: dict[str, list[float]] = {"scribe": [], "boto3": []}
    for _ in range(opts.cold_runs):
        for kind, code in (("scribe", COLD_SCRIBE), ("boto3", COLD_BOTO3)):
            done = subprocess.run(
                [sys.executable, "-c", code],
                env=env,
                cwd=REPO,
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
            )
            times[kind].append(float(done.stdout.strip().splitlines()[-1]))
    result = {
        "runs": opts.cold_runs,
        "scribe_median_ms": ms(statistics.median(times["scribe"])),
        "boto3_median_ms": ms(statistics.median(times["boto3"])),
    }
    result["ratio"] = ratio(result["scribe_median_ms"], result["boto3_median_ms"])
    result["target_ratio"] = 1.05
    return result


def sdk_zip(out: Path) -> None:
    """The SDK as a prototype bundling it would ship it (sources and data; no __pycache__)."""
    import boto3

    site = Path(boto3.__file__).resolve().parent.parent
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in SDK_PACKAGES:
            root = site / name
            paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
            for path in paths:
                if "__pycache__" not in path.parts:
                    archive.write(path, path.relative_to(site).as_posix())


def package(tmp: Path) -> dict[str, Any]:
    """Item 3: our zip vs a zip of the SDK."""
    ours, sdk = tmp / "scribe.zip", tmp / "sdk.zip"
    build_package(ours)
    sdk_zip(sdk)
    size, sdk_size = ours.stat().st_size, sdk.stat().st_size
    return {
        "zip_bytes": size,
        "target_zip_bytes": ZIP_BUDGET_BYTES,
        "sdk_zip_bytes": sdk_size,
        "sdk_packages": [name.removesuffix(".py") for name in SDK_PACKAGES],
        "ratio_to_sdk": round(size / sdk_size, 6),
        "sdk_times_larger": round(sdk_size / size, 1),
    }


def memory(moto: MotoServer, opts: Options) -> dict[str, Any]:
    """Item 4: peak RSS of a fresh child serving N invocations."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.child", str(opts.n)],
        env=child_env(moto.url),
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    if set(answer["statuses"]) != {"201"}:
        raise RuntimeError(f"the memory child got {answer['statuses']}")
    peak_mb = round(answer["vm_hwm_kb"] / 1024, 1)
    return {
        "invocations": opts.n,
        "peak_rss_mb": peak_mb,
        "limit_mb": LAMBDA_MEMORY_MB,
        "headroom_mb": round(LAMBDA_MEMORY_MB - peak_mb, 1),
    }


def post(url: str, text: str, caller: Credentials) -> tuple[str, float]:
    """POST text signed by the caller, as a client of the AWS_IAM API does (the signing is
    timed too); (the HTTP status, or the exception's name when none came back; seconds)."""
    started = time.perf_counter()
    data = text.encode()
    headers = signed_headers(caller, "POST", url, data, PLAIN_TEXT, REGION)
    request = urllib.request.Request(url, data=data, method="POST", headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            response.read()
            status = str(response.status)
    except urllib.error.HTTPError as error:
        status = str(error.code)
    except OSError as error:  # no answer: connection refused or reset, timeout
        reason = getattr(error, "reason", error)
        status = type(reason if isinstance(reason, BaseException) else error).__name__
    return status, time.perf_counter() - started


def http_level(url: str, concurrency: int, count: int, caller: Credentials) -> dict[str, Any]:
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        # warm the gateway's function workers first (each new one is a cold start)
        list(pool.map(lambda i: post(url, body(i), caller), range(concurrency)))
        started = time.perf_counter()
        answers = list(pool.map(lambda i: post(url, body(i), caller), range(count)))
        wall = time.perf_counter() - started
    latencies = [seconds for _, seconds in answers]
    return {
        "requests": count,
        "ok": sum(1 for status, _ in answers if status == "201"),
        "statuses": dict(sorted(Counter(status for status, _ in answers).items())),
        "rps": round(count / wall, 1),
        "p50_ms": ms(statistics.median(latencies)),
        "p95_ms": ms(percentile(latencies, 95)),
        "latencies_ms": [ms(s) for s in latencies],
    }


def timed(tfdir: Path, *args: str) -> float:
    return round(runner.run(tfdir, *args).seconds, 2)


def stack(
    moto: MotoServer, tmp: Path, opts: Options, samples: Samples
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Items 5 and 6: the root applied to moto (timed), HTTP through the gateway, destroy."""
    zip_path = tmp / "deploy" / "scribe.zip"
    build_package(zip_path)
    tfdir = copy_root(tmp / "root", moto.url)
    local = local_vars(zip_path, load=True)
    tf: dict[str, Any] = {}
    http: dict[str, Any] = {}
    applied = False
    try:
        tf["init_s"] = timed(tfdir, "init", "-input=false")
        tf["plan_s"] = timed(tfdir, "plan", "-input=false", *local)
        applied = True  # from here on, destroy whatever part was created
        tf["apply_s"] = timed(tfdir, "apply", "-auto-approve", "-input=false", *local)
        noop = runner.plan_detailed(tfdir, *local)
        tf["noop_plan_exit"], tf["noop_plan_s"] = noop.returncode, round(noop.seconds, 2)
        in_state = runner.state_list(tfdir)
        managed = [a for a in in_state if not (a.startswith("data.") or ".data." in a)]
        tf["resources"] = len(managed)  # managed resources; data sources are not counted
        tf["resource_addresses"] = managed
        api_id = runner.outputs(tfdir)["api_id"]
        api_arn = f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api_id}"
        caller = callers.issue(
            moto_client("iam", moto.url), "bench", callers.invoke_policy(api_arn)
        )
        accepted = {caller.access_key_id: caller}
        keys = Credentials(caller.access_key_id, caller.secret_access_key)
        with serving(moto.url, api_id, zip_path, tmp / "function.log", accepted) as gateway:
            for level in opts.http_levels:
                result = http_level(gateway.url + "/", level, opts.http_requests, keys)
                samples[f"HTTP c={level}"] = result.pop("latencies_ms")
                http[str(level)] = result
        http["iam_enforcement"] = False
        http["gateway_max_function_workers"] = MAX_WORKERS
    finally:
        if applied:
            tf["destroy_s"] = timed(tfdir, "destroy", "-auto-approve", "-input=false", *local)
    return http, tf


def plot(samples: dict[str, list[float]], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    in_process = {k: v for k, v in samples.items() if not k.startswith("HTTP")}
    over_http = {k: v for k, v in samples.items() if k.startswith("HTTP")}
    panels = [(title, data) for title, data in (("in-process", in_process), ("HTTP", over_http))]
    panels = [(title, data) for title, data in panels if data]
    figure, axes = plt.subplots(1, len(panels), figsize=(4.5 * len(panels), 3.6), squeeze=False)
    for axis, (title, data) in zip(axes[0], panels, strict=True):
        axis.boxplot(list(data.values()), tick_labels=list(data), showfliers=False)
        axis.set_title(f"latency, {title} (no outliers)")
        axis.set_ylabel("ms")
        axis.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    figure.savefig(out, dpi=72)
    plt.close(figure)


def run(opts: Options) -> dict[str, Any]:
    """Every item, one moto server; results written to opts.out (and the plot)."""
    results: dict[str, Any] = {
        "date": datetime.now(UTC).date().isoformat(),
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "terraform": runner.version(),
        },
        "command": "make bench",
    }
    samples: Samples = {}
    moto = MotoServer.start()
    try:
        moto_client("s3", moto.url).create_bucket(Bucket=BENCH_BUCKET)
        with tempfile.TemporaryDirectory(prefix="scribe-bench-") as tmp:
            results["handler_overhead"] = handler_overhead(moto, opts, samples)
            results["cold_start"] = cold_start(moto, opts)
            results["package"] = package(Path(tmp))
            results["memory"] = memory(moto, opts)
            results["capacity_cost"] = capacity_and_cost(results["handler_overhead"]["p50_ms"])
            if opts.stack:
                results["http"], results["terraform"] = stack(moto, Path(tmp), opts, samples)
        # What AWS's model would have refused of the bench's requests (model_gate.py).
        examined = moto.drain_model_check()
        results["aws_model_check"] = {
            "requests": sum(examined.requests.values()),
            "violations": [v.describe() for v in examined.violations],
        }
    finally:
        moto.stop()
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(json.dumps(results, indent=2) + "\n")
    if opts.plot is not None:
        plot(samples, opts.plot)
    return results


def table(results: dict[str, Any]) -> str:
    h, c, p, m = (results[k] for k in ("handler_overhead", "cold_start", "package", "memory"))
    rows = [
        ("handler p50 / p95 (in-process)", f"{h['p50_ms']:.2f} / {h['p95_ms']:.2f} ms"),
        ("bare put_object p50 / p95", f"{h['bare_p50_ms']:.2f} / {h['bare_p95_ms']:.2f} ms"),
        ("handler / bare, p50 (target <= 1.05)", f"{h['ratio_p50']:.3f}"),
        ("cold start, scribe (median)", f"{c['scribe_median_ms']:.1f} ms"),
        ("cold start, boto3 alone (median)", f"{c['boto3_median_ms']:.1f} ms"),
        ("cold start ratio (target <= 1.05)", f"{c['ratio']:.3f}"),
        (f"zip size (target <= {p['target_zip_bytes']} B)", f"{p['zip_bytes']} B"),
        ("SDK zip (boto3+deps)", f"{p['sdk_zip_bytes']} B ({p['sdk_times_larger']:.0f}x)"),
        ("peak RSS / headroom of 128 MB", f"{m['peak_rss_mb']} MB / {m['headroom_mb']} MB"),
    ]
    rows += capacity_rows(results["capacity_cost"])
    for level, r in results.get("http", {}).items():
        if isinstance(r, dict):
            rows.append(
                (
                    f"HTTP c={level}: req/s, p50 / p95",
                    f"{r['rps']:.1f}, {r['p50_ms']:.1f} / {r['p95_ms']:.1f} ms "
                    f"({r['ok']}/{r['requests']} 201)",
                )
            )
    if "terraform" in results:
        t = results["terraform"]
        rows.append(
            (
                "terraform init / plan / apply (s)",
                f"{t['init_s']} / {t['plan_s']} / {t.get('apply_s', '-')}",
            )
        )
        rows.append(
            (
                "no-op plan (s, exit) / destroy (s)",
                f"{t.get('noop_plan_s', '-')}, exit {t.get('noop_plan_exit', '-')} / "
                f"{t.get('destroy_s', '-')}",
            )
        )
        rows.append(("resources in state", str(t.get("resources", "-"))))
    width = max(len(name) for name, _ in rows)
    lines = [f"| {'figure'.ljust(width)} | value |", f"| {'-' * width} | --- |"]
    lines += [f"| {name.ljust(width)} | {value} |" for name, value in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="scribe benchmarks (make bench)")
    parser.add_argument("--n", type=int, default=1000, help="invocations for items 1 and 4")
    parser.add_argument("--quick", action="store_true", help="tiny run: n=20, 3 cold starts")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    parser.add_argument("--no-stack", action="store_true", help="skip Terraform and HTTP")
    args = parser.parse_args(argv)
    n = 20 if args.quick else args.n
    opts = Options(
        n=n,
        cold_runs=3 if args.quick else 20,
        http_requests=10 if args.quick else max(10, n // 5),
        stack=not args.no_stack,
        out=args.out,
        plot=args.out.with_name("latency.png"),
    )
    results = run(opts)
    print(f"scribe bench, {results['date']}, {results['machine']}, `{results['command']}`")
    print(table(results))
    print(f"results: {opts.out}; plot: {opts.plot}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
