"""README input/output tables in terraform-docs' "markdown table" format, built on python-hcl2.

terraform-docs itself cannot be installed here, so this renders what `terraform-docs markdown
table --output-mode inject` prints with its default settings (anchors, escaping, HTML, the
Required column, sort by name) between `<!-- BEGIN_TF_DOCS -->` and `<!-- END_TF_DOCS -->`:
Requirements, Providers, Modules, Resources, Inputs and Outputs.

Types are shown as written in the source (terraform-docs does the same: it slices the type
expression out of the file), so this reads the raw text of each attribute from the parser's
position metadata, and evaluates descriptions and defaults with python-hcl2.

    python -m scribe_local.terraform.docs          # rewrite the tables in place
    python -m scribe_local.terraform.docs --check  # exit 1 with a diff when a README is stale
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import hcl2
from hcl2 import SerializationOptions
from lark import Token, Tree
from lark.exceptions import LarkError

from scribe_local import paths
from scribe_local.paths import REPO

BEGIN = "<!-- BEGIN_TF_DOCS -->"
END = "<!-- END_TF_DOCS -->"
PREFIX = "[scribe]"

# Evaluate an expression to its value: strings without their quotes and with their escapes
# resolved, heredocs as plain strings, numbers in decimal form.
_VALUE_OPTIONS = SerializationOptions(
    with_comments=False,
    explicit_blocks=False,
    preserve_heredocs=False,
    preserve_scientific_notation=False,
    strip_string_quotes=True,
)

# Go's regexp classes, which are ASCII-only (Python's str patterns are Unicode-aware).
_GO_SPACE = r"[\t\n\f\r ]"
_GO_NOT_SPACE = r"[^\t\n\f\r ]"
_GO_WORD = r"[0-9A-Za-z_]"
_PARAGRAPH_BREAK = re.compile(rf"({_GO_NOT_SPACE}*)(\r?\n)({_GO_SPACE}*)({_GO_WORD}+)")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s<>\"'`|]+")
_DONT_ESCAPE = "\u2021\u2021\u2021DONTESCAPE\u2021\u2021\u2021"
_DOUBLE_SPACES = "\u2021\u2021\u2021DOUBLESPACES\u2021\u2021\u2021"
_UNDERSCORE_KEEP = (
    (re.compile(rf"^({_GO_SPACE}*)(_+)({_GO_SPACE}+)(.*)"), (2,)),
    (
        re.compile(
            rf"({_GO_SPACE}+)(_+)([^\t\n\f\r _])(.*)([^\t\n\f\r _])(_+)({_GO_SPACE}+)",
        ),
        (6, 2),
    ),
)


class DocsError(Exception):
    """A README or a Terraform file the generator cannot work with."""


# --------------------------------------------------------------------------------------------
# Reading Terraform files: blocks with the raw source text of their attributes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """One HCL block: its type, its labels, the source text of its attributes, its blocks."""

    kind: str
    labels: tuple[str, ...]
    attributes: dict[str, str]
    blocks: tuple[Block, ...]
    comment: str = ""  # the `#` or `//` lines right above the block, joined by spaces

    @property
    def ignored(self) -> bool:
        return "terraform-docs-ignore" in self.comment

    def children(self, kind: str) -> Iterator[Block]:
        return (block for block in self.blocks if block.kind == kind)


def _tokens(node: Tree[Token] | Token) -> list[Token]:
    if isinstance(node, Token):
        return [node]
    return [token for token in node.scan_values(lambda value: isinstance(value, Token))]


def _source_text(node: Tree[Token] | Token, text: str) -> str:
    """The source text of an expression, without the newlines and comments that follow it."""
    tokens = [token for token in _tokens(node) if token.type != "NL_OR_COMMENT"]
    starts = [token.start_pos for token in tokens if token.start_pos is not None]
    ends = [token.end_pos for token in tokens if token.end_pos is not None]
    return text[min(starts) : max(ends)].rstrip()


def _name(node: Tree[Token] | Token) -> str:
    """The name of an attribute, block type or label (a quoted label without its quotes)."""
    if isinstance(node, Token):
        return str(node)
    if node.data == "string":
        return "".join(str(token) for token in _tokens(node) if token.type != "DBLQUOTE")
    return "".join(str(token) for token in _tokens(node))


def leading_comment(lines: Sequence[str], line: int) -> str:
    """The comment lines (starting at column 0) right above a 1-based line, as terraform-docs
    reads them for an item without a description."""
    collected: list[str] = []
    for above in reversed(lines[: max(line - 1, 0)]):
        if not above.startswith(("#", "//")):
            break
        collected.append(above.strip().removeprefix("#").removeprefix("//").strip())
    return " ".join(reversed(collected))


def _body(
    body: Tree[Token], text: str, lines: Sequence[str]
) -> tuple[dict[str, str], tuple[Block, ...]]:
    attributes: dict[str, str] = {}
    blocks: list[Block] = []
    for child in body.children:
        if not isinstance(child, Tree):
            continue
        if child.data == "attribute":
            name, _, expression = child.children
            attributes[_name(name)] = _source_text(expression, text)
        elif child.data == "block":
            blocks.append(_block(child, text, lines))
    return attributes, tuple(blocks)


def _block(node: Tree[Token], text: str, lines: Sequence[str]) -> Block:
    heads = [
        child
        for child in node.children
        if isinstance(child, Tree) and child.data not in ("body", "new_line_or_comment")
    ]
    body = next(
        child for child in node.children if isinstance(child, Tree) and child.data == "body"
    )
    attributes, blocks = _body(body, text, lines)
    names = [_name(head) for head in heads]
    comment = leading_comment(lines, node.meta.line)
    return Block(names[0], tuple(names[1:]), attributes, blocks, comment)


def parse_blocks(path: Path) -> tuple[Block, ...]:
    """The top-level blocks of one .tf file."""
    text = path.read_text(encoding="utf-8")
    try:
        tree = hcl2.parses_to_tree(text)
    except LarkError as error:
        raise DocsError(f"{path}: cannot parse: {error}") from error
    body = next(child for child in tree.children if isinstance(child, Tree))
    return _body(body, text, text.split("\n"))[1]


def evaluate(source: str) -> object:
    """The value of a constant expression (a description, a default, a version constraint)."""
    value = hcl2.loads(f"value = {source}\n", serialization_options=_VALUE_OPTIONS)["value"]
    value = _unescape_templates(value)
    if isinstance(value, str) and source.lstrip().startswith("<<"):
        return value + "\n"  # a heredoc ends with its last newline
    return value


def _unescape_templates(value: object) -> object:
    """`$${` and `%%{` are HCL's escapes for a literal `${` and `%{`."""
    if isinstance(value, str):
        return value.replace("$${", "${").replace("%%{", "%{")
    if isinstance(value, list):
        return [_unescape_templates(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _unescape_templates(item) for key, item in value.items()}
    return value


def _text_attribute(block: Block, name: str) -> str:
    source = block.attributes.get(name)
    if source is None:
        return ""
    value = evaluate(source)
    return "" if value is None else str(value)


# --------------------------------------------------------------------------------------------
# The module: what terraform-config-inspect would report for one directory
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variable:
    name: str
    type: str
    description: str
    default: object
    required: bool


@dataclass(frozen=True)
class Output:
    name: str
    description: str


@dataclass(frozen=True)
class Resource:
    mode: str  # "managed" or "data"
    type: str
    name: str
    provider: str
    alias: str


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
    outputs: dict[str, Output] = field(default_factory=dict)
    resources: dict[tuple[str, str, str], Resource] = field(default_factory=dict)
    module_calls: dict[str, ModuleCall] = field(default_factory=dict)


def _type_of(type_source: str | None, default: object) -> str:
    """The type as written, or (like terraform-docs) one inferred from the default."""
    if type_source is not None and re.fullmatch(r'"[A-Za-z]+"', type_source):
        return type_source[1:-1]  # the Terraform 0.11 form, type = "string"
    if type_source is not None:
        return type_source
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, int | float):
        return "number"
    if isinstance(default, str):
        return "string"
    if isinstance(default, list):
        return "list"
    if isinstance(default, dict):
        return "map"
    return "any"


def _variable(block: Block) -> Variable:
    required = "default" not in block.attributes
    default = None if required else evaluate(block.attributes["default"])
    return Variable(
        name=block.labels[0],
        type=_type_of(block.attributes.get("type"), default),
        description=_description(block),
        default=default,
        required=required,
    )


def _description(block: Block) -> str:
    description = _text_attribute(block, "description").replace("\r\n", "\n")
    return description or block.comment


def _output(block: Block) -> Output:
    return Output(name=block.labels[0], description=_description(block))


def _provider_ref(block: Block) -> tuple[str, str]:
    """(name, alias) of a resource's provider: its `provider` argument or its type's prefix."""
    source = block.attributes.get("provider")
    if source is None:
        return block.labels[0].split("_", 1)[0], ""
    reference = str(evaluate(source)) if source.startswith('"') else source
    name, _, alias = reference.strip().partition(".")
    return name, alias


def _resource(block: Block, mode: str) -> Resource:
    provider, alias = _provider_ref(block)
    return Resource(mode, block.labels[0], block.labels[1], provider, alias)


def _module_call(block: Block) -> ModuleCall:
    source = _text_attribute(block, "source")
    version = _text_attribute(block, "version")
    if not version and "?ref=" in source:
        # terraform-docs shows a git ref as the version of the call
        position = source.rfind("?ref=")
        if position + len("?ref=") < len(source):
            source, version = source[:position], source[position + len("?ref=") :]
    return ModuleCall(block.labels[0], source, version)


def _add_requirements(module: Module, terraform: Block) -> None:
    if "required_version" in terraform.attributes:
        module.required_core.append(_text_attribute(terraform, "required_version"))
    for required in terraform.children("required_providers"):
        for name, source in required.attributes.items():
            value = evaluate(source)
            requirement = module.required_providers.setdefault(name, ProviderRequirement())
            if isinstance(value, str):  # the legacy `aws = "~> 5.0"` form
                requirement.versions.append(value)
                continue
            if isinstance(value, dict):
                if value.get("source"):
                    requirement.source = str(value["source"])
                if value.get("version"):
                    requirement.versions.append(str(value["version"]))


def _add_block(module: Module, block: Block) -> None:
    if block.ignored and block.kind != "terraform":
        return
    if block.kind == "terraform":
        _add_requirements(module, block)
    elif block.kind == "variable" and block.labels:
        module.variables[block.labels[0]] = _variable(block)
    elif block.kind == "output" and block.labels:
        module.outputs[block.labels[0]] = _output(block)
    elif block.kind in ("resource", "data") and len(block.labels) == 2:
        resource = _resource(block, "managed" if block.kind == "resource" else "data")
        module.resources[(resource.mode, resource.type, resource.name)] = resource
    elif block.kind == "module" and block.labels:
        module.module_calls[block.labels[0]] = _module_call(block)


def load_module(directory: Path) -> Module:
    """Everything the tables show, from the .tf files of one directory."""
    module = Module()
    for path in sorted(directory.glob("*.tf")):
        for block in parse_blocks(path):
            _add_block(module, block)
    return module


# --------------------------------------------------------------------------------------------
# Values as terraform-docs prints them (Go's encoding/json, indented by two spaces)
# --------------------------------------------------------------------------------------------


def _go_number(number: float) -> str:
    if isinstance(number, int):
        return str(number)
    if number.is_integer() and abs(number) < 1e21:
        return str(int(number))
    if number != 0 and (abs(number) < 1e-6 or abs(number) >= 1e21):
        return re.sub(r"e-0(\d)$", r"e-\1", repr(number))
    return format(Decimal(repr(number)), "f")


def _go_string(value: str) -> str:
    encoded = json.dumps(value, ensure_ascii=False)
    return encoded.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _json(value: object, level: int = 0) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _go_number(value)
    if isinstance(value, str):
        return _go_string(value)
    indent, inner = "  " * level, "  " * (level + 1)
    if isinstance(value, list):
        if not value:
            return "[]"
        items = [f"{inner}{_json(item, level + 1)}" for item in value]
        return "[\n" + ",\n".join(items) + f"\n{indent}]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        entries = [
            f"{inner}{_go_string(str(key))}: {_json(value[key], level + 1)}"
            for key in sorted(value, key=str)
        ]
        return "{\n" + ",\n".join(entries) + f"\n{indent}}}"
    return _go_string(str(value))


def default_value(variable: Variable) -> str:
    """The Default column before sanitizing: "" when the input is required."""
    if variable.required:
        return ""
    if isinstance(variable.default, str):
        if not variable.default:
            return '""'
        # terraform-docs quotes a top-level string itself, escaping only newlines and quotes
        return '"' + variable.default.replace("\n", "\\n").replace('"', '\\"') + '"'
    return _json(variable.default)


# --------------------------------------------------------------------------------------------
# Markdown sanitizing, as terraform-docs' template helpers do it (escape and HTML on)
# --------------------------------------------------------------------------------------------

SegmentFn = Callable[[str], str]


def _segments(text: str, fence: str, plain: SegmentFn, inside: SegmentFn) -> str:
    """Apply `plain` outside `fence`-delimited spans and `inside` within them."""
    in_code = text.startswith(fence)
    result: list[str] = []
    for segment in text.split(fence):
        if not segment:
            continue
        result.append(inside(segment) if in_code else plain(segment))
        in_code = not in_code
    return "".join(result)


def _keep_underscores(line: str) -> str:
    """Mark the underscores of `_emphasis_` and of a leading `_ ` so they stay unescaped."""
    for pattern, groups in _UNDERSCORE_KEEP:
        for match in list(pattern.finditer(line)):
            for group in groups:
                keep = match.group(group).replace("_", _DONT_ESCAPE)
                line = line[: match.start(group)] + keep + line[match.end(group) :]
    return line


def _escape_underscores(text: str) -> str:
    lines = [_keep_underscores(line).replace("_", "\\_") for line in text.split("\n")]
    return "\n".join(lines).replace(_DONT_ESCAPE, "_")


def _in_backticks(segment: str) -> str:
    return f"`{segment}`"


def _escape_plain(part: str) -> str:
    # `<` too (unlike terraform-docs): GitHub drops "<prefix>" in "<prefix>-ci" as an unknown tag.
    return part.replace("|", "\\|").replace("<", "&lt;")


def escape_characters(text: str) -> str:
    """Escape `|`, `<` and `_` outside inline code spans."""
    text = _segments(text, "`", _escape_plain, _in_backticks)
    return _segments(text, "`", _escape_underscores, _in_backticks)


def _multiline_text(text: str) -> str:
    text = _PARAGRAPH_BREAK.sub(r"\1  \2\3\4", text.strip())
    text = text.replace("    \n", "  \n").replace("  \n\n", "\n\n").replace("\n  \n", "\n\n")
    return text.replace("  \n", "<br/>").replace("\n", "<br/>")


def _normalize_urls(text: str) -> str:
    return _URL.sub(lambda match: match.group(0).replace("\\", ""), text)


def _table_text(segment: str) -> str:
    return _normalize_urls(_multiline_text(escape_characters(segment)))


def _table_code(segment: str) -> str:
    return "<pre>" + segment.strip().replace("\n", "<br/>").replace("\r", "") + "</pre>"


def sanitize_cell(text: str) -> str:
    """A description, type or default made safe for one table cell."""
    if not text:
        return "n/a"
    return _segments(text, "```", _table_text, _table_code)


def code(text: str) -> str:
    """Inline code, or a fenced block when the text spans several lines."""
    if "\n" in text:
        return f"\n\n```\n{text}\n```\n"
    return f"`{text}`"


def escape_name(name: str) -> str:
    return name.replace("_", "\\_")


def anchor(kind: str, name: str) -> str:
    target = f"{kind}_{name}"
    return f'<a name="{target}"></a> [{escape_name(name)}](#{escape_name(target)})'


# --------------------------------------------------------------------------------------------
# The sections
# --------------------------------------------------------------------------------------------


def _section(title: str, header: str, rows: Sequence[str], empty: str) -> str:
    if not rows:
        return f"## {title}\n\n{empty}"
    return f"## {title}\n\n{header}\n" + "\n".join(rows)


def requirements_section(module: Module) -> str:
    rows = [
        f"| {anchor('requirement', 'terraform')} | {core or 'n/a'} |"
        for core in module.required_core
    ]
    for name in sorted(module.required_providers):
        for version in module.required_providers[name].versions:
            rows.append(f"| {anchor('requirement', name)} | {version or 'n/a'} |")
    return _section(
        "Requirements", "| Name | Version |\n|------|---------|", rows, "No requirements."
    )


def providers_section(module: Module) -> str:
    used = {(resource.provider, resource.alias) for resource in module.resources.values()}
    rows = []
    for name, alias in sorted(used):
        requirement = module.required_providers.get(name, ProviderRequirement())
        full_name = f"{name}.{alias}" if alias else name
        rows.append(
            f"| {anchor('provider', full_name)} | {' '.join(requirement.versions) or 'n/a'} |"
        )
    return _section("Providers", "| Name | Version |\n|------|---------|", rows, "No providers.")


def modules_section(module: Module) -> str:
    rows = [
        f"| {anchor('module', call.name)} | {call.source} | {call.version or 'n/a'} |"
        for call in sorted(module.module_calls.values(), key=lambda call: call.name)
    ]
    header = "| Name | Source | Version |\n|------|--------|---------|"
    return _section("Modules", header, rows, "No modules.")


def _registry_version(versions: Sequence[str]) -> str:
    """The provider version of a registry docs link: pinned, or "latest"."""
    if not versions or not versions[-1]:
        return "latest"
    parts = versions[-1].split(" ")
    if len(parts) == 1:
        if parts[0][0].isdigit():
            return parts[0]
        return parts[0][1:] if parts[0].startswith("=") else "latest"
    if len(parts) == 2 and parts[0] == "=":
        return parts[1]
    return "latest"


def resource_spec(resource: Resource) -> str:
    return f"{resource.provider}_{_short_type(resource)}.{resource.name}"


def _short_type(resource: Resource) -> str:
    return resource.type.removeprefix(f"{resource.provider}_")


def resource_url(resource: Resource, module: Module) -> str:
    requirement = module.required_providers.get(resource.provider, ProviderRequirement())
    source = requirement.source or f"hashicorp/{resource.provider}"
    if source.count("/") > 1:
        return ""
    namespace, _, name = source.partition("/")
    kind = "resources" if resource.mode == "managed" else "data-sources"
    version = _registry_version(requirement.versions)
    return (
        f"https://registry.terraform.io/providers/{namespace}/{name or namespace}/{version}"
        f"/docs/{kind}/{_short_type(resource)}"
    )


def resources_section(module: Module) -> str:
    resources = sorted(
        module.resources.values(),
        key=lambda resource: (resource.mode != "managed", resource_spec(resource), resource.name),
    )
    rows = []
    for resource in resources:
        url, spec = resource_url(resource, module), resource_spec(resource)
        name = f"[{spec}]({url})" if url else spec
        rows.append(f"| {name} | {'resource' if resource.mode == 'managed' else 'data source'} |")
    return _section("Resources", "| Name | Type |\n|------|------|", rows, "No resources.")


def input_row(variable: Variable) -> str:
    default = default_value(variable)
    cells = [
        anchor("input", variable.name),
        sanitize_cell(variable.description),
        sanitize_cell(code(variable.type)),
        sanitize_cell(code(default)) if default else "n/a",
        "yes" if variable.required else "no",
    ]
    return "| " + " | ".join(cells) + " |"


def inputs_section(module: Module) -> str:
    rows = [input_row(module.variables[name]) for name in sorted(module.variables)]
    header = (
        "| Name | Description | Type | Default | Required |\n"
        "|------|-------------|------|---------|:--------:|"
    )
    return _section("Inputs", header, rows, "No inputs.")


def outputs_section(module: Module) -> str:
    rows = [
        f"| {anchor('output', name)} | {sanitize_cell(module.outputs[name].description)} |"
        for name in sorted(module.outputs)
    ]
    header = "| Name | Description |\n|------|-------------|"
    return _section("Outputs", header, rows, "No outputs.")


def _tidy(markdown: str) -> str:
    """terraform-docs' final clean-up: no trailing spaces, no runs of blank lines."""
    markdown = re.sub(r" {2}(\r?\n)", lambda match: _DOUBLE_SPACES + match.group(1), markdown)
    markdown = re.sub(r" +(\r?\n)", r"\1", markdown)
    markdown = re.sub(r" +$", "", markdown)
    markdown = re.sub(re.escape(_DOUBLE_SPACES) + r"(\r?\n)", r"  \1", markdown)
    markdown = re.sub(r"(\r?\n)  (\r?\n)", r"\1", markdown)
    markdown = re.sub(r"(\r?\n){3,}", r"\1\1", markdown)
    return re.sub(r"(\r?\n){2,}$", "", markdown)


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
    return _tidy("\n\n".join(section(module) for section in sections))


# --------------------------------------------------------------------------------------------
# READMEs
# --------------------------------------------------------------------------------------------


def terraform_dirs(root: Path) -> list[Path]:
    """The root, bootstrap, every modules/* and every examples/* (paths.terraform_dirs)."""
    return [root / relative for relative in paths.terraform_dirs(root)]


def _display(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


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
    name = _display(readme, root)
    if not readme.is_file():
        raise DocsError(f"{name} is missing: create it with the two lines {BEGIN} and {END}")
    current = readme.read_text(encoding="utf-8")
    return readme, current, inject(current, render(load_module(directory)), name)


def _diff(name: str, current: str, expected: str) -> str:
    lines = difflib.unified_diff(
        current.splitlines(keepends=True),
        expected.splitlines(keepends=True),
        fromfile=f"a/{name}",
        tofile=f"b/{name}",
    )
    return "".join(lines)


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
        return _report_check(stale, len(results), root)
    for path, _, new in stale:
        path.write_text(new, encoding="utf-8")
        print(f"{PREFIX} updated {_display(path, root)}")
    return 0


def _report_check(stale: Sequence[tuple[Path, str, str]], total: int, root: Path) -> int:
    if not stale:
        print(f"{PREFIX} README tables up to date ({total} files)")
        return 0
    for path, old, new in stale:
        sys.stdout.write(_diff(_display(path, root), old, new))
    print(f"{PREFIX} README tables are out of date: run make docs")
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scribe_local.terraform.docs",
        description="Regenerate the terraform-docs tables between the READMEs' TF_DOCS markers.",
    )
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 with a diff if out of date"
    )
    parser.add_argument(
        "--root", type=Path, default=REPO, help="repository root (default: this one)"
    )
    args = parser.parse_args(argv)
    root = args.root.resolve()
    return run(terraform_dirs(root), root, check=args.check)


if __name__ == "__main__":
    sys.exit(main())
