# The stand-in for rust:X.Y.Z-slim-bookworm: the toolchain image plus a CARGO_HOME that holds every
# crate of Cargo.lock, and offline, so that the Dockerfile's `cargo build --locked` needs no network.
ARG BASE
FROM ${BASE}
COPY cargo-home/ /usr/local/cargo/
ENV CARGO_NET_OFFLINE=true
