"""The dependency lock (no Terraform run): each deployable root pins hashicorp/aws 5.100.0 with the
h1 of the package the mirror installs and the zh of every platform's official zip, so
`terraform init` on a Mac or on Windows is not refused by a lock written on linux_amd64."""

from __future__ import annotations

import base64
import hashlib
import re
import zipfile
from pathlib import Path

import pytest

from scribe_local.paths import REPO
from scribe_local.terraform.cli_config import AWS_PROVIDER, mirror_dir

LOCKS = [".terraform.lock.hcl", "bootstrap/.terraform.lock.hcl"]
VERSION = "5.100.0"

# Terraform's dirhash "h1" of the linux_amd64 package: the platform CI runs on, the mirror's.
H1 = "h1:edXOJWE4ORX8Fm+dpVpICzMZJat4AX0VRCAy/xkcOc0="

# The zh values are the lines of HashiCorp's terraform-provider-aws_5.100.0_SHA256SUMS
# (https://releases.hashicorp.com/terraform-provider-aws/5.100.0/), as `terraform providers lock`
# records them. Taken from public lock files terraform wrote for this release whose linux_amd64
# h1 equals ours, e.g. one locked for every platform (14 h1 values, one per platform zip):
# https://github.com/takehiro1111/aws_terraform/blob/450ecced998cf1ff141dc0161a36f28373a7664a/development/management/.terraform.lock.hcl
# and the same 15 values in several other independent public locks of aws 5.100.0.
# SHA256SUMS lists the release's manifest too; its checksum is derived below from its text.
MANIFEST_JSON = '{\n  "version": 1,\n  "metadata": {\n    "protocol_versions": ["5.0"]\n  }\n}'
ZH_MANIFEST = "9b12af85486a96aedd8d7984b0ff811a4b42e3d88dad1a3fb4c0b580d04fa425"
# One per platform zip of the release (darwin, linux, windows and others). The public locks give
# them as a bare set: which hash is which platform is not recorded here.
ZH_PLATFORM_ZIPS = frozenset(
    {
        "054b8dd49f0549c9a7cc27d159e45327b7b65cf404da5e5a20da154b90b8a644",
        "0b97bf8d5e03d15d83cc40b0530a1f84b459354939ba6f135a0086c20ebbe6b2",
        "1589a2266af699cbd5d80737a0fe02e54ec9cf2ca54e7e00ac51c7359056f274",
        "6330766f1d85f01ae6ea90d1b214b8b74cc8c1badc4696b165b36ddd4cc15f7b",
        "7c8c2e30d8e55291b86fcb64bdf6c25489d538688545eb48fd74ad622e5d3862",
        "99b1003bd9bd32ee323544da897148f46a527f622dc3971af63ea3e251596342",
        "9f8b909d3ec50ade83c8062290378b1ec553edef6a447c56dadc01a99f4eaa93",
        "aaef921ff9aabaf8b1869a86d692ebd24fbd4e12c21205034bb679b9caf883a2",
        "ac882313207aba00dd5a76dbd572a0ddc818bb9cbf5c9d61b28fe30efaec951e",
        "bb64e8aff37becab373a1a0cc1080990785304141af42ed6aa3dd4913b000421",
        "dfe495f6621df5540d9c92ad40b8067376350b005c637ea6efac5dc15028add4",
        "f0ddf0eaf052766cfe09dea8200a946519f653c384ab4336e2a4a64fdd6310e9",
        "f1b7e684f4c7ae1eed272b6de7d2049bb87a0275cb04dbb7cda6636f600699c9",
        "ff461571e3f233699bf690db319dfe46aec75e58726636a0d97dd9ac6e32fb70",
    }
)
PLATFORMS = 14  # platforms the public all-platform lock above holds an h1 for


def aws_hashes(lock: str) -> list[str]:
    """The hashes of the lock's hashicorp/aws block, in file order; its version checked."""
    text = (REPO / lock).read_text()
    block = re.search(rf'(?ms)^provider "{AWS_PROVIDER}" \{{\n(.*?)^\}}', text)
    assert block, f"{lock}: no {AWS_PROVIDER} block"
    version = re.search(r'(?m)^  version\s*=\s*"([^"]+)"', block.group(1))
    assert version, f"{lock}: no version"
    assert version.group(1) == VERSION, f"{lock}: {AWS_PROVIDER} not at {VERSION}"
    hashes = re.search(r"(?ms)^  hashes = \[\n(.*?)^  \]", block.group(1))
    assert hashes, f"{lock}: no hashes"
    return re.findall(r'(?m)^    "([^"]+)",$', hashes.group(1))


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def hash1(files: dict[str, str]) -> str:
    """golang.org/x/mod/sumdb/dirhash Hash1 from {relative path: sha256 hex of its content}."""
    summary = "".join(f"{files[name]}  {name}\n" for name in sorted(files))
    return "h1:" + base64.b64encode(hashlib.sha256(summary.encode()).digest()).decode()


def h1_of_dir(package: Path) -> str:
    files = [p for p in package.rglob("*") if p.is_file()]
    return hash1({p.relative_to(package).as_posix(): sha256_file(p) for p in files})


def h1_of_zip(archive: Path) -> str:
    with zipfile.ZipFile(archive) as z:
        return hash1({i.filename: hashlib.sha256(z.read(i)).hexdigest() for i in z.infolist()})


@pytest.mark.parametrize("lock", LOCKS)
def test_lock_records_our_h1_and_every_platform_zh(lock: str) -> None:
    hashes = aws_hashes(lock)
    assert hashes == sorted(set(hashes)), "terraform writes the hashes sorted, once each"
    assert {h for h in hashes if h.startswith("h1:")} == {H1}
    zh = {h.removeprefix("zh:") for h in hashes if h.startswith("zh:")}
    assert zh == ZH_PLATFORM_ZIPS | {ZH_MANIFEST}
    assert set(hashes) == {H1} | {f"zh:{h}" for h in zh}, "only h1: and zh: entries"


def test_deployable_roots_lock_the_same_hashes() -> None:
    assert aws_hashes(LOCKS[0]) == aws_hashes(LOCKS[1])


def test_reference_has_one_zip_per_platform_and_the_manifest() -> None:
    assert hashlib.sha256(MANIFEST_JSON.encode()).hexdigest() == ZH_MANIFEST
    assert ZH_MANIFEST not in ZH_PLATFORM_ZIPS
    assert len(ZH_PLATFORM_ZIPS) == PLATFORMS


def test_lock_h1_is_the_mirror_package() -> None:
    mirror = mirror_dir()
    if mirror is None:
        pytest.skip("no provider mirror on this machine")
    provider = mirror / AWS_PROVIDER
    unpacked = provider / VERSION / "linux_amd64"
    packed = provider / f"terraform-provider-aws_{VERSION}_linux_amd64.zip"
    if packed.is_file():
        assert sha256_file(packed) in ZH_PLATFORM_ZIPS, "the mirror's zip is not the official one"
        assert h1_of_zip(packed) == H1
    else:
        assert unpacked.is_dir(), f"{mirror} holds neither {packed.name} nor {unpacked}"
        assert h1_of_dir(unpacked) == H1


def test_h1_of_a_packed_package_equals_h1_of_it_unpacked(tmp_path: Path) -> None:
    package = tmp_path / "linux_amd64"
    (package / "sub").mkdir(parents=True)
    (package / "terraform-provider-x_v1.0.0").write_bytes(b"\x7fELF binary")
    (package / "sub" / "LICENSE.txt").write_text("license\n")
    archive = tmp_path / "package.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(package.rglob("*")):
            if path.is_file():
                z.write(path, path.relative_to(package).as_posix())
    assert h1_of_zip(archive) == h1_of_dir(package)
    assert h1_of_dir(package) != h1_of_dir(package / "sub")
