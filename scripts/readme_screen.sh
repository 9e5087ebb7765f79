#!/usr/bin/env bash
# Regenerates the sample screens of README.md (120×40) and docs/console.md (120×32) from the demo:
# runs `spendtop demo` in a detached tmux pane of that size, waits until its scripted incidents are on
# screen, and replaces the block between <!-- demo-screen:begin --> and <!-- demo-screen:end -->.
# `--print W H` writes one screen to stdout instead. EndToEndTests/ReadmeScreenTests checks that both
# files' screens have the layout the demo draws now.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${SPENDTOP_BIN:-.build/release/spendtop}
[ -x "$bin" ] || bin=.build/debug/spendtop
[ -x "$bin" ] || { echo "build spendtop first (make release)" >&2; exit 1; }
command -v tmux >/dev/null || { echo "tmux is needed (make setup installs it)" >&2; exit 1; }

capture() {  # capture WIDTH HEIGHT: the demo's screen once its incidents show
  local width=$1 height=$2 name="spendtop-readme-$$-$1x$2" state screen
  state=$(mktemp -d "${TMPDIR:-/tmp}/spendtop-readme.XXXXXX")
  tmux new-session -d -s "$name" -x "$width" -y "$height" \
    "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 XDG_STATE_HOME=$state XDG_CONFIG_HOME=$state $bin demo --speed 60; sleep 30"
  # The key whose spend jumps and the idle GPU show a few simulated minutes in; alerts (▲) soon after.
  for _ in $(seq 1 300); do
    screen=$(tmux capture-pane -p -t "$name")
    [[ "$screen" == *"sk-…7f3a"* && "$screen" == *"idle"* ]] && break
    sleep 0.1
  done
  for _ in $(seq 1 100); do
    [[ "$(tmux capture-pane -p -t "$name")" == *"▲ "*"alert"* ]] && break
    sleep 0.1
  done
  screen=$(tmux capture-pane -p -t "$name")
  tmux kill-session -t "$name" 2>/dev/null || true
  rm -rf "$state"
  [[ "$screen" == *"sk-…7f3a"* ]] || { echo "the demo did not show its incidents:" >&2; echo "$screen" >&2; return 1; }
  printf '%s\n' "$screen"
}

replace() {  # replace FILE SCREEN
  python3 - "$1" "$2" <<'PY'
import sys
path, screen = sys.argv[1], sys.argv[2].rstrip("\n")
text = open(path, encoding="utf-8").read()
begin, end = "<!-- demo-screen:begin -->", "<!-- demo-screen:end -->"
if begin not in text or end not in text:
    sys.exit(f"{path} has no demo-screen markers")
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open(path, "w", encoding="utf-8").write(head + begin + "\n```\n" + screen + "\n```\n" + end + tail)
print(f"{path}: sample screen regenerated")
PY
}

if [ "${1:-}" = "--print" ]; then capture "${2:-120}" "${3:-40}"; exit 0; fi
replace README.md "$(capture 120 40)"
replace docs/console.md "$(capture 120 32)"
