#!/usr/bin/env bash
# make fuzz: builds the libFuzzer harness (Sources/spendtop-fuzz) with -sanitize=fuzzer,address in
# .build-fuzz, runs every saved regression input once, then fuzzes each target for FUZZ_SECONDS
# (default 60) from its seed corpus (Fuzz/corpus/TARGET). A crash fails the run; its input is kept
# in .build-fuzz/found/ and printed in base64, to be added to Fuzz/regressions/TARGET/ with the fix.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-"native importers sse prometheus toml rules checkpoint"}
swift build -c debug --scratch-path .build-fuzz --product spendtop-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DSPENDTOP_FUZZ 2>&1 | grep -v "Cannot export local symbol" || exit 1
bin=$(swift build -c debug --scratch-path .build-fuzz --show-bin-path \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DSPENDTOP_FUZZ)/spendtop-fuzz
[ -x "$bin" ] || { echo "fuzz: no $bin" >&2; exit 1; }
found=.build-fuzz/found
mkdir -p "$found"
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1
# Each target in a function of its own, FUZZ_JOBS (default: the cores) at a time: the fuzzing time is fixed per
# target, so running them side by side shortens `make fuzz` without fuzzing any less. Messages are kept per
# target and printed in the targets' order.
fuzz_one() {
    local t=$1 status=0 work rc runs cov a
    if compgen -G "Fuzz/regressions/$t/*" >/dev/null; then
        if ! SPENDTOP_FUZZ_TARGET=$t "$bin" Fuzz/regressions/$t/* >"$found/$t-regressions.log" 2>&1; then
            echo "fuzz: $t: a saved regression input fails again:" >&2; tail -30 "$found/$t-regressions.log" >&2; status=1
        else
            echo "fuzz: $t: $(ls Fuzz/regressions/$t | wc -l) regression inputs pass"
        fi
    fi
    work=$(mktemp -d "${TMPDIR:-/tmp}/spendtop-fuzz-$t.XXXXXX")
    SPENDTOP_FUZZ_TARGET=$t "$bin" "$work" "Fuzz/corpus/$t" -max_total_time="$seconds" -max_len=65536 \
        -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$found/$t-" -print_final_stats=1 >"$found/$t.log" 2>&1
    rc=$?
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$found/$t.log" | grep -o '[0-9]*$')
    cov=$(grep -o 'cov: [0-9]*' "$found/$t.log" | tail -1)
    if [ $rc -ne 0 ]; then
        status=1
        echo "fuzz: $t: FAILED after ${runs:-?} runs" >&2
        grep -E "ERROR|Fatal error|SUMMARY|==[0-9]+==" "$found/$t.log" | head -20 >&2
        for a in "$found/$t-"*; do
            case "$a" in *.log) continue ;; esac
            [ -f "$a" ] || continue
            echo "fuzz: $t: input $a (base64, add it to Fuzz/regressions/$t/):" >&2
            base64 -w0 "$a" | head -c 20000 >&2; echo >&2
        done
    else
        echo "fuzz: $t: ${runs:-?} runs in ${seconds}s, ${cov:-cov ?}, no crash"
    fi
    rm -rf "$work"
    return $status
}
jobs_max=${FUZZ_JOBS:-$(nproc)}
pids=()
for t in $targets; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n || true; done
    fuzz_one "$t" >"$found/$t.out" 2>&1 &
    pids+=("$!")
done
status=0
i=0
for t in $targets; do
    wait "${pids[$i]}" || status=1
    cat "$found/$t.out"
    i=$((i + 1))
done
exit $status
