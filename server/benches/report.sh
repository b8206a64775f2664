#!/usr/bin/env bash
# Every benchmark, one table: builds release, runs the link, decision, webhook and driver benchmarks
# (each starts its own `attune` on a temporary data dir and measures against a trivial handler
# of the same binary in the same run), adds the front end's download size, and prints the table
# with the goals beside each row (issue 16 set the current ones). `server/benches/report.sh > docs/BENCHMARKS.md` keeps it.
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=$(mktemp)
log=$(mktemp)
trap 'rm -f "$rows" "$log"' EXIT
export ATTUNE_BENCH_ROWS="$rows"

w=target/site/pkg/attune.wasm
if [ ! -f $w.br ] || [ $w -nt $w.br ]; then make build >&2; fi
cargo bench -p server --bench links --bench decisions --bench webhooks --bench drivers > "$log" 2>&1 || {
  cat "$log" >&2
  exit 1
}

# What a browser that takes brotli is sent: the copies `make build` compressed at -q 11.
wasm=$(wc -c < target/site/pkg/attune.wasm.br)
js=$(wc -c < target/site/pkg/attune.js.br)
kib=$(( (wasm + js + 1023) / 1024 ))
met=$([ "$kib" -le 80 ] && echo met || echo '**missed**')

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
cat <<HEAD
# Benchmarks

Measured $(date -u +%Y-%m-%d) at commit $(git rev-parse --short HEAD) on $(nproc) cores ($cpu), $mem,
$(. /etc/os-release && echo "$PRETTY_NAME"), shared with the load generator (wrk, 64 keep-alive
connections, 2 threads; baseline and target runs alternate; medians of 3). "Trivial" is
\`GET /healthz\` of the same binary in the same run. Produced by \`server/benches/report.sh\`.

| hot path | measured | goal | |
|---|---|---|---|
HEAD
cat "$rows"
echo "| WASM + JS on the wire (brotli -q 11 copies, as served) | $wasm + $js bytes = $kib KiB | ≤ 80 KiB | $met |"
echo
echo "<details><summary>Full output</summary>"
echo
echo '```'
grep -v -E '^\s*(Compiling|Finished|Running|Downloaded|Downloading|Updating|warning|Blocking)' "$log"
echo '```'
echo
echo "</details>"
