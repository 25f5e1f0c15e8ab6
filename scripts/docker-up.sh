#!/bin/sh
# Make sure a Docker engine answers, for the harness's Docker backend.
#
#   scripts/docker-up.sh
#
# Nothing to do when `docker info` already answers.  Otherwise, on Debian or
# Ubuntu as root: installs Debian's docker.io (and debootstrap, which the
# registry-free `--images debian` profile uses to make its base image), starts
# dockerd in the background (log: /tmp/dockerd.log) and waits until it answers.
# Elsewhere it says what to do and exits non-zero.
set -eu

if docker info >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "docker-up: no Docker engine answers; install and start Docker (https://docs.docker.com/engine/install/)," \
        "or run this script as root on Debian/Ubuntu" >&2
    exit 1
fi
missing=""
command -v dockerd >/dev/null 2>&1 || missing="$missing docker.io"
command -v debootstrap >/dev/null 2>&1 || missing="$missing debootstrap"
if [ -n "$missing" ]; then
    echo "docker-up: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq $missing >/dev/null
fi
if ! pgrep -x dockerd >/dev/null 2>&1; then
    echo "docker-up: starting dockerd (log: /tmp/dockerd.log)"
    setsid nohup dockerd >/tmp/dockerd.log 2>&1 </dev/null &
fi
i=0
until docker info >/dev/null 2>&1; do
    i=$((i + 1))
    if [ "$i" -gt 60 ]; then
        echo "docker-up: dockerd did not answer within 60 s; see /tmp/dockerd.log:" >&2
        tail -n 5 /tmp/dockerd.log >&2
        exit 1
    fi
    sleep 1
done
echo "docker-up: $(docker version --format 'Docker engine {{.Server.Version}}') is running"
