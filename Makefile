# spendtop — two commands on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
APT_PACKAGES := libncursesw5-dev libsqlite3-dev libcurl4-openssl-dev tmux
SWIFT ?= swift
BUILD_FLAGS ?=
BIN_DEBUG = .build/debug/spendtop
BIN_RELEASE = .build/release/spendtop

.PHONY: all setup build release demo test bench bench-anomaly fuzz tsan soak clean

all: build

# Installs the Debian packages the system-library targets link against, only when missing.
setup:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

build: setup
	$(SWIFT) build $(BUILD_FLAGS)

release: setup
	$(SWIFT) build -c release $(BUILD_FLAGS)

demo: release
	$(BIN_RELEASE) demo

# The suite runs with TMPDIR set to a fresh folder that must be empty afterwards (scripts/tmp-clean.sh).
test: setup
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	scripts/tmp-clean.sh $(SWIFT) test --skip-build --disable-swift-testing $(BUILD_FLAGS)

# libFuzzer over the parsers (Sources/spendtop-fuzz): saved regressions, then FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 60
fuzz: setup
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

# ThreadSanitizer over the concurrency tests: live ingest while the console reads, SSE/NDJSON reconnects,
# store failure and locking, alert delivery. Its own build folder (a second full build).
TSAN_TESTS ?= LiveIngestTests|StoreSafetyTests|AlertDeliveryTests|FeedTests|LiveConsoleConcurrencyTests|ConsoleAppTests
tsan: setup
	$(SWIFT) build --build-tests --sanitize=thread --scratch-path .build-tsan $(BUILD_FLAGS)
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" SWIFT_BACKTRACE=enable=no scripts/tmp-clean.sh \
	    $(SWIFT) test --skip-build --sanitize=thread --scratch-path .build-tsan --disable-swift-testing $(BUILD_FLAGS) \
	    --filter '$(TSAN_TESTS)'

# Not in CI: 30 minutes of a followed file at 50k events/s with rotations and a reconnecting SSE source.
SOAK_MINUTES ?= 30
soak: release
	python3 scripts/soak.py --bin $(BIN_RELEASE) --minutes $(SOAK_MINUTES)

bench: release
	@python3 -c "import duckdb" 2>/dev/null || pip install -q duckdb
	python3 scripts/bench.py --bin $(BIN_RELEASE)

# Anomaly detection on the labelled incident suite: precision, recall, median delay per kind (docs/anomalies.md).
bench-anomaly: release
	$(BIN_RELEASE) bench-anomaly

clean:
	rm -rf .build .build-fuzz .build-tsan
