#!/usr/bin/env python3
"""memgate's accuracy and overhead benchmark (issue 2, "Proof in the repo"). Not a timed test.

Usage: python3 benches/accuracy.py [--quick] [--reps N] [--slowdown-reps N] [--build] [--no-mprof]
                                   [--only accuracy|overhead|slowdown]

Prints Markdown tables:

1. Peak memory per workload (tests/workloads/): the truth, measured by this script itself in a
   fresh memory cgroup that it makes (v1 `memory.max_usage_in_bytes`, v2 `memory.peak`), beside
   `memgate run --method cgroup`, `memgate run --method sampled`, `/usr/bin/time -v` (maximum
   resident set size) and memory_profiler (`mprof run --include-children`, installed into a venv
   under /tmp when it is not there; the column says so when it cannot be).
2. Steady state and growth on the steady hold and the leak, with both memgate methods.
3. The sampler's own CPU use (memgate's utime + stime, its children excluded) at 10 ms and 1 ms on
   a 5-process tree, as a percentage of one core over the run's wall time.
4. The wall-time slowdown of a CPU-bound pure-Python loop under memgate against bare, from
   interleaved runs (median of each).

Uses target/release/memgate (built with `cargo build --release` when missing, or with --build).
Run it alone on the machine: other load skews the CPU figures. Needs root (or a delegated cgroup)
for the truth column; without it the truth column falls back to the workload's nominal size.
"""

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKLOADS = os.path.join(ROOT, "tests", "workloads")
MEMGATE = os.path.join(ROOT, "target", "release", "memgate")
PYTHON = sys.executable  # the real interpreter, not a pyenv shim
MIB = 1 << 20
VENV = "/tmp/memgate-bench-venv"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def w(name):
    return os.path.join(WORKLOADS, name)


def py(script, *args):
    return [PYTHON, w(script)] + [str(a) for a in args]


# --------------------------------------------------------------------------------------------
# Workloads: (label, argv, nominal MiB allocated at the peak, forked extra processes)


def workloads(quick):
    hold = 1.0 if quick else 1.5
    items = [
        ("512 MiB spike, freed at once", py("spike.py", 512), 512),
        ("4 forked workers × 200 MiB at once", py("workers_at_once.py", 4, 200, hold), 800),
        ("4 forked workers × 200 MiB in turn", py("workers_in_turn.py", 4, 200, 0.5), 200),
        ("300 MiB parent + 4 forked readers (copy-on-write)", py("cow_readers.py", 300, 4, hold), 300),
        ("300 MiB parent + 4 forked readers that each allocate 100 MiB", py("cow_workers.py", 300, 4, 100, hold), 700),
        ("double-forked grandchild holding 300 MiB", py("orphan.py", 300, hold), 300),
        ("shell running the program (200 MiB)", ["sh", w("shell_runs.sh"), PYTHON, 200, hold], 200),
        ("steady hold, 200 MiB for 3 s", py("steady.py", 200, 3), 200),
        ("leak, 4 MiB every 0.1 s for 4 s", py("leak.py", 4, 40, 0.1), 160),
    ]
    return [(label, [str(a) for a in argv], size) for label, argv, size in items]


# --------------------------------------------------------------------------------------------
# Truth: a fresh memory cgroup made by this script.


def own_memory_cgroup():
    """(directory, version) of this process's memory cgroup where a child cgroup with the memory
    controller can be made, else (None, reason)."""
    v2_path = None
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if "memory" in controllers.split(","):
                d = "/sys/fs/cgroup/memory" + path
                if os.path.exists(os.path.join(d, "memory.max_usage_in_bytes")) and os.access(d, os.W_OK):
                    return d, 1
            elif controllers == "":
                v2_path = path
    if v2_path is not None:
        d = "/sys/fs/cgroup" + v2_path
        try:
            with open(os.path.join(d, "cgroup.subtree_control")) as f:
                if "memory" in f.read().split() and os.access(d, os.W_OK):
                    return d, 2
        except OSError:
            pass
        return None, "cgroup v2 without the memory controller delegated to this process"
    return None, "no writable memory cgroup"


def cgroup_version_text():
    home, version = own_memory_cgroup()
    if home:
        return f"v{version} (memory controller writable at {home})"
    if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
        return f"v2 ({version})"
    return f"v1 ({version})"


def kernel_truth(argv):
    """Peak anonymous + shared bytes of argv's whole tree (orphans too), from a fresh cgroup, or
    None when none can be made."""
    home, version = own_memory_cgroup()
    if home is None:
        return None
    leaf = os.path.join(home, f"bench-truth-{os.getpid()}-{time.monotonic_ns()}")
    os.mkdir(leaf)
    try:
        procs = os.path.join(leaf, "cgroup.procs")

        def join():
            with open(procs, "w") as f:
                f.write("0")

        proc = subprocess.run(argv, preexec_fn=join, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if proc.returncode != 0:
            raise RuntimeError(f"{argv} failed: {proc.stderr.decode(errors='replace')}")
        while open(procs).read().strip():  # orphans of the tree still live in the leaf
            time.sleep(0.01)
        stat = dict(line.split() for line in open(os.path.join(leaf, "memory.stat")))
        if version == 1:
            peak = int(open(os.path.join(leaf, "memory.max_usage_in_bytes")).read())
            file_pages = int(stat["cache"]) - int(stat["shmem"])
        else:
            peak = int(open(os.path.join(leaf, "memory.peak")).read())
            file_pages = int(stat["file"]) - int(stat["shmem"])
        return peak - max(file_pages, 0)
    finally:
        for _ in range(400):
            try:
                os.rmdir(leaf)
                break
            except OSError:
                time.sleep(0.005)


def baseline_bytes():
    """The idle interpreter's RssAnon + RssShmem (the nominal truth's constant)."""
    code = (
        f"import sys; sys.path.insert(0, {WORKLOADS!r}); import _common\n"
        "f = dict(l.split(':', 1) for l in open('/proc/self/status'))\n"
        "print(sum(int(f[k].split()[0]) * 1024 for k in ('RssAnon', 'RssShmem')))"
    )
    return int(subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, check=True).stdout)


# --------------------------------------------------------------------------------------------
# The tools.


def memgate(method, argv, interval="10ms", extra=()):
    """Runs memgate; returns (results benchmark dict, run dict)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "r.json")
        cmd = [MEMGATE, "run", "--method", method, "--interval", interval, "--json", out, *extra, "--", *argv]
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"memgate exited {proc.returncode}: {proc.stderr}")
        bench = json.load(open(out))["benchmarks"][0]
        return bench, bench["runs"][0]


def time_v(argv):
    """`/usr/bin/time -v`'s Maximum resident set size, in bytes."""
    proc = subprocess.run(["/usr/bin/time", "-v", *argv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr.splitlines():
        if "Maximum resident set size" in line:
            return int(line.rsplit(":", 1)[1]) * 1024
    raise RuntimeError(f"/usr/bin/time printed no maximum RSS: {proc.stderr}")


def find_mprof(allow_install):
    """Path of `mprof`, installing memory_profiler into a venv under /tmp when needed; or (None,
    why)."""
    for candidate in (shutil.which("mprof"), os.path.join(VENV, "bin", "mprof")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate, None
    if not allow_install:
        return None, "not installed (--no-mprof)"
    try:
        subprocess.run([PYTHON, "-m", "venv", VENV], check=True, capture_output=True)
        subprocess.run([os.path.join(VENV, "bin", "pip"), "install", "-q", "memory_profiler"],
                       check=True, capture_output=True, timeout=300)
    except (subprocess.SubprocessError, OSError) as err:
        return None, f"not installable here ({type(err).__name__})"
    return os.path.join(VENV, "bin", "mprof"), None


def mprof(mprof_bin, argv):
    """memory_profiler's peak with --include-children at its default 0.1 s interval, in bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        dat = os.path.join(tmp, "mprof.dat")
        subprocess.run([mprof_bin, "run", "--include-children", "-o", dat, *argv],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peak = 0.0
        for line in open(dat):
            if line.startswith("MEM "):
                peak = max(peak, float(line.split()[1]))
        return peak * MIB  # mprof's "MiB" are 2**20 bytes


# --------------------------------------------------------------------------------------------
# Formatting.


def fmt_mib(b):
    return f"{b / MIB:.1f}"


def err_pct(value, truth):
    return 100.0 * (value - truth) / truth


def cell(values, truth):
    """A cell: median value (its error vs truth), and the worst error when there are several."""
    med = statistics.median(values)
    text = f"{fmt_mib(med)} ({err_pct(med, truth):+.1f}%)"
    if len(values) > 1:
        worst = max(values, key=lambda v: abs(v - truth))
        text += f", worst {fmt_mib(worst)} ({err_pct(worst, truth):+.1f}%)"
    return text


def within_target(values, truth):
    tol = max(0.03 * truth, 8 * MIB)
    return all(abs(v - truth) <= tol for v in values)


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


# --------------------------------------------------------------------------------------------
# Sections.


def accuracy(quick, reps, allow_mprof):
    mprof_bin, mprof_why = find_mprof(allow_mprof)
    baseline = baseline_bytes()
    rows, series = [], {}
    misses = []
    for label, argv, alloc_mib in workloads(quick):
        truth = kernel_truth(argv)
        how = ""
        if truth is None:
            truth, how = alloc_mib * MIB + baseline, " (nominal)"
        by_method = {}
        for method in ("cgroup", "sampled"):
            runs = [memgate(method, argv) for _ in range(reps)]
            by_method[method] = runs
            values = [b["peak_bytes"] for b, _ in runs]
            if not within_target(values, truth):
                misses.append(f"{label}: {method} {', '.join(fmt_mib(v) for v in values)} MiB vs truth {fmt_mib(truth)} MiB")
        series[label] = (truth, by_method)
        tv = time_v(argv)
        if mprof_bin:
            mp_peak = mprof(mprof_bin, argv)
            mp = f"{fmt_mib(mp_peak)} ({err_pct(mp_peak, truth):+.0f}%)"
        else:
            mp = mprof_why
        ok = all(within_target([b["peak_bytes"] for b, _ in by_method[m]], truth) for m in by_method)
        rows.append([
            label,
            fmt_mib(truth) + how,
            cell([b["peak_bytes"] for b, _ in by_method["cgroup"]], truth),
            cell([b["peak_bytes"] for b, _ in by_method["sampled"]], truth),
            f"{fmt_mib(tv)} ({err_pct(tv, truth):+.0f}%)",
            mp,
            "yes" if ok else "**no**",
        ])
    header = ["workload", "truth (fresh cgroup)", "memgate cgroup", "memgate sampled",
              "`/usr/bin/time -v`", "memory_profiler (`mprof --include-children`, 0.1 s)",
              "both memgate methods within max(3%, 8 MiB)"]
    print(f"### Peak (MiB; memgate: median of {reps} run(s), and the worst)\n")
    print(table(header, rows))
    print(f"\nIdle interpreter baseline (RssAnon + RssShmem): {fmt_mib(baseline)} MiB.")
    if misses:
        print("\nMisses (every run shown):\n")
        for m in misses:
            print(f"- {m}")
    print()

    # Steady and growth: the steady hold's steady state is its peak (truth); the leak's slope is
    # STEP / STEP_SECS.
    rows = []
    for label, steady_truth, slope_truth in (
        ("steady hold, 200 MiB for 3 s", series["steady hold, 200 MiB for 3 s"][0], 0.0),
        ("leak, 4 MiB every 0.1 s for 4 s", None, 40.0),
    ):
        for method in ("cgroup", "sampled"):
            runs = series[label][1][method]
            steadies = [b["steady_bytes"] for b, _ in runs]
            slopes = [b["growth_bytes_per_sec"] / MIB for b, _ in runs]
            leaks = [r["leak"] for _, r in runs]
            if steady_truth is not None:
                steady_text = cell(steadies, steady_truth)
                steady_ok = all(abs(s - steady_truth) <= 0.05 * steady_truth for s in steadies)
            else:
                steady_text = ", ".join(fmt_mib(s) for s in steadies)
                steady_ok = True
            if slope_truth:
                slope_ok = all(abs(s - slope_truth) <= 0.15 * slope_truth for s in slopes)
            else:
                slope_ok = all(abs(s) < 1.0 for s in slopes)
            rows.append([
                label, method,
                fmt_mib(steady_truth) if steady_truth is not None else "—", steady_text,
                f"{slope_truth:.1f}", ", ".join(f"{s:.2f}" for s in slopes),
                ", ".join("leak" if x else "no leak" for x in leaks),
                "yes" if steady_ok and slope_ok else "**no**",
            ])
    print("### Steady state and growth\n")
    print(table(["workload", "method", "steady truth (MiB)", "steady (MiB)", "slope truth (MiB/s)",
                 "slope (MiB/s), each run", "verdict", "within target (steady 5%, slope 15% / < 1 MiB/s)"], rows))
    print()


def proc_cpu_seconds(pid):
    """utime + stime of the process (all its threads, not its children), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # fields 14 and 15 of stat(5)


def thread_runtime_ns(pid, seen):
    """Updates `seen` (tid → ns on CPU, from schedstat) with every live thread of pid."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                seen[tid] = max(seen.get(tid, 0), int(f.read().split()[0]))
        except (OSError, ValueError, IndexError):
            pass


def sampler_cpu(method, interval, argv):
    """Runs memgate on argv, polling its own CPU time every 50 ms; returns (% of one core by
    utime+stime ticks, % by per-thread schedstat ns, wall seconds, samples)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "r.json")
        started = time.monotonic()
        proc = subprocess.Popen([MEMGATE, "run", "--method", method, "--interval", interval, "--json", out, "--", *argv],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ticks, threads = 0.0, {}
        while proc.poll() is None:
            try:
                ticks = proc_cpu_seconds(proc.pid)
                thread_runtime_ns(proc.pid, threads)
            except (OSError, IndexError, ValueError):
                pass
            time.sleep(0.05)
        wall = time.monotonic() - started
        run = json.load(open(out))["benchmarks"][0]["runs"][0]
        return 100.0 * ticks / wall, 100.0 * sum(threads.values()) / 1e9 / wall, wall, run["samples"], run


def overhead(quick):
    hold = 3 if quick else 8
    argv = py("workers_at_once.py", 4, 100, hold)
    rows = []
    for interval in ("10ms", "1ms"):
        for method in ("cgroup", "sampled"):
            ticks_pct, ns_pct, wall, samples, run = sampler_cpu(method, interval, argv)
            target = "≤ 2%" if interval == "10ms" else "—"
            ok = ("yes" if ns_pct <= 2.0 else "**no**") if interval == "10ms" else "—"
            notes = "; ".join(run.get("notes", [])) or "—"
            rows.append([interval, method, f"{ns_pct:.2f}%", f"{ticks_pct:.2f}%", f"{wall:.2f}", samples,
                         run["processes"], notes, target, ok])
    print(f"### The sampler's own CPU (memgate's threads, not its children) on a 5-process tree "
          f"(`workers_at_once.py 4 100 {hold}`)\n")
    print(table(["interval", "method", "CPU, % of one core (schedstat ns)", "CPU (utime+stime ticks)",
                 "wall (s)", "samples", "processes", "memgate's notes", "target", "met"], rows))
    print()


def slowdown(quick, reps=None):
    millions = 24  # ~3 s of pure-Python loop on this project's machines
    reps = reps or (3 if quick else 5)
    argv = py("cpu_bound.py", millions)
    variants = [
        ("bare", lambda: argv),
        ("memgate sampled, 10 ms", lambda: [MEMGATE, "run", "--method", "sampled", "--interval", "10ms", "--", *argv]),
        ("memgate cgroup, 10 ms", lambda: [MEMGATE, "run", "--method", "cgroup", "--interval", "10ms", "--", *argv]),
    ]
    walls = {name: [] for name, _ in variants}
    loops = {name: [] for name, _ in variants}
    cpus = {name: [] for name, _ in variants}
    for _ in range(reps):  # interleaved: drift in the machine's speed hits every variant alike
        for name, make in variants:
            started = time.perf_counter()
            proc = subprocess.run(make(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=True)
            walls[name].append(time.perf_counter() - started)
            loop, cpu = proc.stdout.strip().splitlines()[-1].split()
            loops[name].append(float(loop))
            cpus[name].append(float(cpu))
    # Each round's ratio against that round's bare run, then the median over rounds: neighbouring
    # runs share the machine's state, so background load from elsewhere cancels out best this way.
    rows = []
    for name, _ in variants:
        ratios = [v / b for v, b in zip(loops[name], loops["bare"])]
        wall_ratios = [v / b for v, b in zip(walls[name], walls["bare"])]
        cpu_ratios = [v / b for v, b in zip(cpus[name], cpus["bare"])]
        ratio = statistics.median(ratios)
        quartiles = statistics.quantiles(ratios, n=4) if len(ratios) >= 4 else [min(ratios), 0, max(ratios)]
        met = "—" if name == "bare" else ("yes" if ratio <= 1.02 else "**no**")
        rows.append([name, f"{statistics.median(loops[name]):.3f}", f"**{ratio:.3f}**",
                     f"{quartiles[0]:.3f}–{quartiles[-1]:.3f}", f"{statistics.median(wall_ratios):.3f}",
                     f"{statistics.median(cpu_ratios):.3f}", " ".join(f"{x:.2f}" for x in loops[name]), met])
    print(f"### Slowdown of a CPU-bound program (`cpu_bound.py {millions}`, pure-Python loop; "
          f"{reps} interleaved rounds of bare / sampled / cgroup)\n")
    print("Ratios are per round (against the same round's bare run), then the median over rounds.\n")
    print(table(["variant", "median loop wall time (s)", "loop wall ratio vs bare", "interquartile range",
                 "whole-command wall ratio", "loop CPU-time ratio", "each run's loop wall time (s)",
                 "≤ 2% slower"], rows))
    print()


def machine():
    git = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"], capture_output=True, text=True).stdout.strip()
    mem = next((line.split()[1] for line in open("/proc/meminfo") if line.startswith("MemTotal:")), "0")
    print("### Machine\n")
    print(table(["what", "value"], [
        ["CPUs (nproc)", os.cpu_count()],
        ["memory", f"{int(mem) / (1 << 20):.1f} GiB"],
        ["kernel", platform.release()],
        ["cgroup", cgroup_version_text()],
        ["python", f"{platform.python_version()} ({PYTHON})"],
        ["memgate", f"{MEMGATE} at {git or 'unknown commit'}"],
        ["load average at start (1, 5, 15 min)", open("/proc/loadavg").read().split()[:3]],
    ]))
    print()


def main():
    # SIGTERM unwinds like Ctrl-C, so that a truth cgroup made by this script is still removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter holds, one run per method, fewer slowdown runs")
    parser.add_argument("--reps", type=int, help="memgate runs per workload and method (default 3, 1 with --quick)")
    parser.add_argument("--slowdown-reps", type=int, help="interleaved runs per variant for the slowdown (default 5, 3 with --quick)")
    parser.add_argument("--build", action="store_true", help="run `cargo build --release` even if the binary exists")
    parser.add_argument("--no-mprof", action="store_true", help="do not install memory_profiler")
    parser.add_argument("--only", choices=["accuracy", "overhead", "slowdown"], help="run one section")
    args = parser.parse_args()
    reps = args.reps or (1 if args.quick else 3)
    if args.build or not os.access(MEMGATE, os.X_OK):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    machine()
    if args.only in (None, "accuracy"):
        accuracy(args.quick, reps, not args.no_mprof)
    if args.only in (None, "overhead"):
        overhead(args.quick)
    if args.only in (None, "slowdown"):
        slowdown(args.quick, args.slowdown_reps)
    print(f"Load average at the end (1, 5, 15 min): {' '.join(open('/proc/loadavg').read().split()[:3])}.")


if __name__ == "__main__":
    main()
