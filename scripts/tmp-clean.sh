#!/usr/bin/env bash
# tmp-clean.sh COMMAND…: runs COMMAND with TMPDIR set to a fresh folder and fails when it leaves
# anything there. Only the toolchain's own leftovers are allowed (the Swift driver's
# TemporaryDirectory.* holding just .keep-directory, SwiftPM's empty *.lock files); everything
# the tests make (files, stores, tmux sockets, servers' files) must be removed by the tests.
set -uo pipefail
base="${TMPDIR:-/tmp}"
fresh=$(mktemp -d "$base/spendtop-tmpcheck.XXXXXX")
# Like /tmp itself: tests run servers and checks as other users (postgres, nobody) under it.
chmod 1777 "$fresh"
# A copy of the output, so a crash's cause is repeated at the end, where a CI log's tail shows it.
log=$(mktemp "$base/spendtop-tmpcheck-log.XXXXXX")
TMPDIR="$fresh" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
    echo "tmp-clean: the command failed (exit $status); the last test it started:" >&2
    grep -a "^Test Case '.*' started" "$log" | tail -1 >&2
    grep -a -E "Fatal error|Program crashed|error: -\[" "$log" | head -20 >&2
    grep -a -A 30 -E "^Thread [0-9]+.* crashed:" "$log" | sed "/^Registers:/q" | head -40 >&2
fi
rm -f "$log"
left=$(cd "$fresh" && find . -mindepth 1 -maxdepth 1 \
    ! \( -type f -name '*.lock' -empty \) \
    ! \( -type d -name 'TemporaryDirectory.*' -exec sh -c '[ "$(ls -A "$1")" = .keep-directory ] || [ -z "$(ls -A "$1")" ]' _ {} \; \) \
    -print | sort)
if [ -n "$left" ]; then
    echo "tmp-clean: the tests left $(echo "$left" | wc -l) entries in TMPDIR ($(du -sh "$fresh" | cut -f1)):" >&2
    (cd "$fresh" && echo "$left" | head -50 | xargs -d '\n' du -sh) >&2
    [ "$status" -eq 0 ] && status=1
else
    echo "tmp-clean: nothing left in TMPDIR"
fi
rm -rf "$fresh"
exit "$status"
