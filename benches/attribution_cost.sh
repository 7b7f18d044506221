#!/usr/bin/env bash
# What attribution's re-run under memray costs (issue 14, item 2; docs/attribution.md): each
# workload of tests/workloads/attribution/ measured 3 times by `memgate check --attribute`, its
# runs' wall times beside the re-run's (which the results store as attribution.wall_secs).
# Usage: benches/attribution_cost.sh PYTHON   (an interpreter with memray 1.20.0 and joblib;
# prints a Markdown table)
set -euo pipefail
python=${1:?usage: $0 PYTHON (with memray and joblib)}
root=$(cd "$(dirname "$0")/.." && pwd)
memgate="$root/target/release/memgate"
[[ -x $memgate ]] || (cd "$root" && cargo build --release --quiet)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
workloads="$root/tests/workloads/attribution"
{
  echo "version: 1"
  echo "defaults: { runs: 3 }"
  echo "benchmarks:"
  for name in hold pool small_objects; do
    echo "  - name: $name"
    echo "    argv: [$python, $workloads/$name.py]"
  done
} >"$dir/memgate.yml"
(cd "$dir" && "$memgate" check --attribute --quiet --json r.json >/dev/null)
python3 - "$dir/r.json" <<'PY'
import json, statistics, sys
results = json.load(open(sys.argv[1]))
print("| workload | runs (s) | median run (s) | memray re-run (s) | ratio | memray's peak | measured peak |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
for b in results["benchmarks"]:
    runs = [r["duration_secs"] for r in b["runs"]]
    a = b["attribution"]
    median = statistics.median(runs)
    print("| %s | %s | %.2f | %.2f | %.1f× | %.1f MiB | %.1f MiB |" % (
        b["name"], " / ".join("%.2f" % r for r in runs), median, a["wall_secs"],
        a["wall_secs"] / median, a["peak_bytes"] / 2**20, b["peak_bytes"] / 2**20))
PY
