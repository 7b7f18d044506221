# The stand-in for python:3.11-slim-bookworm (see build-bases.sh): Debian's Python 3.11.
ARG BASE
FROM ${BASE}
ENV LANG=C.UTF-8
# Unpinned, as in the official images (bookworm keeps only the latest version of a package).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv python3-pip ca-certificates \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb /var/cache/apt/*.bin \
    && ln -s /usr/bin/python3 /usr/local/bin/python \
    && ln -s /usr/bin/pip3 /usr/local/bin/pip
# This machine's extra trust roots (none on an ordinary machine).
COPY extra-ca/ /usr/local/share/ca-certificates/
RUN update-ca-certificates >/dev/null
CMD ["python3"]
