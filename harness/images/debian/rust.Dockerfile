# Rust image from Debian packages only (registry-free stand-in for rust:*-slim):
# rustc + cargo from Debian 13 "trixie" (1.85). The sample is edition 2024, which
# needs 1.85: Debian 12's rustc (1.63) is too old, so this image must be built on
# a trixie base (--build-arg BASE=<a Debian 13 image>); on an older one the build
# stops with one line saying so.
#
# Paths: rustc, cargo -> /usr/bin. gcc comes with rustc (the linker, and ring's C
# code). CARGO_HOME=/usr/local/cargo (mode 1777, so any uid can fetch crates);
# the harness points CARGO_HOME and CARGO_TARGET_DIR at its cache volumes instead.
# Trust: cargo (libcurl + OpenSSL) uses the system store; the sample's rustls
# reads it too (rustls-native-certs: SSL_CERT_FILE, set below, or /etc/ssl/certs).
#
# Build context: any folder holding `extra-ca/` with zero or more PEM *.crt files
# (see ../README.md). By hand, from the repository root:
#   docker build -f harness/images/debian/rust.Dockerfile --build-arg BASE=scoring-kit/debian-base:trixie \
#       -t scoring-kit/debian-rust:trixie CONTEXT
ARG BASE=scoring-kit/debian-base:trixie
FROM ${BASE}

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
    apt-get install -y --no-install-recommends rustc cargo; \
    rm -rf /var/lib/apt/lists/*; \
    v=$(rustc --version); echo "$v"; cargo --version; \
    minor=$(echo "$v" | sed -n 's/^rustc 1\.\([0-9]*\)\..*/\1/p'); \
    if [ "${minor:-0}" -lt 85 ]; then \
        echo "rust image: $v is too old (edition 2024 needs 1.85): build on Debian 13 trixie or later" >&2; \
        exit 1; \
    fi; \
    mkdir -p /usr/local/cargo; chmod 1777 /usr/local/cargo
# <<< extra-ca + toolchain

ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    CARGO_HOME=/usr/local/cargo
CMD ["bash"]
