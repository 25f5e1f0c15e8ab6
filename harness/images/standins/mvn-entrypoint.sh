#!/bin/sh
# What the official maven images' mvn-entrypoint.sh does, for the java stand-in: copy the reference files of
# /usr/share/maven/ref into $MAVEN_CONFIG (never over a file already there), unset MAVEN_CONFIG (Maven's own
# mvn script would pass it on as arguments), then run the command. Commands started with `docker exec` do
# not go through it, as with the official image.
set -eu
ref=/usr/share/maven/ref
if mkdir -p "$MAVEN_CONFIG/repository" 2>/dev/null && [ -w "$MAVEN_CONFIG" ]; then
    (cd "$ref" && find . -type f | while read -r f; do
        [ -e "$MAVEN_CONFIG/$f" ] && continue
        mkdir -p "$MAVEN_CONFIG/$(dirname "$f")"
        cp "$f" "$MAVEN_CONFIG/$f"
    done)
else
    echo "mvn-entrypoint: cannot write to $MAVEN_CONFIG; carrying on" >&2
fi
unset MAVEN_CONFIG
exec "$@"
