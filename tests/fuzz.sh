#!/usr/bin/env bash
# Fuzzes memgate's readers and renderers for a bounded time (docs/security.md, "Fuzzing"): the
# targets of fuzz/ (cargo-fuzz, libFuzzer), each started from its corpus in fuzz/corpus/TARGET.
# Fails when any target crashes (a panic, a broken promise, a timeout, out of memory); the input
# is then in fuzz/artifacts/TARGET/, and `cargo fuzz run TARGET FILE` replays it.
#
#   MEMGATE_FUZZ_SECONDS   seconds per target (default 60)
#   MEMGATE_FUZZ_TARGETS   which targets (default: every one, as `cargo fuzz list` gives them)
#   MEMGATE_FUZZ_TARGET_DIR  where they are built (default: a cache folder outside the clone, so
#                          that a later run, in CI's fresh clone too, rebuilds only memgate)
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds=${MEMGATE_FUZZ_SECONDS:-60}
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "MEMGATE_FUZZ_SECONDS must be a whole number of seconds, got '$seconds'" >&2; exit 2; }

# Stable Rust: without a sanitizer cargo-fuzz passes rustc only stable -C flags (coverage
# instrumentation); -Zsanitizer=address would need nightly. The targets are safe Rust: what they
# look for is panics and broken promises. Debug assertions on, so an overflow is a crash too.
flags=(--sanitizer none --debug-assertions
  --target-dir "${MEMGATE_FUZZ_TARGET_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/memgate/fuzz-target}")
version=0.13.2
if [[ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $version" ]]; then
  cargo install cargo-fuzz --locked --version "$version"
fi

read -r -a targets <<<"${MEMGATE_FUZZ_TARGETS:-$(cargo fuzz list | tr '\n' ' ')}"
# All targets in one build (they share memgate's compiled crates); `run` then only starts them.
cargo fuzz build "${flags[@]}"

passed=0
failed=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for target in "${targets[@]}"; do
  # New inputs go to a scratch folder: the repository's corpus stays the few seeds it has.
  mkdir -p "$work/$target"
  dict=()
  [[ -f dict/$target.dict ]] && dict=(-dict="dict/$target.dict")
  echo "fuzz: $target for ${seconds}s"
  if cargo fuzz run "${flags[@]}" "$target" "$work/$target" "corpus/$target" -- \
    -max_total_time="$seconds" -len_control=0 -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
    "${dict[@]}" >"$work/$target.log" 2>&1; then
    passed=$((passed + 1))
    grep -E '^stat::number_of_executed_units|^Done ' "$work/$target.log" || true
  else
    failed=$((failed + 1))
    tail -n 60 "$work/$target.log"
    echo "fuzz: $target FAILED; the input is in fuzz/artifacts/$target/"
  fi
done
echo "fuzz: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
