# Reads the capture files of one memgate re-run under memray (docs/attribution.md) and prints
# JSON on stdout: for each file, memray's high-water mark and the allocations it held then, merged
# by their site, the first frame of each stack in the user's own files (not in site-packages, the
# standard library or memray itself; the innermost frame when no frame is the user's).
# Run by memgate with the benchmark's own interpreter: argv = [folder, root, max_sites].
import json
import os
import sys
import sysconfig

import memray


def library_folders():
    paths = sysconfig.get_paths()
    folders = {paths.get(k) for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    folders.add(os.path.dirname(memray.__file__))
    return tuple(os.path.join(os.path.realpath(f), "") for f in folders if f)


LIBRARIES = library_folders()


def is_users(file):
    if not file or file.startswith("<"):
        return False
    real = os.path.realpath(file)
    if real.startswith(LIBRARIES):
        return False
    parts = real.split(os.sep)
    return "site-packages" not in parts and "dist-packages" not in parts


def site_of(stack):
    for frame in stack:
        if is_users(frame[1]):
            return frame
    return stack[0] if stack else ("<native>", "<unknown>", 0)


def shown(file, root):
    if file.startswith("<"):
        return file
    real = os.path.realpath(file)
    try:
        relative = os.path.relpath(real, root)
    except ValueError:
        return real
    return real if relative.startswith("..") else relative


def read(path, root, max_sites):
    reader = memray.FileReader(path)
    sites = {}
    total = 0
    for record in reader.get_high_watermark_allocation_records(merge_threads=True):
        try:
            stack = record.stack_trace()
        except Exception:
            stack = []
        function, file, line = site_of(stack)
        key = (function, file, line)
        size, count = sites.get(key, (0, 0))
        sites[key] = (size + record.size, count + record.n_allocations)
        total += record.size
    top = sorted(sites.items(), key=lambda item: -item[1][0])[:max_sites]
    return {
        "file": os.path.basename(path),
        "peak_bytes": total,
        "sites": [
            {
                "function": function,
                "file": shown(file, root),
                "line": line,
                "bytes": size,
                "allocations": count,
            }
            for (function, file, line), (size, count) in top
        ],
    }


def main():
    folder, root, max_sites = sys.argv[1], os.path.realpath(sys.argv[2]), int(sys.argv[3])
    captures = []
    for name in sorted(os.listdir(folder)):
        if ".memray" not in name:
            continue
        try:
            captures.append(read(os.path.join(folder, name), root, max_sites))
        except Exception as err:  # a process killed before memray wrote its file
            captures.append({"file": name, "error": "%s: %s" % (type(err).__name__, err)})
    json.dump({"captures": captures}, sys.stdout)


main()
