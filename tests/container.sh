#!/usr/bin/env bash
# Proof that the container action works: builds the image from the real Dockerfile and runs it as
# the GitHub Actions runner runs a Docker container action, against a fake GitHub API on this host.
#
#   bash tests/container.sh        (needs a Docker engine; no registry: the base images are made
#                                   locally by tests/container/build-bases.sh)
#
# 1. Stand-ins for the Dockerfile's FROM images (cached), then `docker build` of ./Dockerfile.
# 2. The image's size (at most 250 MB).
# 3. examples/, as a user's repository would hold it: `memgate action` in working_directory
#    `examples`, its setup making a virtualenv with numpy from PyPI, all ten benchmarks; then the
#    comment, the job summary, the outputs and the exit code.
# 4. A small gate with a known verdict, in a git repository owned by another user (as the
#    runner's checkout is): --baseline-ref from the pull request's base (a git worktree made inside
#    the container), a budget that fails (exit 1, an ::error annotation on its line), `args` with
#    quotes, setup's downloads kept in the workspace; run again (the comment is edited in place,
#    not posted twice; nothing downloaded again); run with a wrong token
#    (a warning, the same exit code, the summary still written, the token never printed).
set -euo pipefail
cd "$(dirname "$0")/.."

# Tagged as the release names the published image (docs/release.md), so that what runs here is
# what a released action.yml's `docker://` reference runs.
IMAGE=${MEMGATE_TEST_IMAGE:-ghcr.io/memgate/memgate:$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)}
MAX_IMAGE_BYTES=$((250 * 1000 * 1000))
TOKEN=ghs_containerTestToken0123456789abcdef
started=$SECONDS
failures=0
checks=0

log() { printf '[container %(%H:%M:%S)T +%ss] %s\n' -1 "$((SECONDS - started))" "$*"; }
pass() { checks=$((checks + 1)); printf '  ok    %s\n' "$*"; }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); printf '  FAIL  %s\n' "$*"; }
check() { # DESCRIPTION COMMAND…
  local what=$1
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}

work=$(mktemp -d /tmp/memgate-container.XXXXXX)
server_pid=
cleanup() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# --- 1. the image ------------------------------------------------------------------------------
log "base images"
bash tests/container/build-bases.sh
log "docker build -t $IMAGE . (the real Dockerfile)"
build_started=$SECONDS
# The build stage gets a tag of its own, so that its layers (the compiled dependencies) stay as the
# cache of the next build while the layers of earlier builds, now untagged, are removed.
if ! docker build --target build -t "$IMAGE-build" . >"$work/build.log" 2>&1 ||
  ! docker build -t "$IMAGE" . >>"$work/build.log" 2>&1; then
  tail -n 60 "$work/build.log"
  echo "container: docker build failed" >&2
  exit 1
fi
log "built in $((SECONDS - build_started)) s"
docker image prune -f --filter "label=org.memgate.test.key" >/dev/null
check "the image runs memgate" docker run --rm "$IMAGE" --version

# --- 2. its size --------------------------------------------------------------------------------
size=$(docker image inspect -f '{{.Size}}' "$IMAGE")
base_tag=$(sed -n 's/^FROM[[:space:]]\{1,\}\(python:[^[:space:]]*\).*/\1/p' Dockerfile)
base_size=$(docker image inspect -f '{{.Size}}' "$base_tag")
log "image size: $((size / 1000000)) MB ($size bytes); of which the base $base_tag $((base_size / 1000000)) MB, memgate's layers $(((size - base_size) / 1000000)) MB"
check "the image is at most 250 MB" test "$size" -le "$MAX_IMAGE_BYTES"

# --- the runner's side: a fake API, file-command folders, `docker run` as the runner does it ------
python3 tests/container/fake_github.py --port-file "$work/port" --log "$work/api.log" \
  --token "$TOKEN" --seconds 1800 &
server_pid=$!
for _ in $(seq 100); do [[ -s $work/port ]] && break; sleep 0.1; done
port=$(cat "$work/port")
api_url=http://127.0.0.1:$port

# run_action NAME WORKSPACE PR BASE_SHA HEAD_SHA [-e VAR=VALUE…] : runs the action's container as
# the runner does; its standard output in $work/NAME.out, exit code in $work/NAME.rc; the
# summary and outputs in $work/NAME.summary and $work/NAME.output.
run_action() {
  local name=$1 workspace=$2 pr=$3 base_sha=$4 head_sha=$5
  shift 5
  local temp="$work/runner-$name/_temp"
  mkdir -p "$temp/_github_home" "$temp/_github_workflow" "$temp/_runner_file_commands"
  cat >"$temp/_github_workflow/event.json" <<EOF
{"action": "synchronize", "number": $pr,
 "pull_request": {"number": $pr, "base": {"sha": "$base_sha", "ref": "main"},
                  "head": {"sha": "$head_sha", "ref": "feature"}},
 "repository": {"full_name": "acme/ml"}}
EOF
  local id=$RANDOM$RANDOM
  : >"$temp/_runner_file_commands/step_summary_$id"
  : >"$temp/_runner_file_commands/set_output_$id"
  set +e
  docker run --name "memgate-test-$name-$id" --label memgate-container-test --rm \
    --workdir /github/workspace --network host \
    -e HOME=/github/home -e CI=true -e GITHUB_ACTIONS=true \
    -e GITHUB_WORKSPACE=/github/workspace -e GITHUB_EVENT_PATH=/github/workflow/event.json \
    -e GITHUB_EVENT_NAME=pull_request -e GITHUB_REF="refs/pull/$pr/merge" \
    -e GITHUB_SHA="$head_sha" -e GITHUB_REPOSITORY=acme/ml -e GITHUB_REPOSITORY_OWNER=acme \
    -e GITHUB_RUN_ID=4242 -e GITHUB_RUN_NUMBER=7 -e GITHUB_JOB=memory -e GITHUB_ACTION=memgate \
    -e GITHUB_WORKFLOW=memgate -e GITHUB_ACTOR=octocat -e GITHUB_HEAD_REF=feature \
    -e GITHUB_BASE_REF=main -e GITHUB_SERVER_URL=https://github.com -e GITHUB_API_URL="$api_url" \
    -e GITHUB_STEP_SUMMARY="/github/file_commands/step_summary_$id" \
    -e GITHUB_OUTPUT="/github/file_commands/set_output_$id" \
    -e GITHUB_ENV="/github/file_commands/set_env_$id" \
    -e GITHUB_PATH="/github/file_commands/add_path_$id" \
    -e RUNNER_OS=Linux -e RUNNER_ARCH=X64 -e RUNNER_NAME="GitHub Actions 1" \
    -e RUNNER_ENVIRONMENT=github-hosted -e RUNNER_TEMP=/home/runner/work/_temp \
    -e RUNNER_WORKSPACE=/home/runner/work/ml \
    -e INPUT_CONFIG=memgate.yml -e INPUT_GITHUB_TOKEN="$TOKEN" -e INPUT_COMMENT= \
    -e INPUT_BASELINE_REF= -e INPUT_ARGS= -e INPUT_WORKING_DIRECTORY=. \
    "$@" \
    -v "$temp/_github_home":/github/home \
    -v "$temp/_github_workflow":/github/workflow \
    -v "$temp/_runner_file_commands":/github/file_commands \
    -v "$workspace":/github/workspace \
    "$IMAGE" action >"$work/$name.out" 2>"$work/$name.err"
  echo $? >"$work/$name.rc"
  set -e
  cp "$temp/_runner_file_commands/step_summary_$id" "$work/$name.summary"
  cp "$temp/_runner_file_commands/set_output_$id" "$work/$name.output"
}

# output NAME KEY: a step output as the runner reads `KEY<<DELIMITER … DELIMITER`.
output() {
  python3 - "$work/$1.output" "$2" <<'EOF'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
key, i, found = sys.argv[2], 0, None
while i < len(lines):
    line = lines[i]
    if "<<" in line and line.split("<<", 1)[0] == key:
        delimiter, value = line.split("<<", 1)[1], []
        i += 1
        while lines[i] != delimiter:
            value.append(lines[i])
            i += 1
        found = "\n".join(value)
    elif "=" in line and line.split("=", 1)[0] == key:
        found = line.split("=", 1)[1]
    i += 1
print(found if found is not None else "<none>")
EOF
}

# api REQUEST-FILTER: the fake API's log, as "METHOD PATH token_ok body-has-marker" lines.
api_requests() {
  python3 - "$work/api.log" "$1" <<'EOF'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    if sys.argv[2] not in r["path"]:
        continue
    body = (r.get("body") or {}).get("body", "") if isinstance(r.get("body"), dict) else ""
    print(r["method"], r["path"], "token_ok" if r["token_ok"] else "token_bad",
          "marker" if "<!-- memgate:report -->" in body else "-")
EOF
}

results_field() { # FILE EXPRESSION (python, over `r`)
  python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1"
}

show_failure() { # NAME
  echo "---- $1: exit $(cat "$work/$1.rc"); last lines of its output:"
  tail -n 25 "$work/$1.out" "$work/$1.err"
}

# --- 3. examples/ --------------------------------------------------------------------------------
log "examples: a repository holding examples/, owned by the runner's user (uid 1001)"
ws="$work/examples-ws"
mkdir -p "$ws"
git ls-files -z examples | xargs -0 -I{} cp --parents {} "$ws/"
chown -R 1001:1001 "$ws"
run_started=$SECONDS
run_action examples "$ws" 7 "$(printf 'b%.0s' {1..40})" "$(printf 'a%.0s' {1..40})" \
  -e INPUT_WORKING_DIRECTORY=examples -e INPUT_ARGS="--markdown report.md"
log "examples: ran in $((SECONDS - run_started)) s, exit $(cat "$work/examples.rc")"
rc=$(cat "$work/examples.rc")
status=$(output examples status)
results=$(output examples results)
if [[ $rc != 0 && $rc != 1 ]]; then show_failure examples; fi
check "examples: exit code 0 or 1 (the gate ran; got $rc)" test "$rc" = 0 -o "$rc" = 1
case $status in
  pass | warn) want_rc=0 ;;
  *) want_rc=1 ;;
esac
check "examples: exit code $rc agrees with the status output '$status'" test "$rc" = "$want_rc"
check "examples: output results=$results names memgate-results.json" test "$results" = memgate-results.json
file="$ws/examples/memgate-results.json"
check "examples: the results file is in the workspace" test -s "$file"
if [[ -s $file ]]; then
  check "examples: all ten benchmarks measured" test "$(results_field "$file" 'len(r["benchmarks"])')" = 10
  method=$(results_field "$file" 'r["environment"]["method"]')
  methods=$(results_field "$file" '" ".join(sorted({b["method"] for b in r["benchmarks"]}))')
  log "examples: measured with method: $methods (read-only cgroup inside the container)"
  check "examples: method sampled or cgroup-shared (got $method)" \
    grep -qxE 'sampled|cgroup-shared' <<<"$method"
  log "examples: verdicts: $(results_field "$file" '", ".join(b["name"]+"="+b["status"]+(" ("+b["reason"]+")" if b.get("reason") and b["status"]!="pass" else "") for b in r["benchmarks"])')"
fi
check "examples: the job summary holds the report" grep -q 'train-float32' "$work/examples.summary"
check "examples: --markdown from args written" test -s "$ws/examples/report.md"
posts=$(api_requests /issues/7/comments | grep -c '^POST .* token_ok marker$' || true)
check "examples: one comment with the marker posted to pull request #7 (got $posts)" test "$posts" = 1
url=$(output examples comment_url)
check "examples: output comment_url=$url" grep -qE '^https://github\.example/acme/ml/pull/7#issuecomment-[0-9]+$' <<<"$url"
check "examples: the forged comment by another user left alone" \
  test -z "$(api_requests /issues/comments/1002)"
check "examples: the token is in no output" \
  bash -c "! grep -qF '$TOKEN' '$work/examples.out' '$work/examples.err' '$work/examples.summary'"

# --- 4. a small gate with a base ------------------------------------------------------------------
log "gate: a git repository with a base and a head commit, owned by uid 1001"
gs="$work/gate-ws"
mkdir -p "$gs/bench"
cp tests/container/gate/alloc.py "$gs/bench/"
sed 's/alloc\.py 80/alloc.py 20/' tests/container/gate/memgate.yml >"$gs/bench/memgate.yml"
git_in() { git -C "$gs" -c user.name=test -c user.email=test@example.com "$@"; }
git_in init -q -b main
git_in add -A && git_in commit -qm base
base_sha=$(git_in rev-parse HEAD)
cp tests/container/gate/memgate.yml "$gs/bench/memgate.yml"
git_in commit -qam head
head_sha=$(git_in rev-parse HEAD)
chown -R 1001:1001 "$gs"
budget_line=$(awk '/name: grows/ {found=1} found && /peak:/ {print NR; exit}' "$gs/bench/memgate.yml")

run_started=$SECONDS
run_action gate "$gs" 8 "$base_sha" "$head_sha" \
  -e INPUT_WORKING_DIRECTORY=bench -e INPUT_BASELINE_REF=base \
  -e INPUT_ARGS="--runs 1 --markdown 'gate report.md'"
log "gate: ran in $((SECONDS - run_started)) s, exit $(cat "$work/gate.rc")"
[[ $(cat "$work/gate.rc") == 1 ]] || show_failure gate
check "gate: exit code 1 (a budget exceeded)" test "$(cat "$work/gate.rc")" = 1
check "gate: output status=fail" test "$(output gate status)" = fail
check "gate: ::error annotation on bench/memgate.yml line $budget_line" \
  grep -q "^::error file=bench/memgate.yml,line=$budget_line," "$work/gate.out"
gfile="$gs/bench/memgate-results.json"
check "gate: the results file is in the working directory" test -s "$gfile"
if [[ -s $gfile ]]; then
  base_peak=$(results_field "$gfile" \
    '[b for b in r["benchmarks"] if b["name"]=="grows"][0].get("baseline",{}).get("peak_bytes")')
  check "gate: the base was measured in the container (base peak $base_peak bytes)" \
    python3 -c "import sys; sys.exit(0 if 0 < int(sys.argv[1]) < 60 << 20 else 1)" "${base_peak/None/0}"
  check "gate: the base is the pull request's base commit" \
    grep -q "$base_sha" "$gfile"
fi
check "gate: args with quotes: 'gate report.md' written" test -s "$gs/bench/gate report.md"
check "gate: the job summary holds the verdict" grep -q 'grows' "$work/gate.summary"
check "gate: one comment posted to pull request #8" \
  test "$(api_requests /issues/8/comments | grep -c '^POST .* token_ok marker$' || true)" = 1
wheel="$gs/.cache/wheels/six-1.16.0-py2.py3-none-any.whl"
check "gate: setup's pip download kept in the workspace" test -s "$wheel"
wheel_time=$(stat -c %Y "$wheel" 2>/dev/null || echo none)
# As actions/cache would restore it: owned by the runner's user again.
chown -R 1001:1001 "$gs"

log "gate: again (the comment is edited in place)"
run_action gate2 "$gs" 8 "$base_sha" "$head_sha" \
  -e INPUT_WORKING_DIRECTORY=bench -e INPUT_BASELINE_REF=base
check "gate, again: exit code 1" test "$(cat "$work/gate2.rc")" = 1
check "gate, again: no second comment posted" \
  test "$(api_requests /issues/8/comments | grep -c '^POST' || true)" = 1
check "gate, again: the same comment in comment_url" \
  test "$(output gate2 comment_url)" = "$(output gate comment_url)"
check "gate, again: setup downloaded nothing again (the cached wheel is untouched)" \
  test "$(stat -c %Y "$wheel" 2>/dev/null || echo gone)" = "$wheel_time"

log "gate: with a token the API refuses"
run_action gate3 "$gs" 8 "$base_sha" "$head_sha" \
  -e INPUT_WORKING_DIRECTORY=bench -e INPUT_GITHUB_TOKEN=ghs_wrongToken987654321
check "gate, refused token: exit code still 1" test "$(cat "$work/gate3.rc")" = 1
check "gate, refused token: a warning on the run's page" grep -q '^::warning' "$work/gate3.out"
check "gate, refused token: the summary still written" grep -q 'grows' "$work/gate3.summary"
check "gate, refused token: output comment_url empty" test -z "$(output gate3 comment_url)"
check "gate, refused token: the token is in no output" \
  bash -c "! grep -qF ghs_wrongToken987654321 '$work/gate3.out' '$work/gate3.err' '$work/gate3.summary'"

log "bad input: args that check refuses"
run_action badargs "$gs" 8 "$base_sha" "$head_sha" -e INPUT_ARGS="--runs 0"
check "bad args: exit code 2" test "$(cat "$work/badargs.rc")" = 2
# shellcheck disable=SC2016 # the backquotes are literal
check "bad args: the error names the input" grep -q 'input `args`' "$work/badargs.err"

log "the fake API saw: $(api_requests / | awk '{print $1, $2}' | sed -E 's#[0-9]{4,}#ID#' | sort | uniq -c | awk '{$1=$1 "x"; print}' | paste -sd ';' -)"
log "done in $((SECONDS - started)) s"
echo "container: $((checks - failures)) passed, $failures failed"
if ((failures)); then
  exit 1
fi
