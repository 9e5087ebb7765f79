# spendtop — two commands on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
# libpq for the postgres:// source; the server for the tests and `make bench` (a real PostgreSQL).
POSTGRES_APT_PACKAGES := libpq-dev postgresql
# Prometheus and promtool for the promql: tests and `make bench` (a real server, backfilled).
PROMETHEUS_APT_PACKAGES := prometheus
APT_PACKAGES := libncursesw5-dev libsqlite3-dev libcurl4-openssl-dev tmux $(POSTGRES_APT_PACKAGES) $(PROMETHEUS_APT_PACKAGES)
SWIFT ?= swift
BUILD_FLAGS ?=
BIN_DEBUG = .build/debug/spendtop
BIN_RELEASE = .build/release/spendtop
# `make install`: PREFIX=/usr/local unless given; DESTDIR is prepended to every path (packaging).
PREFIX ?= /usr/local
DESTDIR ?=
# The build whose binary and man page `make install` copies (the install check uses debug).
CONFIGURATION ?= release
MANPAGE = .build/plugins/GenerateManual/outputs/spendtop/spendtop.1

.PHONY: all setup build release demo test bench bench-anomaly fuzz tsan soak clean man install install-files uninstall install-check

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

# The Swift runtime and Foundation linked in (--static-swift-stdlib): 8–11 ms less start-up a run, since fewer
# shared objects are mapped and bound, which a headless export or check pays every time (docs/export.md).
# The product only: TestSupport imports XCTest, which has no static form.
release: setup
	$(SWIFT) build -c release --static-swift-stdlib --product spendtop $(BUILD_FLAGS)

# The console on simulated traffic; when it quits it prints the line that runs it on your own file.
demo: release
	$(BIN_RELEASE) demo

# The suite runs with TMPDIR set to a fresh folder that must be empty afterwards (scripts/tmp-clean.sh).
test: setup
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	scripts/tmp-clean.sh $(SWIFT) test --skip-build --disable-swift-testing $(BUILD_FLAGS)
	$(MAKE) --no-print-directory install-check

# libFuzzer over the parsers (Sources/spendtop-fuzz): saved regressions, then FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 60
fuzz: setup
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

# ThreadSanitizer over the concurrency tests: live ingest while the console reads, SSE/NDJSON reconnects,
# store failure and locking, alert delivery. Its own build folder (a second full build).
TSAN_TESTS ?= LiveIngestTests|StoreSafetyTests|AlertDeliveryTests|FeedTests|LiveConsoleConcurrencyTests|ConsoleAppTests|ParallelFileReadTests|CheckpointTests.testAReader|CheckpointTests.testABackground|CheckpointTests.testAReplayStopped|CheckpointTests.testAFailedReplay
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

# spendtop.1 from the ArgumentParser help (swift-argument-parser's generate-manual plugin).
man:
	$(SWIFT) package generate-manual --configuration $(CONFIGURATION) >/dev/null
	@test -s $(MANPAGE) && echo "man page: $(MANPAGE)"

# The release binary, its man page, the themes and bash/zsh/fish completions under $(DESTDIR)$(PREFIX).
install: release
	$(MAKE) --no-print-directory man CONFIGURATION=release
	$(MAKE) --no-print-directory install-files BIN=$(BIN_RELEASE)
	@echo "installed $(DESTDIR)$(PREFIX)/bin/spendtop; try: spendtop --version, man spendtop"

# Copies already-built files (BIN, MANPAGE): no compiler involved.
BIN ?= $(BIN_RELEASE)
install-files:
	install -d "$(DESTDIR)$(PREFIX)/bin" "$(DESTDIR)$(PREFIX)/share/man/man1" "$(DESTDIR)$(PREFIX)/share/spendtop/themes" \
	  "$(DESTDIR)$(PREFIX)/share/bash-completion/completions" "$(DESTDIR)$(PREFIX)/share/zsh/site-functions" \
	  "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d"
	install -m 755 "$(BIN)" "$(DESTDIR)$(PREFIX)/bin/spendtop"
	install -m 644 "$(MANPAGE)" "$(DESTDIR)$(PREFIX)/share/man/man1/spendtop.1"
	install -m 644 themes/*.toml "$(DESTDIR)$(PREFIX)/share/spendtop/themes/"
	"$(BIN)" --generate-completion-script bash > "$(DESTDIR)$(PREFIX)/share/bash-completion/completions/spendtop"
	"$(BIN)" --generate-completion-script zsh > "$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_spendtop"
	"$(BIN)" --generate-completion-script fish > "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/spendtop.fish"

uninstall:
	rm -f "$(DESTDIR)$(PREFIX)/bin/spendtop" "$(DESTDIR)$(PREFIX)/share/man/man1/spendtop.1" \
	  "$(DESTDIR)$(PREFIX)/share/bash-completion/completions/spendtop" "$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_spendtop" \
	  "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/spendtop.fish"
	rm -rf "$(DESTDIR)$(PREFIX)/share/spendtop"

# What `make install` does, with the debug build into a scratch DESTDIR, checked file by file (part of `make test`).
install-check:
	$(MAKE) --no-print-directory man CONFIGURATION=debug
	scripts/check_install.sh "$(BIN_DEBUG)"

clean:
	rm -rf .build .build-fuzz .build-tsan
