# Attune's tasks. `make run` and `make test` work on a fresh machine: both install what they need.
.PHONY: setup setup-run build run test lint test-rust test-fuzz test-api-fuzz test-examples test-openapi-client test-e2e test-deploy image test-image sizes

## Everything the tests need (what running needs, and Chromium, Playwright, Postgres, the fuzzers).
setup:
	bash .ci/setup

## Only what building and running needs: the wasm target, nightly Rust with its source,
## wasm-bindgen-cli, wasm-opt, brotli.
setup-run:
	bash .ci/setup run

## The site, built in plain steps (no cargo-leptos, whose install took 20 of make run's minutes):
## 1. the islands' WebAssembly, on nightly, with its own copy of the standard library
##    (-Zbuild-std), panics that abort at once and Debug that writes nothing: no panic messages,
##    file names or Debug text in the browser's download (91 → 76 KB brotli; the page shows none
##    of them);
## 2. wasm-bindgen's loader beside it (`attune.js`, `attune.wasm`), and wasm-opt -Oz;
## 3. the stylesheet and the public files;
## 4. each front-end file compressed once, at the highest levels, beside it: the server sends
##    those copies as they are (and, from a directory, drops any older than their file; the tools
##    copy the file's time to the copy, to the second for brotli, hence the touch);
## 5. the new site replaces the files of target/site that differ (an unchanged site leaves the
##    server as built);
## 6. the server, on stable, last: the release binary takes target/site inside it (one artifact,
##    DESIGN §8).
## Both builds see the names Leptos reads at compile time (the files' name, the site's layout).
WASM_RUSTFLAGS = -Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none
SITE = target/site
NEW = target/site.new
LEPTOS_ENV = LEPTOS_OUTPUT_NAME=attune LEPTOS_SITE_ROOT=$(SITE) LEPTOS_SITE_PKG_DIR=pkg \
  LEPTOS_SITE_ADDR=127.0.0.1:3000 LEPTOS_RELOAD_PORT=3001 LEPTOS_LIB_DIR=app LEPTOS_BIN_DIR=server \
  LEPTOS_JS_MINIFY=false LEPTOS_HASH_FILES=false

build: setup-run
	env $(LEPTOS_ENV) RUSTFLAGS="$(WASM_RUSTFLAGS)" cargo +nightly build -p app --lib \
	  --target wasm32-unknown-unknown --target-dir target/front --profile wasm-release \
	  --no-default-features --features hydrate -Zbuild-std=std,panic_abort
	rm -rf $(NEW) && mkdir -p $(NEW)/pkg
	wasm-bindgen --target web --no-typescript --out-name attune --out-dir $(NEW)/pkg \
	  target/front/wasm32-unknown-unknown/wasm-release/app.wasm
	mv $(NEW)/pkg/attune_bg.wasm $(NEW)/pkg/attune.wasm
	wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
	  $(NEW)/pkg/attune.wasm -o $(NEW)/pkg/attune.wasm
	cp style/main.css $(NEW)/pkg/attune.css
	cp -R public/. $(NEW)/
	for f in $(NEW)/pkg/*.wasm $(NEW)/pkg/*.js $(NEW)/pkg/*.css; do \
	  brotli -f -k -q 11 "$$f" && gzip -f -k -9 -n "$$f" && touch "$$f.br" "$$f.gz"; \
	done
	bash deploy/sync-site.sh $(NEW) $(SITE)
	env $(LEPTOS_ENV) cargo build --release -p server --bin attune

## Runs Attune on the embedded default: SQLite in ./data, mail as .eml files in ./data/mail,
## demo data, at http://127.0.0.1:3000. The last line of the demo output is a sign-in link.
run: build
	./target/release/attune demo
	./target/release/attune serve

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

## Rust tests: every database test runs on SQLite and on Postgres (127.0.0.1:5432, or
## ATTUNE_TEST_POSTGRES_URL), each in a fresh database.
test-rust:
	cargo test --workspace

## Bad input at scale: schemathesis against /api/v1/openapi.json on the release build (a fresh
## SQLite data dir, a fixed seed, at least 1000 cases, at most 5 minutes).
## cargo-fuzz on the link-token parser, for a bounded time (a crash fails the run).
test-fuzz:
	cd server/fuzz && cargo +nightly fuzz run link_token -- -max_total_time=45

test-api-fuzz: build
	bash server/tests/schemathesis/run.sh

## The OpenAPI document as a client generator sees it: openapi-typescript (pinned, npm) turns
## /api/v1/openapi.json from the release build into TypeScript types and must print no warning;
## tsc type-checks a small program against them (strict), which calls `decide` through
## openapi-fetch and checks the answer.
test-openapi-client: build
	bash server/tests/openapi-client/run.sh

## The README's integration examples (curl, Python, Node) against the release build and a real
## SMTP server: each sends a mail whose List-Unsubscribe headers and links must arrive and work.
test-examples: build
	bash docs/examples/test.sh

## Browser tests against the release build, with JavaScript on and off.
test-e2e: build
	cd end2end && npx playwright test

## The systemd unit, checked by systemd-analyze with the built binary in place of
## /usr/local/bin/attune: any warning (an unknown key, a missing binary) fails.
test-deploy: build
	@unit=$$(mktemp -d)/attune.service; \
	sed "s|/usr/local/bin/attune|$(CURDIR)/target/release/attune|" deploy/attune.service > $$unit; \
	out=$$(systemd-analyze verify $$unit 2>&1); \
	if [ -n "$$out" ]; then echo "$$out"; exit 1; fi; \
	echo "deploy/attune.service: systemd-analyze verify found nothing"

## The container image (deploy/Containerfile): FROM scratch, the release binary and exactly the
## libraries ldd lists, non-root, /data as its volume. Prints its name and size.
image: build
	bash deploy/image.sh

## The image's smoke test: its filesystem exported and its attune run under chroot (containers
## cannot run here): /readyz, the site and the time zones from inside the binary, a sign-in mail.
test-image: image
	bash deploy/image-test.sh

test: setup lint test-rust test-fuzz test-api-fuzz test-examples test-openapi-client test-e2e test-deploy test-image sizes

## The size of what a browser downloads: wasm + js, raw and brotli-compressed.
sizes:
	@for f in target/site/pkg/attune.wasm target/site/pkg/attune.js target/site/pkg/attune.css; do \
	  printf '%-32s %8d bytes raw %8d bytes brotli %8s bytes served (.br)\n' "$$f" "$$(wc -c < $$f)" \
	    "$$(brotli -c -q 11 $$f | wc -c)" "$$( [ -f $$f.br ] && wc -c < $$f.br || echo none)"; \
	done
