#!/usr/bin/env bash
# `make install-check` (run by `make test`): installs BIN with `make install-files` into a scratch DESTDIR
# and checks every file landed where `make install` puts it and works from there.
set -euo pipefail
bin=${1:-.build/debug/spendtop}
root=$(mktemp -d "${TMPDIR:-/tmp}/spendtop-install-check.XXXXXX")
trap 'rm -rf "$root"' EXIT
fail() { echo "install-check: FAIL: $*" >&2; exit 1; }

# PREFIX defaults to /usr/local; DESTDIR goes in front of every path.
# (Read whole before matching: `grep -q` quitting early makes the writer's SIGPIPE fail the pipeline.)
plan=$(make -s -n install-files BIN="$bin")
grep -q '"/usr/local/bin/spendtop"' <<<"$plan" || fail "PREFIX does not default to /usr/local"
make --no-print-directory install-files BIN="$bin" DESTDIR="$root" PREFIX=/usr >/dev/null
p="$root/usr"
for f in bin/spendtop share/man/man1/spendtop.1 share/bash-completion/completions/spendtop \
         share/zsh/site-functions/_spendtop share/fish/vendor_completions.d/spendtop.fish share/spendtop/themes/default.toml; do
  [ -s "$p/$f" ] || fail "missing $f"
done
[ -z "$(find "$root" -mindepth 1 -maxdepth 1 ! -name usr)" ] || fail "files outside DESTDIR/PREFIX"

"$p/bin/spendtop" --version | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+$' || fail "spendtop --version"
# The installed binary finds its themes beside it (share/spendtop/themes), not in the source tree.
themes=$(cd "$root" && "$p/bin/spendtop" "$OLDPWD/sample-data/openai-responses.jsonl" --no-store --theme nope 2>&1 || true)
case "$themes" in *"available: default, light, solarized-dark, high-contrast, mono"*) ;; *) fail "themes: $themes" ;; esac

# The man page is the ArgumentParser help: every subcommand and option is in it.
page="$p/share/man/man1/spendtop.1"
grep -q '^\.Dt SPENDTOP 1' "$page" || fail "man page header"
for word in export check demo -wait-for-source -no-store -view; do grep -q -- "$word" "$page" || fail "man page lacks $word"; done
if command -v man >/dev/null; then
  rendered=$(MANWIDTH=100 man -l "$page" 2>/dev/null || true)
  grep -q "top for AI inference spend" <<<"$rendered" || fail "man -l does not render it"
fi

# Completions: valid shell, for this command.
bash -n "$p/share/bash-completion/completions/spendtop" || fail "bash completion is not valid bash"
grep -q 'complete .*spendtop' "$p/share/bash-completion/completions/spendtop" || fail "bash completion registers nothing"
head -1 "$p/share/zsh/site-functions/_spendtop" | grep -q '#compdef spendtop' || fail "zsh completion"
grep -q "complete -c 'spendtop'" "$p/share/fish/vendor_completions.d/spendtop.fish" || fail "fish completion"
if command -v zsh >/dev/null; then zsh -n "$p/share/zsh/site-functions/_spendtop" || fail "zsh completion syntax"; fi
if command -v fish >/dev/null; then fish -n "$p/share/fish/vendor_completions.d/spendtop.fish" || fail "fish completion syntax"; fi
echo "install-check: ok ($(find "$root" -type f | wc -l) files under DESTDIR; binary, themes, man page and completions checked)"
