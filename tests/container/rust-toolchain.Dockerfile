# Debian + gcc + the host's Rust toolchain, laid out as in the official rust images
# (RUSTUP_HOME=/usr/local/rustup, CARGO_HOME=/usr/local/cargo, cargo on PATH). See build-bases.sh.
ARG BASE
FROM ${BASE}
ARG TOOLCHAIN
ENV RUSTUP_HOME=/usr/local/rustup \
    CARGO_HOME=/usr/local/cargo \
    PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# Unpinned, as in the official images (bookworm keeps only the latest version of a package).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev ca-certificates \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb /var/cache/apt/*.bin
COPY toolchain/ /usr/local/rustup/toolchains/${TOOLCHAIN}/
RUN mkdir -p /usr/local/cargo/bin \
    && for tool in cargo rustc rustdoc; do \
         ln -s "/usr/local/rustup/toolchains/${TOOLCHAIN}/bin/$tool" /usr/local/cargo/bin/; \
       done \
    && cargo --version && rustc --version
