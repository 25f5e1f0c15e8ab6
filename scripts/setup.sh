#!/usr/bin/env bash
# Install what this project needs on a fresh Debian/Ubuntu machine, then make
# sure a Docker engine runs.  Safe to run again: it installs only what is missing.
#
#   scripts/setup.sh
#
# - nox (which installs the Python packages of each session itself);
# - the local toolchains used by `--backend local` and by the tests: Mono's mcs
#   with Newtonsoft.Json (C#), Go, a JDK and Maven; Chromium (headless, for a test);
# - actionlint (from the Go module proxy), which the tests run on the CI workflow;
# - Docker: scripts/docker-up.sh (docker.io, debootstrap, dockerd).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1

apt_packages=()
need() {  # need COMMAND DEBIAN-PACKAGE...: install the packages when COMMAND is missing
    command -v "$1" >/dev/null 2>&1 || apt_packages+=("${@:2}")
}
need mcs mono-mcs libmono-system-net-http4.0-cil libnewtonsoft-json-cil-dev
need cert-sync ca-certificates-mono  # Mono's certificate store: the C# client trusts the tls scenarios' CA
[ -f /usr/lib/cli/Newtonsoft.Json-5.0/Newtonsoft.Json.dll ] || apt_packages+=(libnewtonsoft-json-cil-dev)
need go golang-go
need javac default-jdk-headless
need mvn maven
need cargo-clippy rustc cargo rust-clippy rustfmt  # Rust + its lint tools: Debian 13 or later (rustc 1.85), or rustup
need chromium chromium  # the tests render the comparison report in it
if [ ${#apt_packages[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "setup: missing ${apt_packages[*]}; install them (as root: apt-get install ...)" >&2
        exit 1
    fi
    echo "setup: installing ${apt_packages[*]}"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
fi
command -v nox >/dev/null 2>&1 || python3 -m pip install --quiet nox==2026.10.20
# actionlint checks the CI workflow in the tests.
if ! command -v actionlint >/dev/null 2>&1 && [ ! -x "$(go env GOPATH)/bin/actionlint" ]; then
    echo "setup: installing actionlint"
    if [ "$(id -u)" = 0 ]; then export GOBIN=/usr/local/bin; fi
    go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
fi
scripts/docker-up.sh
