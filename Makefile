# Guildhall: `make run` serves the portal, `make test` runs every test.
# Both install what a fresh machine lacks (see README, "The two commands").

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

CARGO_LEPTOS_VERSION := 0.3.4
BINARYEN_VERSION := 132.0.0
# Tools installed here, not system-wide: wasm-opt from npm (Debian's is too old and breaks the bundle).
TOOLS := $(CURDIR)/.tools
export PATH := $(TOOLS)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

WASM_BINDGEN_VERSION = $(shell awk '/^name = "wasm-bindgen"$$/ {getline; gsub(/[^0-9.]/, ""); print; exit}' Cargo.lock)

.PHONY: run test tools test-tools build test-rust test-e2e

## Build the release and serve the portal at http://127.0.0.1:3000 (SQLite under data/).
run: build
	./target/release/guildhall serve

## Unit, integration (SQLite; PostgreSQL when TEST_POSTGRES_URL is set) and browser tests.
test: test-tools test-rust build test-e2e

build: tools
	cargo leptos build --release --precompress

tools:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@cargo leptos --version 2>/dev/null | grep -q " $(CARGO_LEPTOS_VERSION)$$" \
	  || cargo install cargo-leptos --version $(CARGO_LEPTOS_VERSION) --locked
	@wasm-bindgen --version 2>/dev/null | grep -q " $(WASM_BINDGEN_VERSION)$$" \
	  || cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)
	@[ -x $(TOOLS)/node_modules/.bin/wasm-opt ] \
	  || npm install --silent --no-save --prefix $(TOOLS) binaryen@$(BINARYEN_VERSION)

test-tools: tools
	@[ -x /usr/bin/chromium ] && [ -x /usr/bin/pdftotext ] \
	  || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils; }
	@[ -d end2end/node_modules/@playwright/test ] && [ -d end2end/node_modules/@axe-core/playwright ] \
	  || npm ci --silent --prefix end2end

test-rust:
	cargo test --workspace

test-e2e:
	cd end2end && npx playwright test
