"""The host side of the cgroup v2 proof: reads the VM's console log and prints one `ok …` or
`FAIL …` line per check (tests/cgroup_v2.sh counts them), then a table of the measured peaks.

A `MEMGATE-V2 scenario=NAME key=value …` line says what to assert (written by lib.sh's report);
the `MEMGATE-V2-JSON scenario=NAME {…}` line after it is memgate's results file.

    python3 tests/cgroup_v2/check.py CONSOLE_LOG
"""

import json
import re
import sys

MIB = 1024 * 1024
LINE = re.compile(r"MEMGATE-V2 (.*)$")
JSON_LINE = re.compile(r"MEMGATE-V2-JSON scenario=(\S+) (\{.*\})\s*$")
# Counts that must be zero after every scenario: memgate-* cgroups anywhere, workload processes,
# child cgroups of the administrator's base, files in /dev/shm.
ZEROS = ("leftovers", "stray", "prepared_children", "devshm_files")


def tolerance(truth):
    """The target: within max(3 %, 8 MiB) of the truth."""
    return max(0.03 * truth, 8 * MIB)


def parse(text):
    """The result lines in order, and the results files by scenario."""
    lines, results = [], {}
    for raw in text.splitlines():
        found = JSON_LINE.search(raw)
        if found:
            try:
                results[found.group(1)] = json.loads(found.group(2))
            except json.JSONDecodeError as err:
                results[found.group(1)] = {"unreadable": str(err)}
            continue
        found = LINE.search(raw)
        if found:
            fields = dict(f.split("=", 1) for f in found.group(1).split() if "=" in f)
            lines.append((found.group(1).split()[0], fields))
    return lines, results


def check(name, fields, result, table):
    """Yields (passed, description) for one scenario."""
    code = fields.get("exit", "?")
    want = fields.get("expect_exit")
    if want == "0":
        yield code == "0", f"{name}: memgate exits 0 (exit {code})"
    elif want == "nonzero":
        # 126 and 127 are the shell's: memgate did not start.
        yield code not in ("0", "126", "127", "?"), f"{name}: memgate exits non-zero (exit {code})"
    for key in ZEROS:
        if key in fields:
            yield fields[key] == "0", f"{name}: {key} = 0 ({fields[key]})"
    if "shell_cg" in fields:
        before, after = fields.get("shell_cg0", "?"), fields["shell_cg"]
        yield before == after, f"{name}: the shell's cgroup is the same after memgate ({before} -> {after})"
    if "expect_shell_cg" in fields:
        got = fields.get("shell_cg", "?")
        yield got == fields["expect_shell_cg"], f"{name}: the shell is still in {fields['expect_shell_cg']} ({got})"
    if not any(k in fields for k in ("expect_method", "expect_cgroup", "truth", "expect_timed_out")):
        return
    if result is None or "benchmarks" not in result:
        yield False, f"{name}: a results file ({(result or {}).get('unreadable', 'none written')})"
        return
    bench = result["benchmarks"][0]
    method = bench.get("method")
    how = result.get("environment", {}).get("cgroup")
    if "expect_method" in fields:
        yield method == fields["expect_method"], f"{name}: method {fields['expect_method']} ({method})"
    if "expect_cgroup" in fields:
        yield how == fields["expect_cgroup"], f"{name}: environment.cgroup {fields['expect_cgroup']} ({how})"
    if "expect_timed_out" in fields:
        got = str(bench.get("runs", [{}])[0].get("timed_out")).lower()
        yield got == fields["expect_timed_out"], f"{name}: timed_out {fields['expect_timed_out']} ({got})"
    if "truth" in fields:
        truth, peak = int(fields["truth"]), bench.get("peak_bytes") or 0
        diff = peak - truth
        yield abs(diff) <= tolerance(truth), (
            f"{name}: peak {peak / MIB:.1f} MiB within {tolerance(truth) / MIB:.1f} MiB of the "
            f"truth {truth / MIB:.1f} MiB ({diff / MIB:+.1f} MiB)"
        )
        table.append((name, method, how, peak, truth))


def main():
    text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
    lines, results = parse(text)
    table = []
    kinds = [kind for kind, _ in lines]
    for kind, fields in lines:
        if kind.startswith("scenario="):
            name = fields["scenario"]
            for passed, what in check(name, fields, results.get(name), table):
                print(("ok " if passed else "FAIL ") + what)
    print(("ok " if "done" in kinds else "FAIL ") + "the VM ran every scenario (a `done` line)")
    print(f"{'scenario':<22} {'method':<14} {'environment.cgroup':<22} {'peak MiB':>9} {'truth MiB':>9}")
    for name, method, how, peak, truth in table:
        print(f"{name:<22} {str(method):<14} {str(how):<22} {peak / MIB:>9.1f} {truth / MIB:>9.1f}")


if __name__ == "__main__":
    main()
