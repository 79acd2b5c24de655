"""Capacity and cost on paper, from the measured handler duration and each environment's settings.

Cost per million writes at the handler's measured p50 duration (billed per started ms) and the
function's memory, on arm64, at AWS's list prices for US East (N. Virginia), read on PRICES_READ
from the pricing pages cited below; no free tier, no tiered discounts.

Which limit binds first at each environment's settings (envs/<env>.tfvars): the stage's rate and
burst (requests a second), the reserved concurrency divided by the measured duration (Little's
law: concurrency = rate x duration), and S3's PUT rate per partitioned prefix (every text of an
environment goes under one key prefix, which S3 starts as one partition).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from scribe_local.paths import REPO
from scribe_local.terraform.envs import env_settings

PRICES_READ = "2026-12-01"
PRICES_REGION = "us-east-1"
PRICES = {
    # https://aws.amazon.com/lambda/pricing/ (Arm: $0.20 per 1M requests, $0.0000133334 per GB-s,
    # first 7.5 billion GB-s a month)
    "lambda_request_usd": 0.20 / 1e6,
    "lambda_arm64_gb_s_usd": 0.0000133334,
    # https://aws.amazon.com/api-gateway/pricing/ (HTTP APIs: $1.00 per million, first 300 million)
    "http_api_request_usd": 1.00 / 1e6,
    # https://aws.amazon.com/s3/pricing/ (S3 Standard PUT, COPY, POST, LIST: $0.005 per 1,000)
    "s3_put_usd": 0.005 / 1000,
}
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html: at least
# 3,500 PUT/COPY/POST/DELETE requests a second per partitioned prefix.
S3_PUTS_PER_PREFIX_S = 3500
# https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html: an unreserved function
# shares the account's pool (1,000 by default in a Region).
ACCOUNT_CONCURRENCY = 1000
ENVS = ("dev", "prod")


def cost_per_million(duration_ms: float, memory_mb: int) -> dict[str, float]:
    """US dollars per million writes, by service, and their total."""
    billed_s = math.ceil(duration_ms) / 1000
    parts = {
        "lambda_requests": PRICES["lambda_request_usd"] * 1e6,
        "lambda_duration": PRICES["lambda_arm64_gb_s_usd"] * memory_mb / 1024 * billed_s * 1e6,
        "http_api": PRICES["http_api_request_usd"] * 1e6,
        "s3_put": PRICES["s3_put_usd"] * 1e6,
    }
    return {**{k: round(v, 4) for k, v in parts.items()}, "total": round(sum(parts.values()), 4)}


def limits(settings: dict[str, Any], duration_ms: float) -> dict[str, Any]:
    """Sustained writes a second each limit allows, and the one that binds first."""
    concurrency = settings["reserved_concurrency"] or ACCOUNT_CONCURRENCY
    allowed = {
        "stage_rate": float(settings["stage_rate_per_s"]),
        "lambda_concurrency": round(concurrency / (duration_ms / 1000), 1),
        "s3_prefix_puts": float(S3_PUTS_PER_PREFIX_S),
    }
    binding = min(allowed, key=lambda name: allowed[name])
    return {
        "writes_per_s": allowed,
        "burst": settings["stage_burst"],
        "first_binding_limit": binding,
        "binds_first": binding,  # the 0.3 name, kept one release (CHANGELOG: Deprecated)
        "raise_first": {
            "stage_rate": "api.throttling.rate_limit (and burst_limit) in envs/<env>.tfvars",
            "lambda_concurrency": "writer.reserved_concurrency (within the account's quota)",
            "s3_prefix_puts": "spread texts over more prefixes (S3 partitions them over time)",
        }[binding],
    }


def capacity_and_cost(duration_ms: float, root: Path = REPO) -> dict[str, Any]:
    envs = {env: env_settings(env, root) for env in ENVS}
    return {
        "duration_ms": duration_ms,
        "prices": {"read": PRICES_READ, "region": PRICES_REGION, **PRICES},
        "envs": {
            env: {
                "settings": settings,
                "cost_per_million_writes_usd": cost_per_million(duration_ms, settings["memory_mb"]),
                # the 0.3 name, kept one release (CHANGELOG: Deprecated)
                "usd_per_million_writes": cost_per_million(duration_ms, settings["memory_mb"]),
                **limits(settings, duration_ms),
            }
            for env, settings in envs.items()
        },
    }


def rows(section: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for env, figures in section["envs"].items():
        cost = figures["cost_per_million_writes_usd"]
        lambda_usd = cost["lambda_requests"] + cost["lambda_duration"]
        found.append(
            (
                f"{env}: USD per million writes ({section['prices']['region']}, "
                f"prices of {section['prices']['read']})",
                f"{cost['total']:.2f} (Lambda {lambda_usd:.2f}, HTTP API {cost['http_api']:.2f}, "
                f"S3 PUT {cost['s3_put']:.2f})",
            )
        )
        allowed = figures["writes_per_s"]
        found.append(
            (
                f"{env}: writes/s allowed (binds first: {figures['first_binding_limit']})",
                ", ".join(f"{name} {value:g}" for name, value in allowed.items())
                + f"; burst {figures['burst']}",
            )
        )
    return found
