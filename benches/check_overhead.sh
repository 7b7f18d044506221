#!/usr/bin/env bash
# memgate's own cost: `memgate check` on 20 benchmarks that run `true` (3 runs each) against the
# same 60 runs of `true` started bare, and memgate's own memory on a long run.
# Usage: benches/check_overhead.sh [SOAK_SECONDS]   (default 60; the docs' figure used 600)
set -euo pipefail
soak=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
memgate="$root/target/release/memgate"
[[ -x $memgate ]] || (cd "$root" && cargo build --release --quiet)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
{
  printf 'version: 1\ndefaults:\n  runs: 3\nbenchmarks:\n'
  for i in $(seq 1 20); do printf '  - name: t%s\n    argv: ["true"]\n' "$i"; done
} > "$dir/memgate.yml"

seconds() { python3 -c 'import sys,time,subprocess; t=time.perf_counter(); subprocess.run(sys.argv[1:], check=False); print(time.perf_counter()-t)' "$@"; }
echo "| method | memgate check, 60 runs (s) | 60 bare runs (s) | overhead per run (ms) |"
echo "| --- | --- | --- | --- |"
for method in cgroup sampled; do
  best_check=999; best_bare=999
  for _ in 1 2 3 4 5; do
    c=$(seconds "$memgate" check -q -c "$dir/memgate.yml" --method "$method")
    b=$(seconds sh -c 'for i in $(seq 60); do /bin/true; done')
    best_check=$(python3 -c "print(min($best_check, $c))")
    best_bare=$(python3 -c "print(min($best_bare, $b))")
  done
  python3 -c "print(f'| $method | {$best_check:.3f} | {$best_bare:.3f} | {($best_check-$best_bare)/60*1000:.2f} |')"
done
echo
echo "memgate's own memory and CPU while it measures \`sleep $soak\` at a 10 ms interval:"
/usr/bin/time -v "$memgate" run --interval 10ms -- sleep "$soak" 2> "$dir/time.txt" || true
grep -E "Maximum resident|User time|System time|Elapsed" "$dir/time.txt" | sed 's/^\s*/- /'
