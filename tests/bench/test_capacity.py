"""Capacity and cost on paper (make bench): the arithmetic, on fixed durations."""

from __future__ import annotations

import pytest

from bench import capacity
from scribe_local.terraform.envs import env_settings


def test_cost_per_million_writes_at_128_mb_on_arm64() -> None:
    cost = capacity.cost_per_million(3.2, 128)  # billed as 4 ms
    assert cost == {
        "lambda_requests": 0.2,
        "lambda_duration": round(0.0000133334 * 0.125 * 0.004 * 1e6, 4),
        "http_api": 1.0,
        "s3_put": 5.0,
        "total": round(0.2 + 0.0000133334 * 0.125 * 0.004 * 1e6 + 1.0 + 5.0, 4),
    }
    assert capacity.cost_per_million(4.0, 256)["lambda_duration"] == pytest.approx(0.0133, abs=1e-4)


def test_env_settings_are_read_from_the_env_files_and_the_module_defaults() -> None:
    dev, prod = (env_settings(env) for env in ("dev", "prod"))
    assert dev == {
        "memory_mb": 128,  # modules/lambda's default: dev leaves it out
        "reserved_concurrency": 5,
        "stage_rate_per_s": 10,
        "stage_burst": 20,
    }
    assert (prod["reserved_concurrency"], prod["stage_rate_per_s"], prod["stage_burst"]) == (
        50,
        100,
        200,
    )


@pytest.mark.parametrize(
    ("duration_ms", "binds"),
    [(3.2, "stage_rate"), (1000.0, "lambda_concurrency")],  # dev: 5 reserved / 1 s = 5 writes/s
)
def test_the_limit_that_binds_first(duration_ms: float, binds: str) -> None:
    dev = capacity.capacity_and_cost(duration_ms)["envs"]["dev"]
    assert dev["first_binding_limit"] == dev["binds_first"] == binds
    assert dev["cost_per_million_writes_usd"] == dev["usd_per_million_writes"]
    assert dev["cost_per_million_writes_usd"]["total"] > 0
    assert dev["writes_per_s"]["lambda_concurrency"] == pytest.approx(5 / (duration_ms / 1000))
    assert dev["writes_per_s"]["s3_prefix_puts"] == 3500
    assert dev["raise_first"]


def test_an_unreserved_function_shares_the_account_pool() -> None:
    settings = {**env_settings("dev"), "reserved_concurrency": None}
    assert capacity.limits(settings, 100.0)["writes_per_s"]["lambda_concurrency"] == 10000
