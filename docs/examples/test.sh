#!/usr/bin/env bash
# The README's integration examples, run for real: integrate.sh (curl, jq), integrate.py
# (requests, smtplib) and integrate.mjs (fetch, nodemailer) each ask a running `attune` for a
# decision and send the mail through a real SMTP server (aiosmtpd, writing a Maildir).
#
# For each example, a contact of its own is subscribed to the newsletter; then the test checks
# that the mail arrived with `List-Unsubscribe: <BASE_URL/u/…>` (the server's own URL, one line
# after unfolding, not an encoded word), `List-Unsubscribe-Post: List-Unsubscribe=One-Click` and
# the preferences and unsubscribe links in its body; posts the one-click unsubscribe as a mail
# provider would; and asks again, expecting a deny. It also checks that each example shown in
# README.md is the file it runs. Starts the built `attune` (ATTUNE_BIN, else release, else debug;
# builds debug if neither) on a fresh SQLite data dir and a free port, and always stops both servers.
#
#   bash docs/examples/test.sh                     # from anywhere
#   ATTUNE_BIN=target/debug/attune KEEP=1 bash docs/examples/test.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
examples=$repo/docs/examples

fail() { echo "FAIL: $*" >&2; exit 1; }

. server/tests/support/attune.sh
find_attune

# What the examples need (.ci/setup installs the same).
for tool in curl jq node npm python3; do
  command -v "$tool" > /dev/null || fail "$tool is not installed: bash .ci/setup"
done
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
  || fail "integrate.mjs needs Node 20 or later (built-in fetch); this is $(node --version)"
python3 -c 'import aiosmtpd' 2> /dev/null || fail "aiosmtpd is not installed: bash .ci/setup"
if ! python3 -c 'import requests' 2> /dev/null; then
  python3 -m pip install -q requests 2> /dev/null || python3 -m pip install -q --break-system-packages requests
fi
if [ ! -d "$examples/node_modules/nodemailer" ] \
  || [ "$examples/package-lock.json" -nt "$examples/node_modules/.package-lock.json" ]; then
  (cd "$examples" && npm ci --no-audit --no-fund --silent)
fi

# README.md shows each example whole, in the fenced block after `<!-- docs/examples/NAME -->`:
# what the reader copies is what this test runs.
python3 - "$repo/README.md" integrate.sh integrate.py integrate.mjs << 'EOF'
import pathlib, re, sys
readme = pathlib.Path(sys.argv[1]).read_text()
for name in sys.argv[2:]:
    path = f"docs/examples/{name}"
    shown = re.search(rf"^<!-- {re.escape(path)} -->\n```[a-z]*\n(.*?)^```$", readme, re.S | re.M)
    if not shown:
        sys.exit(f"FAIL: README.md does not show {path} (a fenced block after <!-- {path} -->)")
    if shown.group(1) != (pathlib.Path(sys.argv[1]).parent / path).read_text():
        sys.exit(f"FAIL: the block README.md shows for {path} is not the file")
print("README.md shows each example as it is")
EOF

work=$(mktemp -d)
server_pid=
smtp_pid=
cleanup() {
  stop_pids $server_pid $smtp_pid
  if [ -n "${KEEP:-}" ]; then echo "kept $work (server.log, smtp.log, mail/)"; else rm -rf "$work"; fi
}
trap cleanup EXIT INT TERM

smtp_port=$(free_port)
python3 -m aiosmtpd -n -l "127.0.0.1:$smtp_port" -c aiosmtpd.handlers.Mailbox "$work/mail" > "$work/smtp.log" 2>&1 &
smtp_pid=$!
unset ATTUNE_INBOUND_MAIL_DOMAIN
start_attune "$work" examples
# From the data dir, so no attune.toml in the working tree applies.
cd "$work"
for _ in $(seq 100); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $smtp_port), 1)" 2> /dev/null && break
  kill -0 "$smtp_pid" 2> /dev/null || { cat "$work/smtp.log" >&2; fail "aiosmtpd did not start"; }
  sleep 0.1
done

api() {
  curl -fsS -X "$1" "$ATTUNE_BASE_URL/api/v1$2" -H "Authorization: Bearer $key" \
    -H 'Content-Type: application/json' -d "$3"
}

# Checks the one mail to $1 in the Maildir and prints its List-Unsubscribe URL.
check_mail() {
  python3 - "$work/mail/new" "$1" "$ATTUNE_BASE_URL" << 'EOF'
import email, pathlib, re, sys
from email import policy
maildir, to, base = sys.argv[1:]
mails = [email.message_from_bytes(p.read_bytes(), policy=policy.compat32)
         for p in pathlib.Path(maildir).glob("*")]
mine = [m for m in mails if m["X-RcptTo"] == to]
if len(mine) != 1:
    sys.exit(f"FAIL: {len(mine)} mails reached {to}, not one")
mail = mine[0]
def header(name):
    value = mail[name]
    if value is None:
        sys.exit(f"FAIL: the mail to {to} has no {name} header")
    return re.sub(r"\r?\n[ \t]+", " ", value).strip()  # unfolded (RFC 5322 §2.2.3)
unsubscribe = header("List-Unsubscribe")
url = re.fullmatch(rf"<({re.escape(base)}/u/[A-Za-z0-9_-]+)>", unsubscribe)
if not url:
    sys.exit(f"FAIL: List-Unsubscribe is not <{base}/u/TOKEN>: {unsubscribe!r}")
post = header("List-Unsubscribe-Post")
if post != "List-Unsubscribe=One-Click":
    sys.exit(f"FAIL: List-Unsubscribe-Post is {post!r}")
body = mail.get_payload(decode=True).decode()
if f"Unsubscribe: {url.group(1)}" not in body:
    sys.exit(f"FAIL: the body does not carry the unsubscribe link:\n{body}")
if not re.search(rf"Choose what we send you: {re.escape(base)}/p/[A-Za-z0-9_-]+\s", body):
    sys.exit(f"FAIL: the body does not carry the preferences link:\n{body}")
print(url.group(1))
EOF
}

run_example() { # name, command…
  local name=$1 ref=example-$1 address=$1@example.com
  shift
  api PUT "/contacts/$ref" "{\"email\": \"$address\", \"email_verified\": true}" > /dev/null
  api PATCH "/contacts/$ref/preferences" '{"reason": "signed up for the newsletter",
    "consent": {"source": "docs/examples/test.sh", "text": "Send me the newsletter", "at": "2026-01-01T00:00:00Z"},
    "preferences": [{"topic": "newsletter", "subscribed": true, "channels": ["email"]}]}' > /dev/null

  echo "--- $name"
  (cd "$examples" && ATTUNE_URL=$ATTUNE_BASE_URL ATTUNE_KEY=$key CONTACT_REF=$ref \
    SMTP_HOST=127.0.0.1 SMTP_PORT=$smtp_port "$@") || fail "$name exited with $?"
  local url
  url=$(check_mail "$address") || exit 1
  echo "mail to $address: List-Unsubscribe <$url>, List-Unsubscribe-Post: List-Unsubscribe=One-Click"

  # The one-click unsubscribe, as Gmail posts it (RFC 8058): 200, and the next ask is a deny.
  local status
  status=$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$url" \
    -H 'Content-Type: application/x-www-form-urlencoded' --data 'List-Unsubscribe=One-Click')
  [ "$status" = 200 ] || fail "the one-click POST to $url answered $status"
  local again
  again=$(api POST /decisions "{\"contact\": \"$ref\", \"topic\": \"newsletter\", \"channel\": \"email\", \"purpose\": \"informational\"}")
  [ "$(jq -r .decision <<< "$again")" = deny ] || fail "after the one-click unsubscribe, the decision is: $again"
  [ "$(jq -r '.headers // empty' <<< "$again")" = "" ] || fail "a deny carries headers: $again"
  echo "one-click unsubscribe: 200; asked again: deny ($(jq -r .reason <<< "$again"))"
}

run_example curl bash integrate.sh
run_example python python3 integrate.py
run_example node node integrate.mjs

if grep -q 'ERROR' "$work/server.log"; then
  grep 'ERROR' "$work/server.log" | head -n 20 >&2
  fail "the server logged errors"
fi
echo "all three examples sent a mail Attune's one-click unsubscribe works from"
