"""Where things live in a checkout."""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE_DIR = REPO / ".cache"  # tool configuration the project writes for itself
STATE_DIR = REPO / ".scribe"  # the local stack started by `make up`
PACKAGE_SRC = REPO / "lambda" / "src"
PACKAGE_ZIP = REPO / "build" / "scribe.zip"


def terraform_dirs(root: Path = REPO) -> list[str]:
    """Every directory a user runs or calls Terraform in, relative to root: the stack root,
    bootstrap/, each modules/* and each examples/* (the ones validate, checkov and docs cover)."""
    candidates = [".", "bootstrap"]
    for parent in ("modules", "examples"):
        candidates += sorted(p.relative_to(root).as_posix() for p in root.glob(f"{parent}/*"))
    return [c for c in candidates if (root / c).is_dir() and any((root / c).glob("*.tf"))]
