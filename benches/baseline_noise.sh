#!/usr/bin/env bash
# False-positive rate of --baseline-ref: a benchmark whose memory does not change (base and head
# differ by a comment only) compared N times at a 5% threshold. Prints a Markdown table.
# Usage: benches/baseline_noise.sh [N]   (default 20; uses target/release/memgate)
set -euo pipefail
n=${1:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
memgate="$root/target/release/memgate"
[[ -x $memgate ]] || (cd "$root" && cargo build --release --quiet)
python=$(python3 -c 'import sys; print(sys.executable)')
repo=$(mktemp -d)
trap 'rm -rf "$repo"' EXIT
cd "$repo"
git init -q -b main
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
cat > memgate.yml <<YML
version: 1
defaults:
  runs: 3
  regression: { peak: 5%, steady: 5%, min_delta: 0B }
benchmarks:
  - name: steady-200
    argv: [$python, work.py]
YML
cat > work.py <<'PY'
import time
chunks = [bytearray(b"x") * (20 << 20) for _ in range(10)]   # 200 MiB in 10 chunks
time.sleep(0.5)
PY
git add . && git commit -qm base
echo "# unchanged" >> work.py && git commit -qam head
regressions=0
echo "| run | base peak (MiB) | head peak (MiB) | change | peak verdict |"
echo "| --- | --- | --- | --- | --- |"
for i in $(seq 1 "$n"); do
  code=0
  "$memgate" check --quiet --baseline-ref HEAD~1 --json r.json || code=$?
  python3 - "$i" "$code" <<'PY'
import json, sys
r = json.load(open("r.json"))["benchmarks"][0]
base, head = r["baseline"]["peak_bytes"], r["peak_bytes"]
checks = [c for c in r["checks"] if c["kind"] == "regression"]
verdict = "regression" if any(not c["ok"] for c in checks) else "ok"
print(f"| {sys.argv[1]} | {base/2**20:.1f} | {head/2**20:.1f} | {100*(head-base)/base:+.2f}% | {verdict} (exit {sys.argv[2]}) |")
PY
  [[ $code -eq 0 ]] || regressions=$((regressions + 1))
done
echo
echo "false positives: $regressions of $n comparisons at a 5% threshold (min_delta 0)"
