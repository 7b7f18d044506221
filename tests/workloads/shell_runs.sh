#!/bin/sh
# A shell that runs the real program and stays its parent (no exec), as CI scripts do.
#
# Usage: shell_runs.sh PYTHON SIZE SECONDS
#
# Known truth: the same as `steady.py SIZE SECONDS` (peak = steady = SIZE MiB + the interpreter's
# baseline), plus the shell's own few hundred KiB; processes = 2.
here=$(dirname "$0")
py=$1
shift
"$py" "$here/steady.py" "$@"
status=$?
exit "$status"
