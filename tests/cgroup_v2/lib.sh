# Guest side of the cgroup v2 proof (tests/cgroup_v2.sh), sourced by the scenario scripts: the
# truth of a workload, memgate run from a given cgroup, and the result lines the host reads off
# the serial console. Busybox ash or Debian's sh; no bash.
#
# A result line is `MEMGATE-V2 scenario=NAME key=value …`; the host (check.py) asserts what it
# holds: expect_method/expect_cgroup against the results file that follows on a
# `MEMGATE-V2-JSON scenario=NAME {…}` line, truth against its peak, leftovers, stray, shell_cg.

CG=${CG:-/sys/fs/cgroup}
OUT=${OUT:-/tmp/memgate-v2}
mkdir -p "$OUT"

say() { echo "MEMGATE-V2 $* uptime=$(cut -d" " -f1 /proc/uptime)"; }

# truth ALLOC_ARGS… : the workload alone in a fresh leaf made here, the shell moved in before the
# exec; prints memory.peak less the file pages (memory.stat's file counts shmem too, which stays).
truth() {
  leaf=$CG/truth-leaf
  mkdir "$leaf" || return 1
  sh -c 'echo $$ >"$0/cgroup.procs" && exec alloc "$@"' "$leaf" "$@"
  peak=$(cat "$leaf/memory.peak")
  file=$(awk '$1 == "file" { f = $2 } $1 == "shmem" { s = $2 } END { print f - s }' "$leaf/memory.stat")
  rmdir "$leaf"
  echo $((peak - file))
}

# leftovers: how many memgate-* cgroup directories exist anywhere in the tree; a systemd scope
# is removed just after its last process, so this waits up to 5 s for the count to reach 0.
leftovers() {
  i=0
  while n=$(find "$CG" -name 'memgate*' -type d 2>/dev/null | wc -l) && [ "$n" -gt 0 ] && [ $i -lt 10 ]; do
    sleep 0.5
    i=$((i + 1))
  done
  echo "$n"
}

# stray: how many workload processes are still alive.
stray() { pidof alloc | wc -w; }

# memgate_in DIR MODE NAME MEMGATE_RUN_ARGS… : `memgate run` from a shell moved into cgroup DIR
# (DIR `-`: left where it is), through $WRAP (a command that runs its arguments) when set; in
# MODE shell, the shell itself through $LAUNCH when set (another user, a scope of its own).
#   MODE exec: the shell execs memgate (memgate alone there, if DIR was empty);
#   MODE shell: the shell stays beside memgate, and records its cgroup before and after;
#   MODE sigint: as exec, in the background, with SIGINT once the workload runs (as Ctrl-C).
# Leaves $OUT/NAME.rc (memgate's exit code), $OUT/NAME.cg0 and .cg (the shell's cgroup, MODE shell),
# the results in $OUT/NAME.json, memgate's output in $OUT/NAME.log.
memgate_in() {
  dir=$1 mode=$2 name=$3
  shift 3
  rm -f "$OUT/$name".*
  case $mode in
  exec) sh -c '{ [ "$0" = - ] || echo $$ >"$0/cgroup.procs"; } && exec "$@"' "$dir" \
    $WRAP memgate run --json "$OUT/$name.json" "$@" >"$OUT/$name.log" 2>&1 ;;
  shell) $LAUNCH sh -c 'out=$1; shift; { [ "$0" = - ] || echo $$ >"$0/cgroup.procs"; } || exit 1; cat /proc/self/cgroup >"$out.cg0"
      "$@"; rc=$?; cat /proc/self/cgroup >"$out.cg"; exit $rc' \
    "$dir" "$OUT/$name" $WRAP memgate run --json "$OUT/$name.json" "$@" >"$OUT/$name.log" 2>&1 ;;
  sigint)
    # sigdfl undoes the SIGINT that `&` ignores, then the shell and memgate keep its pid.
    sigdfl sh -c '{ [ "$0" = - ] || echo $$ >"$0/cgroup.procs"; } && exec "$@"' "$dir" \
      $WRAP memgate run --json "$OUT/$name.json" "$@" >"$OUT/$name.log" 2>&1 &
    pid=$!
    i=0
    until [ "$(stray)" -gt 0 ] || [ $i -ge 600 ]; do sleep 0.1; i=$((i + 1)); done
    sleep 0.5
    kill -INT $pid
    wait $pid ;;
  esac
  echo $? >"$OUT/$name.rc"
  sed 's/^/  | /' "$OUT/$name.log"
}

# report NAME KEY=VALUE… : the result line (with memgate's exit code, leftovers, strays and the
# shell's cgroup when there was one), then the results file on one line.
report() {
  name=$1
  shift
  cg=
  [ -f "$OUT/$name.cg" ] && cg="shell_cg0=$(cut -d: -f3 "$OUT/$name.cg0") shell_cg=$(cut -d: -f3 "$OUT/$name.cg")"
  sleep 0.2 # the workload's last processes reaped
  say "scenario=$name exit=$(cat "$OUT/$name.rc") leftovers=$(leftovers) stray=$(stray) $cg $*"
  [ -s "$OUT/$name.json" ] && echo "MEMGATE-V2-JSON scenario=$name $(tr -d '\n' <"$OUT/$name.json")"
  return 0
}
