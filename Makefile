# spendtop — two commands on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
# Prometheus and promtool for the promql: tests and `make bench` (a real server, backfilled).
PROMETHEUS_APT_PACKAGES := prometheus
APT_PACKAGES := libncursesw5-dev libsqlite3-dev libcurl4-openssl-dev tmux $(PROMETHEUS_APT_PACKAGES)
SWIFT ?= swift
BUILD_FLAGS ?=
BIN_DEBUG = .build/debug/spendtop
BIN_RELEASE = .build/release/spendtop

.PHONY: all setup build release demo test bench bench-anomaly clean

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

test: setup
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build --disable-swift-testing $(BUILD_FLAGS)

bench: release
	@python3 -c "import duckdb" 2>/dev/null || pip install -q duckdb
	python3 scripts/bench.py --bin $(BIN_RELEASE)

# Anomaly detection on the labelled incident suite: precision, recall, median delay per kind (docs/anomalies.md).
bench-anomaly: release
	$(BIN_RELEASE) bench-anomaly

clean:
	rm -rf .build
