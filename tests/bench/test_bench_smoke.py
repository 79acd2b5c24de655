"""A tiny run of `make bench` (every item, Terraform included): structure and sanity, no timings.

The benchmark's targets (ratios <= 1.05) are reported by `make bench`, never asserted here.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from bench import run
from scribe_local.packaging import ZIP_BUDGET_BYTES


def test_bench_smoke(tmp_path: Path, terraform_ready: None) -> None:
    out = tmp_path / "results.json"
    opts = run.Options(
        n=20,
        cold_runs=3,
        http_requests=10,
        http_levels=(1, 4),
        out=out,
        plot=tmp_path / "latency.png",
    )
    results = run.run(opts)
    assert json.loads(out.read_text()) == results
    assert (tmp_path / "latency.png").stat().st_size > 0
    assert results["command"] == "make bench"
    assert results["machine"]["cores"] >= 1
    assert results["machine"]["python"]
    assert results["machine"]["terraform"]
    # Every request of the bench (the stack's apply and destroy, the handler's writes) is one
    # AWS's API model accepts (scribe_local/emulator/model_gate.py).
    assert results["aws_model_check"]["violations"] == []
    assert results["aws_model_check"]["requests"] > 100

    def positive(section: dict[str, Any], *names: str) -> None:
        for name in names:
            value = section[name]
            assert isinstance(value, int | float), name
            assert math.isfinite(value), name
            assert value > 0, name

    overhead = results["handler_overhead"]
    positive(overhead, "p50_ms", "p95_ms", "bare_p50_ms", "bare_p95_ms", "ratio_p50")
    assert overhead["p95_ms"] >= overhead["p50_ms"]
    assert overhead["bare_p95_ms"] >= overhead["bare_p50_ms"]
    assert overhead["n"] == 20

    cold = results["cold_start"]
    positive(cold, "scribe_median_ms", "boto3_median_ms", "ratio")
    assert cold["runs"] == 3

    package = results["package"]
    positive(package, "zip_bytes", "sdk_zip_bytes")
    assert package["zip_bytes"] < ZIP_BUDGET_BYTES == package["target_zip_bytes"]
    assert package["sdk_zip_bytes"] > 100 * package["zip_bytes"]

    memory = results["memory"]
    positive(memory, "peak_rss_mb")

    paper = results["capacity_cost"]
    assert paper["duration_ms"] == overhead["p50_ms"]
    assert set(paper["envs"]) == {"dev", "prod"}
    for figures in paper["envs"].values():
        positive(figures["cost_per_million_writes_usd"], "total", "lambda_duration")
        assert figures["first_binding_limit"] in figures["writes_per_s"]
        # The 0.3 names, kept one release with the same values.
        assert figures["usd_per_million_writes"] == figures["cost_per_million_writes_usd"]
        assert figures["binds_first"] == figures["first_binding_limit"]
    assert memory["headroom_mb"] == pytest.approx(128 - memory["peak_rss_mb"], abs=0.11)

    for level in ("1", "4"):
        http = results["http"][level]
        positive(http, "rps", "p50_ms", "p95_ms")
        assert http["p95_ms"] >= http["p50_ms"]
        assert http["ok"] == http["requests"] == 10

    terraform = results["terraform"]
    positive(terraform, "init_s", "plan_s", "apply_s", "noop_plan_s", "destroy_s")
    assert terraform["noop_plan_exit"] == 0
    assert terraform["resources"] == 17
