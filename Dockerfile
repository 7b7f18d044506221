# memgate as a container: the image of the GitHub Action (action.yml) and of `docker run`.
#
# Stage 1 builds the release binary; stage 2 is a slim Python (benchmarks are mostly Python) with
# memgate, git (for --baseline-ref) and nothing else. The user's own dependencies are not here:
# `setup:` in memgate.yml installs them. No USER and no WORKDIR: GitHub runs container actions as
# root in /github/workspace.

FROM rust:1.95.0-slim-bookworm AS build
# For both builds below (a profile that differs between them would rebuild every dependency).
ENV CARGO_PROFILE_RELEASE_STRIP=symbols

# The dependencies first, with stand-in sources, so that a change to src/ rebuilds only memgate.
COPY Cargo.toml Cargo.lock /build/
# Every [[bench]] of Cargo.toml needs a file for the manifest to load: one stand-in each.
RUN mkdir -p /build/src /build/benches \
    && echo 'fn main() {}' > /build/src/main.rs \
    && touch /build/src/lib.rs \
    && sed -n '/^\[\[bench\]\]/{n;s/^name = "\(.*\)"$/\1/p;}' /build/Cargo.toml > /build/benches/names \
    && while read -r bench; do echo 'fn main() {}' > "/build/benches/$bench.rs"; done < /build/benches/names \
    && cargo build --release --locked --manifest-path /build/Cargo.toml \
    && rm -rf /build/src

COPY src /build/src
# COPY keeps the files' times, which may be older than the stand-ins' build: touch them so that
# cargo builds memgate itself and not the stand-in again.
RUN touch /build/src/main.rs /build/src/lib.rs \
    && cargo build --release --locked --manifest-path /build/Cargo.toml --bin memgate \
    && /build/target/release/memgate --version

FROM python:3.11-slim-bookworm

# git: for --baseline-ref (a worktree of the base commit). ca-certificates: for GitHub's API
# (the system's roots, so a GitHub Enterprise server's CA added there works too).
# Debian's package versions are not pinned: bookworm's archive keeps only the latest of each,
# so a pin would break the build at the next security update.
# The workspace belongs to the runner's user, not to root: without safe.directory, git refuses it.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends git ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory '*'

COPY --from=build /build/target/release/memgate /usr/local/bin/memgate

ENTRYPOINT ["memgate"]
