"""The deployed environments' settings, read from envs/<env>.tfvars (their one home).

`env_values` is the env file as python-hcl2 reads it; `env_settings` the sizing figures that
`make bench` (bench/capacity.py) and `make preflight` (scribe_local/preflight.py) work from, with
the module defaults where an env file leaves a setting out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import hcl2

from scribe_local.paths import REPO
from scribe_local.terraform.docs import load_module

# Strings as written ("scribe-dev", not '"scribe-dev"'), no comment entries.
_OPTIONS = hcl2.SerializationOptions(with_comments=False, strip_string_quotes=True)


def module_default(module: str, variable: str) -> Any:
    """A variable's default, read from the module that defines it (its one home)."""
    return load_module(REPO / "modules" / module).variables[variable].default


def env_values(env: str, root: Path = REPO) -> dict[str, Any]:
    """envs/<env>.tfvars under root, as python-hcl2 reads it (strings without their quotes)."""
    with (root / "envs" / f"{env}.tfvars").open() as tfvars:
        values: dict[str, Any] = hcl2.load(tfvars, serialization_options=_OPTIONS)
    return values


def env_settings(env: str, root: Path = REPO) -> dict[str, Any]:
    values = env_values(env, root)
    writer, api = values.get("writer", {}), values.get("api", {})
    throttling = api["throttling"]  # every deployed env sets its stage limits
    return {
        "memory_mb": writer.get("memory_size") or module_default("lambda", "memory_size"),
        "reserved_concurrency": writer.get("reserved_concurrency"),
        "stage_rate_per_s": throttling["rate_limit"],
        "stage_burst": throttling["burst_limit"],
    }
