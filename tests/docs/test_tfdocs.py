"""The README table generator (scribe_local.terraform.docs): the repo is up to date, a drift is
caught with a diff, regenerating fixes it, and the output has terraform-docs' table shape."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from scribe_local.paths import REPO
from scribe_local.terraform import docs as tfdocs

MARKERS = f"{tfdocs.BEGIN}\n{tfdocs.END}\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def between_markers(readme: Path) -> str:
    text = readme.read_text(encoding="utf-8")
    return text.split(tfdocs.BEGIN + "\n", 1)[1].split(tfdocs.END, 1)[0]


def copy_module(root: Path, name: str) -> Path:
    """modules/<name> of this repo (its .tf files and README) under a temporary root."""
    target = root / "modules" / name
    shutil.copytree(
        REPO / "modules" / name, target, ignore=shutil.ignore_patterns(".terraform*", "tests")
    )
    return target


# ---------------------------------------------------------------------------------------------
# The repository
# ---------------------------------------------------------------------------------------------


def test_repo_readmes_are_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    code = tfdocs.main(["--check"])
    out = capsys.readouterr().out
    assert code == 0, out
    count = len(tfdocs.terraform_dirs(REPO))
    assert out.splitlines()[-1] == f"[scribe] README tables up to date ({count} files)"


def test_repo_directories() -> None:
    found = {path.relative_to(REPO).as_posix() for path in tfdocs.terraform_dirs(REPO)}
    expected = {".", "bootstrap", "modules/api", "modules/bucket", "modules/ci-identity"}
    assert expected | {"modules/lambda"} <= found
    examples = {path.relative_to(REPO).as_posix() for path in REPO.glob("examples/*")}
    assert {item for item in found if item.startswith("examples/")} == {
        example for example in examples if any((REPO / example).glob("*.tf"))
    }


def test_examples_are_found_by_glob(tmp_path: Path) -> None:
    write(tmp_path / "main.tf", 'variable "a" {}\n')
    write(tmp_path / "examples" / "later" / "main.tf", 'variable "b" {}\n')
    write(tmp_path / "examples" / "notes" / "README.md", "no Terraform here\n")
    dirs = tfdocs.terraform_dirs(tmp_path)
    assert dirs == [tmp_path, tmp_path / "examples" / "later"]


# ---------------------------------------------------------------------------------------------
# Drift: check, regenerate, check again
# ---------------------------------------------------------------------------------------------


def test_changed_description_is_caught_then_regenerated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    module = copy_module(tmp_path, "bucket")
    readme = module / "README.md"
    assert tfdocs.main(["--check", "--root", str(tmp_path)]) == 0
    assert capsys.readouterr().out == "[scribe] README tables up to date (1 files)\n"

    variables = module / "variables.tf"
    old = "Tags added to every resource of the module that supports tags."
    new = "Tags for every taggable resource | including the_bucket_policy."
    assert old in variables.read_text()
    variables.write_text(variables.read_text().replace(old, new))
    before = readme.read_text()

    assert tfdocs.main(["--check", "--root", str(tmp_path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert "--- a/modules/bucket/README.md" in out
    assert "+++ b/modules/bucket/README.md" in out
    added = [line for line in out if line.startswith('+| <a name="input_tags">')]
    assert added == [
        '+| <a name="input_tags"></a> [tags](#input_tags) | Tags for every taggable resource'
        " \\| including the_bucket_policy. | `map(string)` | `{}` | no |"
    ]
    assert any(line.startswith('-| <a name="input_tags">') and old in line for line in out)
    assert out[-1] == "[scribe] README tables are out of date: run make docs"
    assert readme.read_text() == before  # --check changes nothing

    assert tfdocs.main(["--root", str(tmp_path)]) == 0
    assert capsys.readouterr().out == "[scribe] updated modules/bucket/README.md\n"
    assert "\\| including the_bucket_policy." in readme.read_text()
    assert readme.read_text().split(tfdocs.BEGIN)[0] == before.split(tfdocs.BEGIN)[0]

    assert tfdocs.main(["--check", "--root", str(tmp_path)]) == 0
    assert capsys.readouterr().out == "[scribe] README tables up to date (1 files)\n"


def test_regenerating_twice_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    module = copy_module(tmp_path, "api")
    readme = module / "README.md"
    readme.write_text(readme.read_text().replace("## Inputs", "## Stale inputs"))
    assert tfdocs.main(["--root", str(tmp_path)]) == 0
    assert capsys.readouterr().out == "[scribe] updated modules/api/README.md\n"
    first = readme.read_text()
    assert tfdocs.main(["--root", str(tmp_path)]) == 0
    assert capsys.readouterr().out == ""
    assert readme.read_text() == first


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


def test_readme_without_markers_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "modules" / "thing" / "main.tf", 'variable "a" {}\n')
    readme = write(tmp_path / "modules" / "thing" / "README.md", "# thing\n\nNo tables yet.\n")
    for argv in (["--root", str(tmp_path)], ["--check", "--root", str(tmp_path)]):
        assert tfdocs.main(argv) == 1
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err == (
            "[scribe] error: modules/thing/README.md lacks the markers: add the two lines "
            "<!-- BEGIN_TF_DOCS --> and <!-- END_TF_DOCS --> where the tables go\n"
        )
        assert readme.read_text() == "# thing\n\nNo tables yet.\n"


def test_missing_readme_is_an_error_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "main.tf", 'variable "a" {}\n')
    root_readme = write(tmp_path / "README.md", "# root\n\n" + MARKERS)
    write(tmp_path / "bootstrap" / "main.tf", 'variable "b" {}\n')
    assert tfdocs.main(["--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "bootstrap/README.md is missing" in err
    assert tfdocs.BEGIN in err
    assert tfdocs.END in err
    assert root_readme.read_text() == "# root\n\n" + MARKERS  # all or nothing


# ---------------------------------------------------------------------------------------------
# The terraform-docs markdown table shape
# ---------------------------------------------------------------------------------------------

GOLDEN_TF = """
terraform {
  required_version = ">= 1.11"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

variable "name" {
  type        = string
  description = "Name of the_thing."
}

variable "retention_days" {
  type        = number
  description = "Days to keep logs: 7 | 30."
  default     = 30
}

variable "settings" {
  type = object({
    prefix  = optional(string, "incoming/")
    enabled = optional(bool, true)
  })
  description = <<-EOT
    First line.
    Second line with `code_span`.
  EOT
  default     = {}
}

variable "zones" {
  type    = list(string)
  default = ["a", "b"]
}

resource "aws_s3_bucket" "this" {
  bucket = var.name
}

data "aws_caller_identity" "current" {}

module "child" {
  source = "git::https://example.com/child.git?ref=v1.2.3"
}

output "bucket_arn" {
  description = "ARN of the bucket."
  value       = aws_s3_bucket.this.arn
}

# A comment above a block is not a description (python-hcl2 does not tie it to the block).
output "zone_count" {
  value = length(var.zones)
}
"""

GOLDEN_MD = """\
## Requirements

| Name | Version |
|------|---------|
| <a name="requirement_terraform"></a> [terraform](#requirement_terraform) | >= 1.11 |
| <a name="requirement_aws"></a> [aws](#requirement_aws) | 5.100.0 |

## Providers

| Name | Version |
|------|---------|
| <a name="provider_aws"></a> [aws](#provider_aws) | 5.100.0 |

## Modules

| Name | Source | Version |
|------|--------|---------|
| <a name="module_child"></a> [child](#module_child) | git::https://example.com/child.git | v1.2.3 |

## Resources

| Name | Type |
|------|------|
| [aws_s3_bucket.this](https://registry.terraform.io/providers/hashicorp/aws/5.100.0/docs/resources/s3_bucket) | resource |
| [aws_caller_identity.current](https://registry.terraform.io/providers/hashicorp/aws/5.100.0/docs/data-sources/caller_identity) | data source |

## Inputs

| Name | Description | Type | Default | Required |
|------|-------------|------|---------|:--------:|
| <a name="input_name"></a> [name](#input_name) | Name of the_thing. | `string` | n/a | yes |
| <a name="input_retention_days"></a> [retention_days](#input_retention_days) | Days to keep logs: 7 \\| 30. | `number` | `30` | no |
| <a name="input_settings"></a> [settings](#input_settings) | First line.<br/>Second line with `code_span`. | <pre>object({<br/>  prefix = optional(string, "incoming/")<br/>  enabled = optional(bool, true)<br/>})</pre> | `{}` | no |
| <a name="input_zones"></a> [zones](#input_zones) | n/a | `list(string)` | <pre>[<br/>  "a",<br/>  "b"<br/>]</pre> | no |

## Outputs

| Name | Description |
|------|-------------|
| <a name="output_bucket_arn"></a> [bucket_arn](#output_bucket_arn) | ARN of the bucket. |
| <a name="output_zone_count"></a> [zone_count](#output_zone_count) | n/a |
"""  # noqa: E501 (the rows are as long as terraform-docs makes them)


def test_golden_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "main.tf", GOLDEN_TF)
    readme = write(tmp_path / "README.md", "# golden\n\n" + MARKERS + "\nafter\n")
    assert tfdocs.main(["--root", str(tmp_path)]) == 0
    assert capsys.readouterr().out == "[scribe] updated README.md\n"
    assert between_markers(readme) == GOLDEN_MD
    text = readme.read_text()
    assert text.startswith("# golden\n\n" + tfdocs.BEGIN + "\n## Requirements\n")
    assert text.endswith(tfdocs.END + "\n\nafter\n")


def test_golden_inputs_rows(tmp_path: Path) -> None:
    write(tmp_path / "variables.tf", GOLDEN_TF)
    rows = tfdocs.inputs_section(tfdocs.load_module(tmp_path)).splitlines()
    assert rows[2:4] == [
        "| Name | Description | Type | Default | Required |",
        "|------|-------------|------|---------|:--------:|",
    ]
    by_name = {row.split("</a>")[0]: row for row in rows[4:]}
    assert by_name['| <a name="input_name">'].endswith("| `string` | n/a | yes |")
    assert by_name['| <a name="input_retention_days">'].endswith("| `number` | `30` | no |")
    settings = by_name['| <a name="input_settings">']
    # A long object type is laid out one attribute per line, as it is written in variables.tf.
    assert '| <pre>object({<br/>  prefix = optional(string, "incoming/")<br/>' in settings
    assert settings.endswith("<br/>})</pre> | `{}` | no |")


def test_empty_module_says_so(tmp_path: Path) -> None:
    write(tmp_path / "main.tf", "locals {\n  a = 1\n}\n")
    assert tfdocs.render(tfdocs.load_module(tmp_path)).split("\n\n") == [
        "## Requirements",
        "No requirements.",
        "## Providers",
        "No providers.",
        "## Modules",
        "No modules.",
        "## Resources",
        "No resources.",
        "## Inputs",
        "No inputs.",
        "## Outputs",
        "No outputs.",
    ]


@pytest.mark.parametrize(
    ("source", "cell"),
    [
        ('"incoming/"', '`"incoming/"`'),
        ('""', '`""`'),
        ("null", "`null`"),
        ("true", "`true`"),
        ("1048576", "`1048576`"),
        ("15.75", "`15.75`"),
        ("[]", "`[]`"),
        ('{ b = 2, a = "x" }', '<pre>{<br/>  "a": "x",<br/>  "b": 2<br/>}</pre>'),
        ('"say \\"hi\\""', '`"say \\"hi\\""`'),
    ],
)
def test_default_cells(tmp_path: Path, source: str, cell: str) -> None:
    write(tmp_path / "variables.tf", f'variable "x" {{\n  default = {source}\n}}\n')
    variable = tfdocs.load_module(tmp_path).variables["x"]
    assert tfdocs.input_row(variable).split(" | ")[3] == cell


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("a_b `c_d` e|f `g|h`", "a_b `c_d` e\\|f `g\\|h`"),
        ("see https://example.com/a_b for x_y", "see https://example.com/a_b for x_y"),
        ("an _emphasis_ here", "an _emphasis_ here"),
        ("one\ntwo\n\nthree", "one<br/>two<br/><br/>three"),
        ("", "n/a"),
        ("roles <prefix>-ci, `<kept>`", "roles &lt;prefix>-ci, `<kept>`"),
    ],
)
def test_description_cells(text: str, escaped: str) -> None:
    assert tfdocs.sanitize_cell(text) == escaped


# ---------------------------------------------------------------------------------------------
# Read through hcl2.load: types, providers and links from what it gives
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("declaration", "cell"),
    [
        ("type = string", "`string`"),
        ('type = "string"', "`string`"),  # the Terraform 0.11 form
        ("type = list(number)", "`list(number)`"),
        ("type = map(object({ a = string }))", "`map(object({a = string}))`"),
        ("default = 1", "`any`"),  # no type: what Terraform assumes, not a guess from the default
    ],
)
def test_type_cells(tmp_path: Path, declaration: str, cell: str) -> None:
    write(tmp_path / "variables.tf", f'variable "x" {{\n  {declaration}\n}}\n')
    variable = tfdocs.load_module(tmp_path).variables["x"]
    assert tfdocs.input_row(variable).split(" | ")[2] == cell


def test_multiline_object_type_is_one_line(tmp_path: Path) -> None:
    write(
        tmp_path / "variables.tf",
        """
        variable "x" {
          type = object({
            name = string # a comment
            size = optional(number, 1)
          })
        }
        """,
    )
    variable = tfdocs.load_module(tmp_path).variables["x"]
    assert variable.type == "object({name = string, size = optional(number, 1)})"


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ('"a|b"', '`"a\\|b"`'),  # a `|` in a code span still splits a GFM cell
        ('[\n  "<x>|y"\n]', '<pre>[<br/>  "&lt;x>\\|y"<br/>]</pre>'),
        ("  spaced  ", "`spaced`"),
    ],
)
def test_code_cells(text: str, cell: str) -> None:
    assert tfdocs.code_cell(text) == cell


def test_heredoc_description_and_default(tmp_path: Path) -> None:
    write(
        tmp_path / "variables.tf",
        """
        variable "x" {
          description = <<-EOT
            One | two.
            Three <four>.
          EOT
          default = "tab\\there"
        }
        """,
    )
    row = tfdocs.input_row(tfdocs.load_module(tmp_path).variables["x"]).split(" | ")
    assert row[1:4] == ["One \\| two.<br/>Three &lt;four>.", "`any`", '`"tab\\there"`']


def test_providers_aliases_legacy_requirements_and_links(tmp_path: Path) -> None:
    write(
        tmp_path / "main.tf",
        """
        terraform {
          required_providers {
            aws    = "~> 5.0"
            random = { source = "hashicorp/random", version = "= 3.6.0" }
            local  = { source = "example.com/acme/local" }
          }
        }
        resource "aws_s3_bucket" "b" {}
        resource "aws_s3_bucket" "east" {
          provider = aws.east
        }
        resource "random_id" "r" {}
        data "local_file" "f" {}
        module "pinned" {
          source  = "acme/thing/aws"
          version = "1.0.0"
        }
        """,
    )
    text = tfdocs.render(tfdocs.load_module(tmp_path))
    registry = "https://registry.terraform.io/providers"
    assert (
        "| [aws_s3_bucket.b](" + registry + "/hashicorp/aws/latest/docs/resources/s3_bucket)"
        in text
    )
    assert "| [random_id.r](" + registry + "/hashicorp/random/3.6.0/docs/resources/id) |" in text
    assert "| local_file.f | data source |" in text  # not a registry provider: no link
    assert '| <a name="requirement_aws"></a> [aws](#requirement_aws) | ~> 5.0 |' in text
    assert '| <a name="provider_aws.east"></a> [aws.east](#provider_aws.east) | ~> 5.0 |' in text
    assert '| <a name="provider_local"></a> [local](#provider_local) | n/a |' in text
    assert "| acme/thing/aws | 1.0.0 |" in text
    resources = text.split("## Resources")[1].split("## Inputs")[0]
    rows = [line for line in resources.split("\n") if line.startswith("| ")][1:]
    order = [row[2:].lstrip("[").split("]")[0].split(" ")[0] for row in rows]
    assert order == ["aws_s3_bucket.b", "aws_s3_bucket.east", "random_id.r", "local_file.f"]


def test_unparsable_file_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "main.tf", 'variable "a" {\n')
    write(tmp_path / "README.md", MARKERS)
    assert tfdocs.main(["--check", "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"[scribe] error: {tmp_path / 'main.tf'}: cannot parse: ")


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("map(object({a = string}))", "map(object({a = string}))"),  # short: one line
        (
            'object({name = optional(string, "x,{y}"), limits = optional(object({burst = number, '
            "rate = number}), {}), tags = optional(map(string), {})})",
            'object({\n  name = optional(string, "x,{y}")\n  limits = optional(object({\n'
            "    burst = number\n    rate = number\n  }), {})\n"
            "  tags = optional(map(string), {})\n})",
        ),
    ],
)
def test_long_types_are_laid_out_one_attribute_per_line(written: str, shown: str) -> None:
    assert tfdocs.layout_type(written) == shown
