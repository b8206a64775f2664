#!/usr/bin/env bash
# Bad input at scale: schemathesis generates requests from /api/v1/openapi.json (valid ones and
# deliberately invalid ones) and checks every response against the same document. Fails on any
# server error or any response the document does not describe.
#
# Starts the built `attune` (release if present, else debug; builds debug if neither) on a fresh
# SQLite data dir and a free port, seeds the demo topics, creates a sender key, runs the fuzzer
# with a fixed seed, and always stops the server. Bounded: the whole run is killed after
# SCHEMATHESIS_TIMEOUT seconds (default 300).
#
#   bash server/tests/schemathesis/run.sh            # from the repository root
#   SCHEMATHESIS_EXAMPLES=200 SCHEMATHESIS_SEED=1 bash server/tests/schemathesis/run.sh
#   ATTUNE_BIN=target/debug/attune KEEP=1 bash server/tests/schemathesis/run.sh
set -euo pipefail
cd "$(dirname "$0")/../../.."

examples=${SCHEMATHESIS_EXAMPLES:-100} # per operation, fuzzing phase; 15 operations
seed=${SCHEMATHESIS_SEED:-8}
timeout_s=${SCHEMATHESIS_TIMEOUT:-300}
min_cases=1000

. server/tests/support/attune.sh
find_attune
repo=$PWD
# The module, not the `st` script: pip may put scripts in a directory that is not on PATH.
python3 -c 'import schemathesis.cli' 2> /dev/null || { echo "schemathesis is not installed: bash .ci/setup" >&2; exit 1; }
st=(python3 -c 'import sys; from schemathesis.cli import schemathesis; sys.argv[0] = "st"; schemathesis()')

work=$(mktemp -d)
server_pid=
cleanup() {
  stop_pids $server_pid
  if [ -n "${KEEP:-}" ]; then echo "kept $work (server.log, st.log)"; else rm -rf "$work"; fi
}
trap cleanup EXIT INT TERM

# Webhook endpoints: generated URLs are accepted without a DNS lookup, so the run does not
# depend on the machine's resolver (with the default, a URL whose host does not resolve is a
# documented 422). Deliveries to them fail and are retried only after a day.
export ATTUNE_WEBHOOK_ALLOW_PRIVATE=true
export ATTUNE_WEBHOOK_RETRY_SCHEDULE=1d
start_attune "$work" fuzz
# From the data dir, so no attune.toml in the working tree applies.
cd "$work"

# Something to find: contacts with both addresses, subscribed to offers, and a webhook endpoint,
# named to the hooks (hooks.py), which send every other generated ref, id and topic to them.
api() { curl -fsS -X "$1" "$ATTUNE_BASE_URL/api/v1$2" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d "$3"; }
for ref in fuzz-1 fuzz-2; do
  api PUT /contacts/$ref "{\"email\": \"$ref@example.com\", \"email_verified\": true, \"phone\": \"+1555555019${ref#fuzz-}\", \"phone_verified\": true}" > /dev/null
  api PATCH /contacts/$ref/preferences '{"reason": "fuzzing", "consent": {"source": "run.sh", "text": "Send me offers", "at": "2026-01-01T00:00:00Z"},
    "preferences": [{"topic": "offers", "subscribed": true, "channels": ["email", "sms"]}]}' > /dev/null
done
FUZZ_ENDPOINT_ID=$(api POST /webhook-endpoints '{"url": "http://127.0.0.1:9/hook"}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
export FUZZ_CONTACT_REF=fuzz-1 FUZZ_ERASABLE_REF=fuzz-2 FUZZ_ENDPOINT_ID
export SCHEMATHESIS_HOOKS=$repo/server/tests/schemathesis/hooks.py

# Every check but these, none of which would point at a real defect here:
# - positive_data_acceptance: a body the schema allows can still be refused for a reason no JSON
#   schema can state (a topic that does not exist: 404; a subscribe without consent, an unknown
#   IANA time zone: 422), and those answers are right;
# - use_after_free, ensure_resource_availability: they follow OpenAPI links through the
#   stateful phase; the document declares no links, so they would test nothing;
# - allow_header_conformance: the unsupported_method check below already asserts 405 for every
#   method a path does not have (and axum sends Allow with it);
# - object_level_authorization: needs a second sender's resources to reach for; every endpoint
#   query is scoped to the caller's sender id.
checks=not_a_server_error,status_code_conformance,content_type_conformance
checks+=,response_headers_conformance,response_schema_conformance,negative_data_rejection
checks+=,missing_required_header,unsupported_method,ignored_auth
status=0
timeout --signal=TERM --kill-after=10 "$timeout_s" \
  "${st[@]}" --no-color run "$ATTUNE_BASE_URL/api/v1/openapi.json" \
  --url "$ATTUNE_BASE_URL/api/v1" \
  --header "Authorization: Bearer $key" \
  --checks "$checks" \
  --phases examples,coverage,fuzzing \
  --max-examples "$examples" \
  --seed "$seed" \
  --generation-database none \
  --workers 1 \
  --request-timeout 10 \
  2>&1 | tee "$work/st.log" || status=$?

# The summary's "Test cases: N generated, …" line.
cases=$(sed -n 's/^ *\([0-9][0-9]*\) generated.*/\1/p' "$work/st.log" | tail -n1)
cases=${cases:-0}
echo "schemathesis: $cases generated test cases (at least $min_cases required)"
if grep -q 'ERROR' "$work/server.log"; then
  echo "the server logged errors:" >&2
  grep 'ERROR' "$work/server.log" | head -n 20 >&2
  status=1
fi
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
  echo "schemathesis did not finish within ${timeout_s}s" >&2
fi
if [ "$status" -eq 0 ] && [ "$cases" -lt "$min_cases" ]; then
  echo "too few test cases: $cases < $min_cases" >&2
  status=1
fi
exit "$status"
