"""Conventions read from the .tf files themselves (no Terraform run): one bucket-name rule, and
each default in one place (the module), where null means that default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scribe_local.paths import REPO, terraform_dirs

# (directory, variable) of every input that names an S3 bucket and checks it.
BUCKET_NAME_VARIABLES = [
    ("modules/bucket", "name"),
    ("modules/lambda", "bucket_name"),
    ("modules/ci-identity", "state_bucket_name"),
]

# Directories that call the modules: their optional() object attributes restate no module default.
CALLERS = [".", "bootstrap", "examples/multi-tenant"]


def variable_blocks(tfdir: Path) -> dict[str, str]:
    """variable name -> its block's text (up to the closing brace at column 0)."""
    text = "\n".join(p.read_text() for p in sorted(tfdir.glob("*.tf")))
    return {
        m.group(1): m.group(2) for m in re.finditer(r'(?ms)^variable "([^"]+)" \{\n(.*?)^\}', text)
    }


def validation(block: str, variable: str) -> tuple[str, str]:
    """(condition, error message) of the block's one validation, the variable's reference
    replaced by var.NAME and whitespace collapsed."""
    found = re.findall(
        r'(?ms)^  validation \{\n\s*condition\s*=\s*(.*?)\n\s*error_message\s*=\s*"(.*?)"\n  \}',
        block,
    )
    assert len(found) == 1, f"{variable}: expected exactly one validation block"
    condition, message = found[0]
    condition = re.sub(rf"\bvar\.{re.escape(variable)}\b", "var.NAME", condition)
    return " ".join(condition.split()), message


def test_the_three_bucket_name_validations_are_one_rule() -> None:
    rules: dict[tuple[str, str], tuple[str, str]] = {}
    for relative, variable in BUCKET_NAME_VARIABLES:
        block = variable_blocks(REPO / relative)[variable]
        condition, message = validation(block, variable)
        # The message names the variable first, then states the same rule.
        assert message.startswith(f"{variable} "), (relative, message)
        rules[(relative, variable)] = (condition, message.split(" must be ", 1)[1])
    assert len(set(rules.values())) == 1, rules
    condition, _ = next(iter(rules.values()))
    for part in ("^(xn--|sthree-|", "(-s3alias|--ol-s3|", '".."', "length(var.NAME) <= 63"):
        assert part in condition


def test_the_bucket_name_rule_check_sees_a_drift() -> None:
    """The normalisation keeps what differs: a shorter regex is not the same rule."""
    bucket = variable_blocks(REPO / "modules/bucket")["name"]
    drifted = bucket.replace("(xn--|", "(xn-|")
    assert validation(drifted, "name") != validation(bucket, "name")


@pytest.mark.parametrize("relative", terraform_dirs())
def test_null_means_the_default_wherever_a_default_is_not_null(relative: str) -> None:
    """Every variable whose default is not null declares nullable = false, so a caller passing
    null (e.g. an optional() attribute left out) gets that default rather than a null."""
    missing = [
        name
        for name, block in variable_blocks(REPO / relative).items()
        if re.search(r"(?m)^  default\s*=\s*(?!null\s*$)\S", block)
        and not re.search(r"(?m)^  nullable\s*=\s*false\s*$", block)
    ]
    assert not missing, f"{relative}: variables with a default but without nullable = false"


def optional_defaults(text: str) -> list[str]:
    """The arguments of every optional(type, default) in the text (optional(type) is left out)."""
    found: list[str] = []
    for m in re.finditer(r"\boptional\(", text):
        depth, start = 1, m.end()
        i = start
        commas: list[int] = []
        while depth:
            ch = text[i]
            if ch in "({[":
                depth += 1
            elif ch in ")}]":
                depth -= 1
            elif ch == "," and depth == 1:
                commas.append(i)
            i += 1
        if commas:
            found.append(" ".join(text[start : i - 1].split()))
    return found


@pytest.mark.parametrize("relative", CALLERS)
def test_callers_restate_no_module_default(relative: str) -> None:
    text = "\n".join(p.read_text() for p in sorted((REPO / relative).glob("*.tf")))
    assert optional_defaults(text) == []


def test_optional_defaults_are_found() -> None:
    text = (REPO / "modules/api/variables.tf").read_text()
    assert optional_defaults(text) == [
        "list(string), []",
        "number, 50",
        "number, 25",
        "number, 0.01",  # alarms.server_error_rate
        "number, 0.1",  # alarms.client_error_rate
        "number, 300",  # alarms.period
        "number, 1",  # alarms.evaluation_periods
        "bool, false",  # alarms.create_topic
        "bool, false",  # domain.disable_execute_api_endpoint
        'string, "dualstack"',  # domain.ip_address_type
    ]
