# Stand-in for the official maven:<release>-eclipse-temurin-21 image (carlossg/docker-maven on adoptium's
# eclipse-temurin:21-jdk), for machines that reach no container registry: the debian profile's OpenJDK 21 and
# Maven 3.9 (Debian packages) laid out like the official image. Same tag and layout, not the same bits:
# Debian's OpenJDK, not Temurin; Debian 13, not Ubuntu; LANG C.UTF-8, not en_US.UTF-8.
#
# The official layout (the two Dockerfiles): JAVA_HOME=/opt/java/openjdk (here a link to Debian's JDK) with
# its bin first on PATH, JAVA_VERSION, its own plain-file trust store $JAVA_HOME/lib/security/cacerts (Debian's
# is a link to /etc/ssl/certs/java/cacerts; made a copy here, so extra CAs must be imported with keytool, as on
# Temurin), MAVEN_HOME=/usr/share/maven, mvn in /usr/bin, MAVEN_CONFIG=/root/.m2, the reference files in
# /usr/share/maven/ref, ENTRYPOINT mvn-entrypoint.sh (copies them into MAVEN_CONFIG, unsets it, runs the
# command), CMD mvn, user root. standins.toml lists what the harness checks.
#
# Built by `python -m harness images standins` (BASE, required = the debian profile's java image, built without extra
# CAs as an official image comes; STANDS_FOR = the official tag of images.toml). Build context: this folder.
ARG BASE
FROM ${BASE}
ARG STANDS_FOR
ARG JAVA_VERSION=21
LABEL scoring-kit.standin="${STANDS_FOR} is a stand-in built here from Debian's openjdk-${JAVA_VERSION}-jdk-headless and maven (harness/images/standins/java.Dockerfile)"
COPY mvn-entrypoint.sh /usr/local/bin/mvn-entrypoint.sh
COPY settings-docker.xml /usr/share/maven/ref/settings-docker.xml
RUN set -eu; \
    test -n "${STANDS_FOR}" || { echo "standin: --build-arg STANDS_FOR=<official tag> is required" >&2; exit 1; }; \
    mkdir -p /opt/java; \
    ln -s "/usr/lib/jvm/java-${JAVA_VERSION}-openjdk-$(dpkg --print-architecture)" /opt/java/openjdk; \
    ks=/opt/java/openjdk/lib/security/cacerts; cp --remove-destination "$(readlink -f "$ks")" "$ks"; \
    chmod 755 /usr/local/bin/mvn-entrypoint.sh; \
    /opt/java/openjdk/bin/java -version 2>&1 | grep "version \"${JAVA_VERSION}[.\"]"
ENV JAVA_HOME=/opt/java/openjdk \
    JAVA_VERSION=jdk-${JAVA_VERSION} \
    MAVEN_HOME=/usr/share/maven \
    MAVEN_CONFIG=/root/.m2 \
    PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ENTRYPOINT ["/usr/local/bin/mvn-entrypoint.sh"]
CMD ["mvn"]
