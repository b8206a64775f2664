#!/usr/bin/env bash
# Builds Attune's container image (`make image`) from the release binary: stages a root
# filesystem with the binary and exactly the shared libraries `ldd` lists for it, then builds
# deploy/Containerfile FROM scratch with podman (or buildah). Prints the image's name and size.
#
#   bash deploy/image.sh                          # localhost/attune:<version>
#   ATTUNE_BIN=path/to/attune ATTUNE_IMAGE=localhost/attune:test bash deploy/image.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${ATTUNE_BIN:-target/release/attune}
[ -x "$bin" ] || { echo "no release binary at $bin: make build" >&2; exit 1; }
version=$("$bin" --version | awk '{print $2}')
image=${ATTUNE_IMAGE:-localhost/attune:$version}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/rootfs
mkdir -p "$root/usr/local/bin" "$root/etc" "$root/tmp" "$stage/data"
chmod 1777 "$root/tmp"
# Without its symbol table (half the binary's size); a panic's backtrace then names no functions,
# while the binary make build leaves in target/release keeps them.
strip --strip-all -o "$root/usr/local/bin/attune" "$bin"
# Every library the loader resolves (`name => /path`) and the loader itself (`/path (0x…)`), at
# the path the binary asks for it by; the vDSO lives in the kernel.
ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u |
  while read -r lib; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
printf 'root:x:0:0:root:/:/nonexistent\nattune:x:10001:10001:attune:/data:/nonexistent\n' > "$root/etc/passwd"
printf 'root:x:0:\nattune:x:10001:\n' > "$root/etc/group"
cp deploy/Containerfile "$stage/Containerfile"

# A rebuild replaces the image of the same name rather than leaving it behind unnamed.
podman rmi --force "$image" > /dev/null 2>&1 || true
if command -v podman > /dev/null; then
  podman build --quiet --tag "$image" "$stage" > /dev/null
elif command -v buildah > /dev/null; then
  buildah bud --quiet --tag "$image" "$stage" > /dev/null
else
  echo "neither podman nor buildah is installed: bash .ci/setup (or apt-get install podman)" >&2
  exit 1
fi
size=$(podman image inspect --format '{{.Size}}' "$image" 2> /dev/null || buildah inspect --format '{{.ImageSize}}' "$image" 2>/dev/null || echo '?')
echo "$image: $size bytes"
