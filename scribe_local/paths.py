"""Where things live in a checkout."""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE_DIR = REPO / ".cache"  # tool configuration the project writes for itself
STATE_DIR = REPO / ".scribe"  # the local stack started by `make up`
PACKAGE_SRC = REPO / "lambda" / "src"
PACKAGE_ZIP = REPO / "build" / "scribe.zip"
