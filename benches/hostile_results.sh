#!/usr/bin/env bash
# memgate's own memory and time on hostile results files just under the 64 MiB cap (issue 11,
# defect 13): the shapes that take the most memory per byte of JSON, each read by `memgate report`
# into every format. The target: peak RSS at most 4 times the file's size + 64 MiB; a file past a
# cap or the memory budget is refused (exit 2) before it fills memory.
# Usage: benches/hostile_results.sh [SHAPE...]   (default: all; prints a Markdown table)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
memgate="$root/target/release/memgate"
[[ -x $memgate ]] || (cd "$root" && cargo build --release --quiet)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# Writes $dir/SHAPE.json for each shape, as close under 64 MiB as whole units allow.
python3 - "$dir" "$@" <<'PY'
import json, sys
out, wanted = sys.argv[1], sys.argv[2:]
CAP = 64 << 20
# What memgate may spend on what it reads (results/limits.rs: 2 bytes per byte of the file), and
# what the items below weigh there (their size in memory; a short string's heap block is 32).
BUDGET = 2 * CAP
RUN, POINT, BENCHMARK, CHECK, STRING = 184, 16, 384, 64, 24 + 32
HEAD = ('{"schema":"memgate/results@1","memgate_version":"0","created_at":"x","environment":'
        '{"os":"l","kernel":"k","cpus":1,"memory_bytes":1,"method":"sampled"},"status":"pass",'
        '"benchmarks":[')
def benchmark(runs, name="b", extra=""):
    return ('{"name":%s,"command":"c","status":"pass","peak_bytes":0,"steady_bytes":0,'
            '"growth_bytes_per_sec":0,"duration_secs":0,"method":"sampled"%s,"runs":[%s]}'
            % (json.dumps(name), extra, ",".join(runs)))
def named_run(points, flat=False):
    timeline = (["[0,0]"] * points if flat
                else ["[%d,%d]" % (i // 7, 1 << 30) for i in range(points)])
    return ('{"peak_bytes":0,"peak_total_bytes":0,"file_peak_bytes":0,"steady_bytes":0,'
            '"growth_bytes_per_sec":0,"leak":false,"duration_secs":0,"timed_out":false,'
            '"oom_killed":false,"processes":0,"samples":0,"timeline":[%s]}' % ",".join(timeline))
def array_run(points=0, notes=0):
    return ('[0,0,0,0,0,false,0,null,null,false,false,null,0,0,null,[%s],[%s]]'
            % (",".join(['"n"'] * notes), ",".join(["[0,0]"] * points)))
def fill(unit, weight, count=10_000, pad=True):
    """Copies of the benchmark `unit` that weighs `weight`: as many as the size cap, the memory
    budget (with 2% to spare) and `count` allow; then spaces up to the cap, which cost nothing in
    memory and raise the budget: the worst a file of that shape can do."""
    n = min(count, (CAP - len(HEAD) - 2) // (len(unit) + 1), int(BUDGET * 0.98) // weight)
    text = HEAD + ",".join([unit] * n) + "]}"
    return text + " " * (CAP - len(text)) if pad else text
shapes = {
    # The issue's file: one run of 64 MiB of points. Refused at point 4,001.
    "one-timeline": lambda: HEAD + benchmark([named_run(11_000_000, flat=True)]) + "]}",
    # Points spread over runs of 4,000: 16 bytes in memory per 6 of JSON.
    "timelines": lambda: fill(benchmark([array_run(points=4000)] * 100),
                              BENCHMARK + 100 * (RUN + 4000 * POINT)),
    # Runs as 62-byte arrays, 184 bytes each in memory.
    "array-runs": lambda: fill(benchmark([array_run()] * 1000), BENCHMARK + 1000 * RUN),
    # The same with two one-letter notes, with no room to spare: over the budget, refused.
    "array-runs-notes": lambda: fill(benchmark([array_run(notes=2)] * 1000), 1, pad=False),
    # 10,000 benchmarks of one 400-point run: the charts' worst case.
    "benchmarks": lambda: fill(benchmark([named_run(400)]), BENCHMARK + RUN + 400 * POINT),
    # 10,000 benchmarks of 64 one-letter tags: 56 bytes in memory for 4 of JSON.
    "tags": lambda: fill(benchmark([], extra=',"tags":[%s]' % ",".join(['"t"'] * 64)),
                         BENCHMARK + 64 * STRING),
    # 10,000 benchmarks of 64 checks with details.
    "checks": lambda: fill(benchmark([named_run(10)], extra=',"checks":[%s]' % ",".join(
        ['{"metric":"peak","kind":"budget","limit":1,"actual":2,"ok":false,"detail":"%s"}'
         % ("d" * 40)] * 64)), BENCHMARK + RUN + 64 * (CHECK + 48)),
    # One name of 60 MiB.
    "long-name": lambda: HEAD + benchmark([named_run(10)], name="n" * (60 << 20)) + "]}",
}
for name, make in shapes.items():
    if not wanted or name in wanted:
        text = make()
        assert len(text) <= CAP, (name, len(text))
        with open(f"{out}/{name}.json", "w") as f:
            f.write(text)
PY

echo "| file | MiB | output | exit | peak RSS (MiB) | limit (MiB) | seconds |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for file in "$dir"/*.json; do
  shape=$(basename "$file" .json)
  bytes=$(stat -c %s "$file")
  limit=$(( (4 * bytes >> 20) + 64 ))
  for output in --markdown --html --junit --charts; do
    target=/dev/null
    [[ $output == --charts ]] && target="$dir/charts" && rm -rf "$target"
    set +e
    /usr/bin/time -f '%M %e' -o "$dir/time.txt" \
      timeout 900 "$memgate" report "$file" "$output" "$target" 2> "$dir/err.txt" > /dev/null
    code=$?
    set -e
    read -r kib secs < <(tail -1 "$dir/time.txt")
    [[ $code == 124 ]] && secs=">900"
    echo "| $shape | $((bytes >> 20)) | ${output#--} | $code | $((kib >> 10)) | $limit | $secs |"
    # A refused file is refused by every output alike: once is enough.
    [[ $code == 2 ]] && sed 's/^/  /' "$dir/err.txt" | cut -c1-200 >&2 && break
  done
done
