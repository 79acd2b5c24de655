"""Conventions read from the .tf files themselves (no Terraform run): one bucket-name rule."""

from __future__ import annotations

import re
from pathlib import Path

from scribe_local.paths import REPO

# (directory, variable) of every input that names an S3 bucket and checks it.
BUCKET_NAME_VARIABLES = [
    ("modules/bucket", "name"),
    ("modules/lambda", "bucket_name"),
    ("modules/ci-identity", "state_bucket_name"),
]


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
    for part in ('"xn--"', '"-s3alias"', '".."', "length(var.NAME) <= 63"):
        assert part in condition


def test_the_bucket_name_rule_check_sees_a_drift() -> None:
    """The normalisation keeps what differs: a shorter regex is not the same rule."""
    bucket = variable_blocks(REPO / "modules/bucket")["name"]
    drifted = bucket.replace('"xn--"', '"xn-"')
    assert validation(drifted, "name") != validation(bucket, "name")
