#!/usr/bin/env bash
# Install a pinned Terraform release, verified against HashiCorp's SHA256SUMS.
#   .circleci/install-terraform.sh 1.11.4
set -euo pipefail
version="${1:?usage: install-terraform.sh <version>}"
if command -v terraform >/dev/null 2>&1 && terraform version | head -n1 | grep -q "v${version}\$"; then
  echo "terraform ${version} already installed"
  exit 0
fi
arch="$(uname -m)"
case "$arch" in x86_64) arch=amd64 ;; aarch64 | arm64) arch=arm64 ;; esac
zip="terraform_${version}_linux_${arch}.zip"
base="https://releases.hashicorp.com/terraform/${version}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
curl -fsSL -o "$work/$zip" "$base/$zip"
curl -fsSL -o "$work/SHA256SUMS" "$base/terraform_${version}_SHA256SUMS"
(cd "$work" && grep " ${zip}\$" SHA256SUMS | sha256sum -c -)
unzip -q -o "$work/$zip" -d "$work"
sudo install -m 0755 "$work/terraform" /usr/local/bin/terraform
terraform version
