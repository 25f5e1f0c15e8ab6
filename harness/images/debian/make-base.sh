#!/bin/sh
# Build the registry-free base image scoring-kit/debian-base:trixie (Debian 13)
# from Debian packages only: debootstrap (minbase) + `docker import`.
#
# Usage (as root, with a running dockerd):
#   sh harness/images/debian/make-base.sh [TAG]
# The suite is the tag's part after the colon when it names one
# (scoring-kit/debian-base:bookworm makes Debian 12), else $SUITE.
# Environment:
#   MIRROR           Debian mirror (default: the host's apt sources for $SUITE,
#                    else http://deb.debian.org/debian)
#   SECURITY_MIRROR  Debian security mirror (default: the host's apt sources
#                    for $SUITE-security, else http://deb.debian.org/debian-security)
#   SUITE            default: the tag's suite, else trixie
#   WORKDIR          scratch directory (default: a fresh mktemp -d; removed at the end)
#
# Needs: debootstrap (apt-get install -y debootstrap), docker CLI, root.
set -eu

if [ -z "${SUITE:-}" ] && [ -n "${1:-}" ]; then
    case ${1##*:} in
        bookworm | trixie | forky | sid) SUITE=${1##*:} ;;
    esac
fi
SUITE=${SUITE:-trixie}
TAG=${1:-scoring-kit/debian-base:$SUITE}

# Print the first URI the host's apt sources use for suite $1 (deb822 *.sources
# files and one-line sources.list files), or nothing.
host_mirror() {
    suite=$1
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk -v s="$suite" '
            BEGIN { RS = ""; FS = "\n" }
            {
                uri = ""; ok = 0; deb = 0
                for (i = 1; i <= NF; i++) {
                    if ($i ~ /^URIs:/)   { split($i, a, /[ \t]+/); uri = a[2] }
                    if ($i ~ /^Types:/ && $i ~ /[ \t]deb([ \t]|$)/) deb = 1
                    if ($i ~ /^Suites:/) { n = split($i, a, /[ \t]+/); for (j = 2; j <= n; j++) if (a[j] == s) ok = 1 }
                }
                if (ok && deb && uri != "") { print uri; exit }
            }' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk -v s="$suite" '$1 == "deb" {
                i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                if ($(i + 1) == s) { print $i; exit }
            }' "$f"
    done
}

MIRROR=${MIRROR:-$(host_mirror "$SUITE" | head -n 1)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${SECURITY_MIRROR:-$(host_mirror "$SUITE-security" | head -n 1)}
SECURITY_MIRROR=${SECURITY_MIRROR:-http://deb.debian.org/debian-security}

CLEAN_WORKDIR=0
if [ -z "${WORKDIR:-}" ]; then
    WORKDIR=$(mktemp -d /tmp/debian-base.XXXXXX)
    CLEAN_WORKDIR=1
fi
ROOTFS=$WORKDIR/rootfs
cleanup() { [ "$CLEAN_WORKDIR" = 1 ] && rm -rf "$WORKDIR"; }
trap cleanup EXIT INT TERM

echo "make-base: debootstrap $SUITE from $MIRROR into $ROOTFS" >&2
debootstrap --variant=minbase "$SUITE" "$ROOTFS" "$MIRROR" >&2

# Make the tree look like Debian's official container image (debuerreotype):
# full apt sources incl. updates + security, no daemons started by apt,
# no caches or downloaded lists left in the image.
rm -f "$ROOTFS/etc/apt/sources.list"
cat > "$ROOTFS/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY_MIRROR
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
cat > "$ROOTFS/usr/sbin/policy-rc.d" <<'EOF'
#!/bin/sh
# Do not start services when packages are installed in a container build.
exit 101
EOF
chmod 755 "$ROOTFS/usr/sbin/policy-rc.d"
cat > "$ROOTFS/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
cat > "$ROOTFS/etc/apt/apt.conf.d/docker-no-languages" <<'EOF'
Acquire::Languages "none";
EOF
# Bring the tree up to date with $SUITE-updates / $SUITE-security
# (debootstrap only installs from $SUITE itself).
cp -L /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
chroot "$ROOTFS" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    sh -c 'apt-get update -q && apt-get -y -q upgrade && apt-get clean' >&2

rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/* \
       "$ROOTFS"/var/log/*.log "$ROOTFS"/var/log/apt/* "$ROOTFS"/tmp/* "$ROOTFS"/dev/*
mkdir -p "$ROOTFS/var/lib/apt/lists/partial"
: > "$ROOTFS/etc/resolv.conf"          # docker bind-mounts its own
echo localhost > "$ROOTFS/etc/hostname"

echo "make-base: docker import -> $TAG" >&2
tar --numeric-owner -C "$ROOTFS" -c . | docker import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'ENV LANG=C.UTF-8' \
    -c 'CMD ["bash"]' \
    -m "debootstrap --variant=minbase $SUITE $MIRROR" \
    - "$TAG"
docker image ls "$TAG"
