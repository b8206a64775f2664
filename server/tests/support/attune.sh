# What the shell tests that run a real `attune` share (server/tests/schemathesis/run.sh,
# server/tests/openapi-client/run.sh, docs/examples/test.sh). Source it from the repository root.

# The binary to test, as an absolute path in $bin: ATTUNE_BIN, else the release build, else the
# debug build (built when there is none), under CARGO_TARGET_DIR when it is set.
find_attune() {
  local target=${CARGO_TARGET_DIR:-target}
  if [ -n "${ATTUNE_BIN:-}" ]; then
    bin=$ATTUNE_BIN
  elif [ -x "$target/release/attune" ]; then
    bin=$target/release/attune
  elif [ -x "$target/debug/attune" ]; then
    bin=$target/debug/attune
  else
    cargo build -p server --bin attune
    bin=$target/debug/attune
  fi
  case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
  [ -x "$bin" ] || { echo "no attune binary at $bin" >&2; exit 1; }
}

# A TCP port on 127.0.0.1 that nothing listens on.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_attune WORK SENDER: `attune serve` on a free port with a fresh SQLite data dir in WORK,
# the demo topics and contacts, and a sender key named SENDER in $key; the server's pid in
# $server_pid, its log in WORK/server.log. Every command runs in WORK, so no attune.toml of the
# working tree applies; the settings are exported for the caller's own commands. Returns once
# the server answers /healthz.
start_attune() {
  local work=$1 sender=$2
  export ATTUNE_DATA_DIR=$work/data
  export ATTUNE_LISTEN=127.0.0.1:$(free_port)
  export ATTUNE_BASE_URL=http://$ATTUNE_LISTEN
  export ATTUNE_LOG=warn
  unset DATABASE_URL ATTUNE_CONFIG
  mkdir -p "$ATTUNE_DATA_DIR"
  (cd "$work" && "$bin" demo > /dev/null)
  key=$(cd "$work" && "$bin" sender create "$sender" | tail -n1)
  (cd "$work" && exec "$bin" serve > "$work/server.log" 2>&1) &
  server_pid=$!
  for _ in $(seq 100); do
    curl -fs "$ATTUNE_BASE_URL/healthz" > /dev/null 2>&1 && return 0
    kill -0 "$server_pid" 2> /dev/null || { cat "$work/server.log" >&2; echo "attune did not start" >&2; exit 1; }
    sleep 0.1
  done
  echo "attune did not answer /healthz within 10 s" >&2
  exit 1
}

# Stops the processes whose pids are given (none given: nothing), and waits for them.
stop_pids() {
  for pid in "$@"; do
    kill "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
  done
}
