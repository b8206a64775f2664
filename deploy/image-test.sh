#!/usr/bin/env bash
# The image's smoke test (make test-image). Containers cannot run on these machines (no usable
# cgroups), so this unpacks the built image's filesystem (`podman create` + `podman export`) and
# runs its attune under chroot, as the image's user, with the image's environment and an empty
# /data — where there is no /usr/share/zoneinfo and no target/site, only what the image carries:
#   - `attune demo` seeds it and `attune sender create` makes a key;
#   - `attune serve` answers /readyz with 200, and /pkg/attune.wasm from inside the binary;
#   - a contact in America/Chicago is taken and one in Mars/Olympus refused (the time-zone
#     database is inside the binary);
#   - asking for a sign-in link writes a sign-in mail into /data/mail.
#
#   bash deploy/image-test.sh [IMAGE]     # default localhost/attune:<version of the release binary>
set -euo pipefail
cd "$(dirname "$0")/.."
image=${1:-${ATTUNE_IMAGE:-localhost/attune:$(target/release/attune --version | awk '{print $2}')}}

work=$(mktemp -d)
root=$work/root
container=
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2> /dev/null && wait "$server" 2> /dev/null
  [ -n "$container" ] && podman rm --force "$container" > /dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "image smoke test: $*" >&2; [ -f "$work/serve.log" ] && tail -20 "$work/serve.log" >&2; exit 1; }

container=$(podman create "$image")
mkdir "$root"
podman export "$container" | tar -x -C "$root"
[ -e "$root/usr/share/zoneinfo" ] && fail "the image has a zoneinfo directory: the test would not show the binary carries its own"
[ -z "$(ls -A "$root/data")" ] || fail "/data is not empty in the image"

# The image's own user, environment and entry point, with a free port of this machine.
user=$(podman image inspect --format '{{.Config.User}}' "$image")
entry=$(podman image inspect --format '{{index .Config.Entrypoint 0}}' "$image")
mapfile -t image_env < <(podman image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$image" | grep .)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port
# A command, not a function: started with &, its pid is attune's own (env and chroot exec it),
# so the cleanup's kill reaches the server rather than a subshell around it.
attune=(env -i "${image_env[@]}" ATTUNE_LISTEN="127.0.0.1:$port" ATTUNE_BASE_URL="$url" ATTUNE_LOG=warn
  chroot --userspec="$user" "$root" "$entry")

"${attune[@]}" demo > "$work/demo.txt" || fail "attune demo failed: $(cat "$work/demo.txt")"
key=$("${attune[@]}" sender create smoke | tail -n 1)
"${attune[@]}" serve > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "$url/readyz" 2> /dev/null && break
  kill -0 "$server" 2> /dev/null || fail "attune serve exited"
  sleep 0.2
done
status=$(curl -sS -o /dev/null -w '%{http_code}' "$url/readyz")
[ "$status" = 200 ] || fail "/readyz answered $status"
echo "/readyz: $status"

wasm=$(curl -sS -o /dev/null -w '%{http_code} %{content_type} %{size_download}' "$url/pkg/attune.wasm")
case $wasm in "200 application/wasm "*) ;; *) fail "/pkg/attune.wasm answered: $wasm" ;; esac
echo "/pkg/attune.wasm: $wasm (from inside the binary)"

put_contact() {
  curl -sS -o "$work/contact.json" -w '%{http_code}' -X PUT "$url/api/v1/contacts/$1" \
    -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    -d "{\"email\": \"$1@example.com\", \"locale\": \"en\", \"time_zone\": \"$2\"}"
}
status=$(put_contact chicago America/Chicago)
[ "$status" = 201 ] || fail "a contact in America/Chicago: $status $(cat "$work/contact.json")"
echo "a contact in America/Chicago: $status"
status=$(put_contact mars Mars/Olympus)
[ "$status" = 422 ] || fail "a contact in Mars/Olympus: $status $(cat "$work/contact.json")"
echo "a contact in Mars/Olympus: $status (refused)"

status=$(curl -sS -o /dev/null -w '%{http_code}' "$url/sf/request_sign_in" -H "Origin: $url" \
  --data-urlencode email=ann.demo@example.com)
case $status in 2?? | 303) ;; *) fail "asking for a sign-in link answered $status" ;; esac
mail=
for _ in $(seq 1 100); do
  mail=$(grep -l -s "To: ann.demo@example.com" "$root"/data/mail/*.eml | head -n 1 || true)
  [ -n "$mail" ] && break
  sleep 0.2
done
[ -n "$mail" ] || fail "no sign-in mail was written to /data/mail"
grep -q "$url/" "$mail" || fail "the sign-in mail has no link to $url"
echo "a sign-in mail was written: /data/mail/$(basename "$mail")"
echo "image smoke test passed: $image"
