#!/usr/bin/env bash
# Makes the built site DEST hold exactly what the fresh build NEW holds (make build), replacing
# only the files whose bytes differ and removing those no longer built. The release binary takes
# the site inside it, so an unchanged site must keep its files' times: cargo then leaves the
# server as it was instead of rebuilding it for nothing.
#   bash deploy/sync-site.sh target/site.new target/site
set -euo pipefail
new=$1 dest=$2
mkdir -p "$dest"
(cd "$new" && find . -type f) | sort | while read -r f; do
  if ! cmp -s "$new/$f" "$dest/$f"; then
    mkdir -p "$dest/$(dirname "$f")"
    cp -p "$new/$f" "$dest/$f"
  fi
done
(cd "$dest" && find . -type f) | while read -r f; do
  [ -e "$new/$f" ] || rm -f "$dest/$f"
done
rm -rf "$new"
