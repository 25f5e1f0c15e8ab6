#!/bin/sh
# Trust extra CA certificates inside an image: run by every Dockerfile here,
# from a build context holding extra-ca/ (zero or more PEM *.crt files; a file
# may be a whole bundle) and this script.
#
# 1. installs ca-certificates if the image lacks update-ca-certificates;
# 2. splits each extra-ca/*.crt into one certificate per file under
#    /usr/local/share/ca-certificates/extra-ca/ (Java's tools read only the first
#    certificate of a file), skipping ones the system store already has, and
#    runs update-ca-certificates: OpenSSL, Go, .NET, Python's ssl, curl, Mono;
# 3. if a JDK is present whose trust store is its own (Temurin), imports them
#    into it with keytool; a Debian JDK (ca-certificates-java) already has them.
set -eu
src=${1:-/tmp/extra-ca}
if ! ls "$src"/*.crt >/dev/null 2>&1; then
    echo "extra-ca: none"
    rm -rf "$src"
    exit 0
fi
if ! command -v update-ca-certificates >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
        apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates
        rm -rf /var/lib/apt/lists/*
    elif command -v apk >/dev/null 2>&1; then
        apk add --no-cache ca-certificates
    else
        echo "extra-ca: no update-ca-certificates and no apt-get or apk in this image" >&2
        exit 1
    fi
fi
sys=/etc/ssl/certs/ca-certificates.crt
[ -f "$sys" ] || sys=/dev/null
d=/usr/local/share/ca-certificates/extra-ca
mkdir -p "$d"
for f in "$src"/*.crt; do
    awk -v d="$d" -v b="$(basename "$f" .crt)" -v sys="$sys" '
        /-----BEGIN CERTIFICATE-----/ { inc = 1; pem = ""; body = "" }
        inc { pem = pem $0 "\n"; if ($0 !~ /-----/) { l = $0; gsub(/[ \t\r]/, "", l); body = body l } }
        inc && /-----END CERTIFICATE-----/ {
            inc = 0
            if (FILENAME == sys) { seen[body] = 1; next }
            n++; if (body in seen) next; seen[body] = 1; k++
            o = sprintf("%s/%s-%03d.crt", d, b, n); printf "%s", pem > o; close(o)
        }
        END {
            if (!n) { print "extra-ca: no PEM certificate in " FILENAME > "/dev/stderr"; exit 1 }
            printf "extra-ca: %s: %d certificate(s), %d new\n", FILENAME, n, k
        }' "$sys" "$f"
done
rm -rf "$src"
update-ca-certificates
if command -v keytool >/dev/null 2>&1; then
    jh=${JAVA_HOME:-}
    if [ -z "$jh" ] && command -v java >/dev/null 2>&1; then
        jh=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
    fi
    ks=""
    for p in "$jh/lib/security/cacerts" "$jh/jre/lib/security/cacerts"; do
        [ -f "$p" ] && { ks=$p; break; }
    done
    [ -n "$ks" ] || { echo "extra-ca: keytool found but no cacerts under JAVA_HOME=$jh" >&2; exit 1; }
    keytool -list -keystore "$ks" -storepass changeit | cut -d, -f1 > /tmp/aliases
    for c in "$d"/*.crt; do
        [ -f "$c" ] || continue
        a=$(basename "$c" .crt)
        grep -qixF -e "debian:$a.pem" -e "extra-ca:$a" /tmp/aliases && continue
        keytool -importcert -noprompt -keystore "$ks" -storepass changeit -alias "extra-ca:$a" -file "$c"
    done
    rm -f /tmp/aliases
    echo "extra-ca: Java trust store $ks"
fi
