#!/usr/bin/env bash
# Validates the example workflows (examples/workflows/*.yml), the release workflow
# (.github/workflows/*.yml) and the host-mode action (host/action.yml) without the network:
#   - check-jsonschema against the GitHub Actions workflow schema from SchemaStore, which it
#     bundles (`--builtin-schema vendor.github-workflows`);
#   - zizmor's security audits (template injection, artifact poisoning, excessive permissions,
#     unpinned actions…), offline.
# Both come from PyPI, into a virtualenv under target/ (reused when present). actionlint is not
# used: its PyPI package downloads the binary from GitHub when it is built.
#
#   bash tests/workflows_check.sh            # all example workflows
#   bash tests/workflows_check.sh FILE…      # these files
set -euo pipefail
cd "$(dirname "$0")/.."

venv=${MEMGATE_LINT_VENV:-target/workflow-lint}
if [[ ! -x $venv/bin/check-jsonschema || ! -x $venv/bin/zizmor ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    'check-jsonschema==0.39.0' 'zizmor==1.32.0'
fi

if (($#)); then files=("$@"); else files=(examples/workflows/*.yml .github/workflows/*.yml); fi

# A file that is not a valid workflow must fail, or the check proves nothing.
bad=$(mktemp --suffix=.yml)
trap 'rm -f "$bad"' EXIT
printf 'on: pull_request\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    step:\n      - run: "true"\n' >"$bad"
if "$venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows "$bad" >/dev/null 2>&1; then
  echo "workflows_check: the schema check accepted an invalid workflow" >&2
  exit 1
fi

"$venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows "${files[@]}"
# zizmor audits actions as well as workflows: the composite host-mode action's steps too.
actions=()
if ((!$#)); then actions=(host/action.yml); fi
"$venv/bin/zizmor" --offline --strict-collection --no-progress --quiet "${files[@]}" "${actions[@]}"
echo "workflows_check: ${#files[@]} workflow(s) valid and clean${actions:+, and ${actions[*]} clean}"
