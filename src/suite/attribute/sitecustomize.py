# memgate's sitecustomize (docs/attribution.md): put first on PYTHONPATH by memgate for one
# re-run of a benchmark, never for its measured runs. Every Python process of the tree imports it
# at start-up, exec'd workers (loky, multiprocessing's spawn and forkserver) included, which
# `memray run --follow-fork` alone does not see (it follows fork, not exec). Each such process
# notes in MEMGATE_MEMRAY_DIR what it is (its interpreter, whether memray is there), then replaces
# itself (same pid, same interpreter options) with `python -m memray run --aggregate
# --follow-fork` of its own program, writing one capture file of its own. Forked children are
# followed by memray itself.
#
# Why exec and not a memray.Tracker started here: a tracker started from a hook (this import, a
# profile function, a wrapped __import__) records no Python stack at all for what the program
# allocates later, or crashes the interpreter (memray 1.20 on CPython 3.11, checked): memray must
# start in a program's top frame, which is what `memray run` does.
#
# Then a sitecustomize of the user's own, further along sys.path, is imported as Python would.
import os
import sys


def _memgate_exec_under_memray():
    folder = os.environ.get("MEMGATE_MEMRAY_DIR")
    pid = os.getpid()
    if not folder or os.environ.get("MEMGATE_MEMRAY_PID") == str(pid):
        return  # not a re-run, or this process is the one memray now runs
    import json
    import importlib.util

    info = {"pid": pid, "executable": sys.executable, "venv": sys.prefix != sys.base_prefix}
    info["memray"] = importlib.util.find_spec("memray") is not None
    command = _memray_command(os.path.join(folder, "%d-%d.memray" % (pid, id(info))))
    info["tracked"] = bool(info["memray"] and command)
    try:
        with open(os.path.join(folder, "%d-%d.json" % (pid, id(info))), "x") as out:
            json.dump(info, out)
    except OSError:
        return
    if info["tracked"]:
        os.environ["MEMGATE_MEMRAY_PID"] = str(pid)
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, command)


def _memray_command(output):
    """This process's command line run under memray, or None when it is not a program."""
    argv, orig = list(getattr(sys, "argv", [])), list(getattr(sys, "orig_argv", []))
    if not argv or not orig or argv[0] == "":
        return None  # interactive, or a program on stdin
    n = len(argv)
    if argv[0] in ("-c", "-m"):
        if len(orig) < n + 2 or orig[-(n + 1)] != argv[0]:
            return None  # `-cCODE` written as one word: left alone
        options, target = orig[1 : -(n + 1)], [argv[0], orig[-n]]
    else:
        options, target = orig[1:-n], [argv[0]]
    memray = ["-m", "memray", "run", "-q", "--aggregate", "--follow-fork", "-o", output]
    return [sys.executable] + options + memray + target + argv[1:]


def _memgate_chain():
    here = os.path.dirname(os.path.abspath(__file__))
    ours = sys.modules.pop("sitecustomize", None)
    saved = sys.path[:]
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    try:
        import importlib

        importlib.import_module("sitecustomize")
    except ImportError:
        pass
    finally:
        sys.path[:] = saved
        if ours is not None:
            sys.modules["sitecustomize"] = ours


_memgate_exec_under_memray()
_memgate_chain()
