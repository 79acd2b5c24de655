"""Build the Lambda zip with the project's packager, lambda/package.py, from Python.

lambda/ is not an importable package name (`lambda` is a keyword), so the packager is loaded
from its path.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from scribe_local.paths import PACKAGE_SRC, REPO


def build_package(out: Path) -> Path:
    """Write the byte-identical zip of lambda/src to out; return out."""
    spec = importlib.util.spec_from_file_location("scribe_package", REPO / "lambda" / "package.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build_zip(PACKAGE_SRC, out)
    return out
