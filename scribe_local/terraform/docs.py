"""README tables for the Terraform directories, read with python-hcl2's public API.

`make docs` rewrites what lies between `<!-- BEGIN_TF_DOCS -->` and `<!-- END_TF_DOCS -->` in
the README of the root, bootstrap, every modules/* and every examples/* with six markdown
tables, in the layout of terraform-docs' "markdown table" format: Requirements, Providers,
Modules, Resources, Inputs (name, description, type, default, required) and Outputs, each
sorted by name, with an `<a name="input_x">` anchor per row. `make docs-check` changes nothing
and exits 1 with a unified diff when a README is stale.

terraform-docs cannot be installed here, and this does not try to match its output byte for
byte. Where it departs from it:

- Types come from `hcl2.load`, which gives an expression as `${...}` on one line: the `${}` is
  removed, and a type longer than 60 characters with object attributes is laid out one
  attribute per line (`layout_type`), in a `<pre>` block; attributes are not aligned on `=`.
- Defaults are Python's `json.dumps(indent=2, sort_keys=True)` of the value: a single line in
  backticks, or a `<pre>` block when it spans several lines.
- In cells, `|` is escaped everywhere (code spans included, as GitHub needs in a table), `<`
  is escaped outside code spans (GitHub drops `<prefix>` as an unknown tag), newlines become
  `<br/>`; `_` is not escaped, and code fences, emphasis and URLs get no special handling.
- A missing `type` is `any` (what Terraform assumes), not a type guessed from the default.
- No description from the comment above a block, no `terraform-docs-ignore`: python-hcl2 does
  not tie a comment to the block below it.

    python -m scribe_local.terraform.docs          # rewrite the tables in place
    python -m scribe_local.terraform.docs --check  # exit 1 with a diff when a README is stale
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2

from scribe_local import paths
from scribe_local.paths import REPO

BEGIN = "<!-- BEGIN_TF_DOCS -->"
END = "<!-- END_TF_DOCS -->"
PREFIX = "[scribe]"

# Values rather than source: strings without quotes, heredocs as strings, decimal numbers,
# blocks and objects as plain dicts, no comments.
_OPTIONS = hcl2.SerializationOptions(
    with_comments=False,
    explicit_blocks=False,
    preserve_heredocs=False,
    preserve_scientific_notation=False,
    strip_string_quotes=True,
)


class DocsError(Exception):
    """A README or a Terraform file the generator cannot work with."""


# The module: what the tables show, from the .tf files of one directory


@dataclass(frozen=True)
class Variable:
    name: str
    type: str
    description: str
    default: object
    required: bool


@dataclass(frozen=True)
class Resource:
    mode: str  # "managed" or "data"
    type: str
    name: str
    provider: str
    alias: str

    @property
    def spec(self) -> str:
        return f"{self.type}.{self.name}"


@dataclass(frozen=True)
class ModuleCall:
    name: str
    source: str
    version: str


@dataclass
class ProviderRequirement:
    source: str = ""
    versions: list[str] = field(default_factory=list)


@dataclass
class Module:
    required_core: list[str] = field(default_factory=list)
    required_providers: dict[str, ProviderRequirement] = field(default_factory=dict)
    variables: dict[str, Variable] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)  # name -> description
    resources: dict[str, Resource] = field(default_factory=dict)
    module_calls: dict[str, ModuleCall] = field(default_factory=dict)


Body = dict[str, Any]


def parse_file(path: Path) -> dict[str, list[Any]]:
    """One .tf file as `hcl2.load` gives it: block type -> [{label: ... body}]."""
    try:
        with path.open(encoding="utf-8") as file:
            return hcl2.load(file, serialization_options=_OPTIONS)
    except Exception as error:  # python-hcl2 raises its parser's (lark's) exceptions
        raise DocsError(f"{path}: cannot parse: {error}") from error


def expression(value: object) -> str:
    """An expression as written, without the `${...}` python-hcl2 wraps it in."""
    text = str(value)
    return text[2:-1] if text.startswith("${") and text.endswith("}") else text


def layout_type(text: str, width: int = 60) -> str:
    """A type longer than width with object attributes, one attribute per line, the way a type is
    written in a variables.tf (python-hcl2 gives it on one line)."""
    if len(text) <= width or "{" not in text:
        return text
    out: list[str] = []
    brackets: list[str] = []
    quoted = False
    for char in text:
        if quoted or char == '"':
            quoted = (char != '"') if quoted else True
            out.append(char)
        elif char in "({[":
            brackets.append(char)
            out.append(char + ("\n" + "  " * brackets.count("{") if char == "{" else ""))
        elif char in ")}]":
            brackets.pop()
            if char != "}":
                out.append(char)
            elif out[-1].startswith("{"):
                out[-1] = "{}"  # an empty object stays on its line
            else:
                out.append("\n" + "  " * brackets.count("{") + "}")
        elif char == "," and brackets and brackets[-1] == "{":
            out.append("\n" + "  " * brackets.count("{"))
        elif char == " " and out and out[-1].startswith("\n"):
            continue  # the space after a comma that became a line break
        else:
            out.append(char)
    return "".join(out)


def _text(body: Body, key: str) -> str:
    value = body.get(key)
    return "" if value is None else str(value).replace("\r\n", "\n").strip()


def _labelled(blocks: list[Any]) -> Iterator[tuple[str, Body]]:
    for block in blocks:
        yield from block.items()


def _variable(name: str, body: Body) -> Variable:
    return Variable(
        name=name,
        type=layout_type(expression(body.get("type", "any"))),
        description=_text(body, "description"),
        default=body.get("default"),
        required="default" not in body,
    )


def _resource(mode: str, kind: str, name: str, body: Body) -> Resource:
    provider, _, alias = expression(body.get("provider", kind.split("_", 1)[0])).partition(".")
    return Resource(mode, kind, name, provider, alias)


def _module_call(name: str, body: Body) -> ModuleCall:
    source, version = _text(body, "source"), _text(body, "version")
    if not version and "?ref=" in source:  # a git ref is shown as the version of the call
        source, _, version = source.rpartition("?ref=")
    return ModuleCall(name, source, version)


def _add_requirements(module: Module, terraform: Body) -> None:
    if "required_version" in terraform:
        module.required_core.append(_text(terraform, "required_version"))
    for required in terraform.get("required_providers", []):
        for name, value in required.items():
            requirement = module.required_providers.setdefault(name, ProviderRequirement())
            if isinstance(value, str):  # the legacy `aws = "~> 5.0"` form
                requirement.versions.append(value)
            elif isinstance(value, dict):
                requirement.source = str(value.get("source") or requirement.source)
                if value.get("version"):
                    requirement.versions.append(str(value["version"]))


def load_module(directory: Path) -> Module:
    """Everything the tables show, from the .tf files of one directory."""
    module = Module()
    for path in sorted(directory.glob("*.tf")):
        data = parse_file(path)
        for terraform in data.get("terraform", []):
            _add_requirements(module, terraform)
        for name, body in _labelled(data.get("variable", [])):
            module.variables[name] = _variable(name, body)
        for name, body in _labelled(data.get("output", [])):
            module.outputs[name] = _text(body, "description")
        for key, mode in (("resource", "managed"), ("data", "data")):
            for kind, named in _labelled(data.get(key, [])):
                for name, body in named.items():
                    resource = _resource(mode, kind, name, body)
                    module.resources[f"{mode}.{resource.spec}"] = resource
        for name, body in _labelled(data.get("module", [])):
            module.module_calls[name] = _module_call(name, body)
    return module


# Cells and sections


def sanitize_cell(text: str) -> str:
    """Prose for one table cell: `|` and (outside code spans) `<` escaped, newlines as <br/>."""
    parts = text.strip().split("`")
    parts[::2] = [part.replace("<", "&lt;") for part in parts[::2]]
    return "`".join(parts).replace("|", "\\|").replace("\n", "<br/>") or "n/a"


def code_cell(text: str) -> str:
    """Code for one table cell: inline, or a <pre> block when it spans several lines."""
    text = text.strip().replace("|", "\\|")
    if "\n" in text:
        return "<pre>" + text.replace("<", "&lt;").replace("\n", "<br/>") + "</pre>"
    return f"`{text}`"


def default_value(variable: Variable) -> str:
    """The default as JSON (two-space indent, sorted keys); "" when the input is required."""
    if variable.required:
        return ""
    return json.dumps(variable.default, indent=2, sort_keys=True, ensure_ascii=False)


def anchor(kind: str, name: str) -> str:
    return f'<a name="{kind}_{name}"></a> [{name}](#{kind}_{name})'


def _section(title: str, columns: Sequence[str], rows: Sequence[str], empty: str) -> str:
    if not rows:
        return f"## {title}\n\n{empty}"
    rule = [f":{'-' * len(c)}:" if c == "Required" else "-" * (len(c) + 2) for c in columns]
    header = _row(*columns) + "\n|" + "|".join(rule) + "|"
    return f"## {title}\n\n{header}\n" + "\n".join(rows)


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def requirements_section(module: Module) -> str:
    rows = [_row(anchor("requirement", "terraform"), c or "n/a") for c in module.required_core]
    for name, requirement in sorted(module.required_providers.items()):
        rows += [_row(anchor("requirement", name), v or "n/a") for v in requirement.versions]
    return _section("Requirements", ("Name", "Version"), rows, "No requirements.")


def providers_section(module: Module) -> str:
    rows = []
    for name, alias in sorted({(r.provider, r.alias) for r in module.resources.values()}):
        requirement = module.required_providers.get(name, ProviderRequirement())
        versions = " ".join(requirement.versions) or "n/a"
        rows.append(_row(anchor("provider", f"{name}.{alias}" if alias else name), versions))
    return _section("Providers", ("Name", "Version"), rows, "No providers.")


def modules_section(module: Module) -> str:
    rows = [
        _row(anchor("module", call.name), call.source, call.version or "n/a")
        for call in sorted(module.module_calls.values(), key=lambda call: call.name)
    ]
    return _section("Modules", ("Name", "Source", "Version"), rows, "No modules.")


def resource_url(resource: Resource, module: Module) -> str:
    """The resource's page in the Terraform registry ("" for a provider from elsewhere), at
    the provider's version when it is pinned to one, else at "latest"."""
    requirement = module.required_providers.get(resource.provider, ProviderRequirement())
    source = requirement.source or f"hashicorp/{resource.provider}"
    if source.count("/") != 1:
        return ""
    pinned = re.fullmatch(r"=?\s*(\d\S*)", requirement.versions[-1] if requirement.versions else "")
    version = pinned.group(1) if pinned else "latest"
    kind = "resources" if resource.mode == "managed" else "data-sources"
    short_type = resource.type.partition("_")[2]
    return f"https://registry.terraform.io/providers/{source}/{version}/docs/{kind}/{short_type}"


def resources_section(module: Module) -> str:
    rows = []
    for resource in sorted(module.resources.values(), key=lambda r: (r.mode != "managed", r.spec)):
        url = resource_url(resource, module)
        name = f"[{resource.spec}]({url})" if url else resource.spec
        rows.append(_row(name, "resource" if resource.mode == "managed" else "data source"))
    return _section("Resources", ("Name", "Type"), rows, "No resources.")


def input_row(variable: Variable) -> str:
    default = default_value(variable)
    return _row(
        anchor("input", variable.name),
        sanitize_cell(variable.description),
        code_cell(variable.type),
        code_cell(default) if default else "n/a",
        "yes" if variable.required else "no",
    )


def inputs_section(module: Module) -> str:
    rows = [input_row(module.variables[name]) for name in sorted(module.variables)]
    columns = ("Name", "Description", "Type", "Default", "Required")
    return _section("Inputs", columns, rows, "No inputs.")


def outputs_section(module: Module) -> str:
    rows = [
        _row(anchor("output", name), sanitize_cell(text))
        for name, text in sorted(module.outputs.items())
    ]
    return _section("Outputs", ("Name", "Description"), rows, "No outputs.")


def render(module: Module) -> str:
    """The text that goes between the two markers (without its surrounding newlines)."""
    sections = (
        requirements_section,
        providers_section,
        modules_section,
        resources_section,
        inputs_section,
        outputs_section,
    )
    return "\n\n".join(section(module) for section in sections)


# READMEs


def terraform_dirs(root: Path) -> list[Path]:
    """The root, bootstrap, every modules/* and every examples/* (paths.terraform_dirs)."""
    return [root / relative for relative in paths.terraform_dirs(root)]


def inject(readme: str, content: str, name: str) -> str:
    """The README with the text between its markers replaced by `content`."""
    begin = readme.find(BEGIN)
    end = readme.find(END, begin + len(BEGIN)) if begin >= 0 else -1
    if begin < 0 or end < 0:
        raise DocsError(
            f"{name} lacks the markers: add the two lines {BEGIN} and {END} where the tables go"
        )
    return readme[: begin + len(BEGIN)] + "\n" + content + "\n" + readme[end:]


def expected_readme(directory: Path, root: Path) -> tuple[Path, str, str]:
    """(README path, its current text, the text it should have)."""
    readme = directory / "README.md"
    name = readme.relative_to(root).as_posix()
    if not readme.is_file():
        raise DocsError(f"{name} is missing: create it with the two lines {BEGIN} and {END}")
    current = readme.read_text(encoding="utf-8")
    return readme, current, inject(current, render(load_module(directory)), name)


def run(directories: Sequence[Path], root: Path, *, check: bool) -> int:
    """Regenerate (or, with check, compare) the READMEs of these directories; the exit code."""
    results: list[tuple[Path, str, str]] = []
    errors: list[str] = []
    for directory in directories:
        try:
            results.append(expected_readme(directory, root))
        except DocsError as error:
            errors.append(str(error))
    if errors:
        for message in errors:
            print(f"{PREFIX} error: {message}", file=sys.stderr)
        return 1
    stale = [(path, old, new) for path, old, new in results if old != new]
    if check:
        if not stale:
            print(f"{PREFIX} README tables up to date ({len(results)} files)")
            return 0
        for path, old, new in stale:
            name = path.relative_to(root).as_posix()
            old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
            diff = difflib.unified_diff(old_lines, new_lines, f"a/{name}", f"b/{name}")
            sys.stdout.write("".join(diff))
        print(f"{PREFIX} README tables are out of date: run make docs")
        return 1
    for path, _, new in stale:
        path.write_text(new, encoding="utf-8")
        print(f"{PREFIX} updated {path.relative_to(root).as_posix()}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scribe_local.terraform.docs",
        description="Regenerate the tables between the READMEs' TF_DOCS markers.",
    )
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    parser.add_argument("--root", type=Path, default=REPO, help="repository root (default: this)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    return run(terraform_dirs(root), root, check=args.check)


if __name__ == "__main__":
    sys.exit(main())
