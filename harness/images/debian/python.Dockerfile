# Python image from Debian packages only (registry-free stand-in for python:3.*-slim):
# Debian 13's Python $PYTHON_VERSION with venv and pip; `python` is python3
# (python-is-python3); the build fails if python3 is another release than the pin.
# No C compiler: packages need wheels (requests, aiohttp, pyjwt have them).
#
# Trust: Debian's python3 ssl module and Debian's pip use the system store;
# PIP_CERT / REQUESTS_CA_BUNDLE / SSL_CERT_FILE point there as well, so pip in a
# venv, requests and aiohttp (ssl.create_default_context) all trust the extra CAs.
# PIP_BREAK_SYSTEM_PACKAGES=1 lets a plain `pip install` (as in the official image)
# go to /usr/local/lib/python3.13/dist-packages instead of failing with
# "externally-managed-environment"; a venv (python3 -m venv /opt/venv) works too.
#
# Build context: any folder holding `extra-ca/` with zero or more PEM *.crt files
# (see ../README.md). By hand, from the repository root:
#   docker build -f harness/images/debian/python.Dockerfile -t scoring-kit/debian-python:trixie CONTEXT
ARG BASE=scoring-kit/debian-base:trixie
FROM ${BASE}
# The Python release (a pin: harness/support.toml says until when it is supported).
ARG PYTHON_VERSION=3.13

# >>> extra-ca: the build context holds extra-ca/ (zero or more PEM *.crt)
# and extra-ca.sh, which makes the system store trust them (../README.md).
COPY extra-ca/ /tmp/extra-ca/
COPY extra-ca.sh /tmp/extra-ca.sh

# One RUN for all installs: the extra CAs first, so the toolchain's own trust
# stores (Java's cacerts via ca-certificates-java, Mono's via
# ca-certificates-mono) are built from a store that includes them.
RUN set -eu; \
    export DEBIAN_FRONTEND=noninteractive; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates; \
    sh /tmp/extra-ca.sh; rm -f /tmp/extra-ca.sh; \
    apt-get install -y --no-install-recommends "python$PYTHON_VERSION" "python$PYTHON_VERSION-venv" python3-pip python-is-python3; \
    rm -rf /var/lib/apt/lists/*; \
    test "$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')" = "$PYTHON_VERSION" \
        || { echo "python3: not Python $PYTHON_VERSION" >&2; exit 1; }; \
    python --version; pip --version
# <<< extra-ca + toolchain

ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    PIP_BREAK_SYSTEM_PACKAGES=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1
CMD ["python3"]
