"""Build the Lambda zip byte-identically (standard library only).

    python lambda/package.py [--src lambda/src] [--out build/scribe.zip]

Entries are the *.py files under the source dir, sorted, with paths relative to it, a fixed
timestamp, fixed permissions and a fixed compression level, so the same sources always give the
same bytes (with the same zlib) whatever their mtimes, modes or the umask. The zip is written to a
temp file beside the target and renamed over it atomically.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644  # regular file, rw-r--r--
UNIX = 3


def sources(src_dir: Path) -> list[tuple[str, Path]]:
    """(archive name, path) of every *.py file under src_dir, sorted by archive name."""
    found = [
        (path.relative_to(src_dir).as_posix(), path)
        for path in src_dir.rglob("*.py")
        if path.is_file() and "__pycache__" not in path.relative_to(src_dir).parts
    ]
    return sorted(found)


def zip_bytes(src_dir: Path) -> bytes:
    entries = sources(src_dir)
    if not entries:
        raise FileNotFoundError(f"no .py files under {src_dir}")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, path in entries:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = UNIX
            info.external_attr = FILE_MODE << 16
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    return buffer.getvalue()


def build_zip(src_dir: Path, out_path: Path) -> str:
    """Write the zip of src_dir to out_path atomically; return the hex SHA-256 of its bytes."""
    data = zip_bytes(src_dir)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out_path.name}.", dir=out_path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, out_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return hashlib.sha256(data).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the scribe Lambda zip.")
    parser.add_argument("--src", type=Path, default=HERE / "src", help="source dir")
    parser.add_argument("--out", type=Path, default=HERE.parent / "build" / "scribe.zip")
    args = parser.parse_args(argv)
    digest = build_zip(args.src, args.out)
    size = args.out.stat().st_size
    print(f"packaged {args.out} ({size} bytes, sha256 {digest})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
