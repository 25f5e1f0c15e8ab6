#!/bin/sh
# Check the debian-profile images: each toolchain builds/runs a small program
# and reaches its package registry over HTTPS (which proves the extra CAs are
# trusted), a non-root uid can use each image, and two containers on a
# user-defined network reach each other by name.
#
# Usage: sh harness/images/debian/verify.sh [TAG]     (TAG default: trixie)
# Needs the images scoring-kit/debian-{go,java,python,csharp}:TAG and network
# access to the Go module proxy, Maven Central, PyPI (as the toolchains use them).
# Creates containers/networks named sk-verify-* and removes them on exit.
set -eu
TAG=${1:-trixie}
P=scoring-kit/debian
NET=sk-verify-net
FAILED=0

cleanup() {
    for c in $(docker ps -aq --filter name=^sk-verify-); do docker rm -f "$c" >/dev/null; done
    docker network rm "$NET" >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM
cleanup

check() {  # check NAME IMAGE [docker run options...] -- SCRIPT
    name=$1; image=$2; shift 2
    opts=""
    while [ "$1" != "--" ]; do opts="$opts $1"; shift; done
    shift
    start=$(date +%s)
    # shellcheck disable=SC2086
    if docker run --rm --name "sk-verify-$name" $opts "$image" sh -ec "$1" > "/tmp/sk-verify-$name.log" 2>&1; then
        echo "PASS $name ($(( $(date +%s) - start )) s)"
    else
        echo "FAIL $name (log: /tmp/sk-verify-$name.log)"; tail -n 20 "/tmp/sk-verify-$name.log"; FAILED=1
    fi
}

# The releases each image must have: the ARG pins of its Dockerfile.
pin() { sed -n "s/^ARG $1=//p" "$(dirname "$0")/$2.Dockerfile"; }
GO=$(pin GO_VERSION go); JAVA=$(pin JAVA_VERSION java); PY=$(pin PYTHON_VERSION python); MONO=$(pin MONO_VERSION csharp)

check go "$P-go:$TAG" -- '
go version | grep -q "go'"$GO"'\."
go version
mkdir -p /tmp/m && cd /tmp/m
cat > go.mod <<EOF
module example.com/m

go 1.24
EOF
cat > main.go <<EOF
package main

import (
	"fmt"

	"github.com/google/uuid"
)

func main() { fmt.Println("uuid", uuid.NewString()) }
EOF
go get github.com/google/uuid@v1.6.0
go build -o m . && ./m'

check java "$P-java:$TAG" -- '
javac -version 2>&1 | grep -q "javac '"$JAVA"'\."
javac -version
mvn -B -v
mvn -B -q dependency:get -Dartifact=com.fasterxml.jackson.core:jackson-databind:2.17.2
ls ~/.m2/repository/com/fasterxml/jackson/core/jackson-databind/2.17.2/jackson-databind-2.17.2.jar
mkdir -p /tmp/j && cd /tmp/j
printf "public class Hello { public static void main(String[] a) { System.out.println(\"hello java\"); } }\n" > Hello.java
javac Hello.java && java -cp . Hello'

check python "$P-python:$TAG" -- '
python3 --version | grep -q "Python '"$PY"'\."
python3 --version
python3 -m venv /tmp/v
/tmp/v/bin/pip install -q requests aiohttp pyjwt
/tmp/v/bin/python - <<EOF
import asyncio, jwt, requests
from aiohttp import web, ClientSession

async def hello(request):
    return web.json_response({"ok": True})

async def main():
    app = web.Application(); app.router.add_get("/", hello)
    runner = web.AppRunner(app); await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 8080); await site.start()
    async with ClientSession() as s:
        async with s.get("http://127.0.0.1:8080/") as r:
            print("aiohttp app answered", await r.json())
    await runner.cleanup()

asyncio.run(main())
print("jwt", jwt.decode(jwt.encode({"a": 1}, "k", algorithm="HS256"), "k", algorithms=["HS256"]))
EOF'

check csharp "$P-csharp:$TAG" -- '
mono --version | grep -q "version '"$MONO"'\."
mkdir -p /tmp/c && cd /tmp/c
cat > Program.cs <<EOF
using System;
using System.Net.Http;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

class Program {
    static int Main() {
        var json = JsonConvert.SerializeObject(new { data = new[] { 1.5, 2.5 } });
        Console.WriteLine(json + " " + (double)JObject.Parse(json)["data"][1]);
        using (var http = new HttpClient()) {
            var r = http.GetAsync("https://pypi.org/simple/pyjwt/").GetAwaiter().GetResult();
            Console.WriteLine("HTTPS status " + (int)r.StatusCode);
            return r.IsSuccessStatusCode ? 0 : 1;
        }
    }
}
EOF
mcs -warnaserror -r:/usr/lib/cli/Newtonsoft.Json-5.0/Newtonsoft.Json.dll -r:System.Net.Http.dll Program.cs -out:p.exe
MONO_PATH=/usr/lib/cli/Newtonsoft.Json-5.0 mono p.exe'

# Another uid than root (HOME=/ then): offline builds in each image.
check go-uid "$P-go:$TAG" --user 1234:1234 -- '
mkdir -p /tmp/m && cd /tmp/m
printf "module m\n\ngo 1.24\n" > go.mod
printf "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello go\") }\n" > main.go
go build -o m . && ./m'
check java-uid "$P-java:$TAG" --user 1234:1234 -w /tmp -- '
printf "public class Hello { public static void main(String[] a) { System.out.println(\"hello java\"); } }\n" > Hello.java
javac Hello.java && java -cp . Hello && mvn -B -v
mvn -B -q dependency:get -Dartifact=com.google.code.gson:gson:2.11.0
ls /tmp/.m2/repository/com/google/code/gson/gson/2.11.0/gson-2.11.0.jar'
check python-uid "$P-python:$TAG" --user 1234:1234 -- '
python3 -m venv /tmp/v && /tmp/v/bin/pip install -q pyjwt && /tmp/v/bin/python -c "import jwt; print(jwt.__version__)"'
check csharp-uid "$P-csharp:$TAG" --user 1234:1234 -w /tmp -- '
printf "class P { static void Main() { System.Console.WriteLine(\"hello mono\"); } }\n" > p.cs
mcs p.cs -out:p.exe && mono p.exe'

# User-defined network: a server container reached by name from another one.
docker network create "$NET" >/dev/null
docker run -d --rm --name sk-verify-srv --network "$NET" -w /tmp "$P-python:$TAG" \
    sh -c 'echo hello-from-srv > index.txt && exec python3 -m http.server 8000' >/dev/null
check net "$P-python:$TAG" --network "$NET" -- '
python3 - <<EOF
import time, urllib.request
for i in range(50):
    try:
        body = urllib.request.urlopen("http://sk-verify-srv:8000/index.txt", timeout=2).read().decode().strip()
        break
    except OSError:
        time.sleep(0.2)
print("got", body)
assert body == "hello-from-srv"
EOF'

[ "$FAILED" = 0 ] && echo "verify: all passed" || echo "verify: FAILED"
exit "$FAILED"
