"""Terraform CLI configuration owned by the project.

The project never touches the user's ~/.terraformrc. It writes its own CLI config under .cache/ and
points TF_CLI_CONFIG_FILE at it for the commands it runs. Where a filesystem mirror of the AWS
provider exists (offline CI machines: /opt/tf-plugins) the config installs the provider from it;
elsewhere the config is empty and Terraform uses the public registry as usual.

`python -m scribe_local.terraform.cli_config` prints the path of the config, for the Makefile.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from scribe_local.paths import CACHE_DIR

DEFAULT_MIRROR = Path("/opt/tf-plugins")
AWS_PROVIDER = "registry.terraform.io/hashicorp/aws"


class TerraformMissing(RuntimeError):
    """Terraform is not installed where the project looks for it."""


def terraform_binary() -> str:
    found = shutil.which(os.environ.get("TERRAFORM", "terraform"))
    if found is None:
        raise TerraformMissing(
            "terraform was not found on PATH. Install Terraform >= 1.11 "
            "(https://developer.hashicorp.com/terraform/install) "
            "or set TERRAFORM=/path/to/terraform."
        )
    return found


def mirror_dir() -> Path | None:
    """The provider mirror to install from, or None to use the registry."""
    configured = os.environ.get("SCRIBE_TF_MIRROR")
    mirror = Path(configured) if configured else DEFAULT_MIRROR
    if (mirror / AWS_PROVIDER).is_dir():
        return mirror
    if configured:
        raise TerraformMissing(
            f"SCRIBE_TF_MIRROR={configured} holds no {AWS_PROVIDER}: fix the path or unset it "
            "to use the public registry."
        )
    return None


def cli_config_text(mirror: Path | None) -> str:
    if mirror is None:
        return "# No provider mirror on this machine: providers come from the public registry.\n"
    return (
        "# Written by scribe_local.terraform.cli_config: the AWS provider comes from a mirror.\n"
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{mirror}"\n'
        f'    include = ["{AWS_PROVIDER}"]\n'
        "  }\n"
        "  direct {\n"
        f'    exclude = ["{AWS_PROVIDER}"]\n'
        "  }\n"
        "}\n"
    )


def write_cli_config() -> Path:
    """Write .cache/terraform.rc (only when its content changes) and return its path."""
    path = CACHE_DIR / "terraform.rc"
    text = cli_config_text(mirror_dir())
    if not path.is_file() or path.read_text() != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return path


def terraform_env() -> dict[str, str]:
    """Environment variables for every Terraform command the project runs."""
    return {
        "TF_CLI_CONFIG_FILE": str(write_cli_config()),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
    }


def main() -> int:
    try:
        terraform_binary()
        print(write_cli_config())
    except TerraformMissing as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
