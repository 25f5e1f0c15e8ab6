"""The official image profile, exercised on stand-ins (no registry here): `images standins` builds images
tagged like the official go, java and python ones, laid out like them; a run on `--images official` passes
and says it ran on stand-ins.  C# (the .NET SDK) has no stand-in: unverified here, and the output says so."""

import json

import docker.errors
import pytest

from harness.backends.docker_images import STANDIN, load_standins
from harness.backends.standins import layout_problems, official_refs
from tests.conftest import ROOT
from tests.docker.conftest import run_harness

REFS = official_refs()
STANDINS = load_standins()
SCENARIOS = "json-key,tls,retry,classic-bes,oip-infer"


@pytest.fixture(scope="module")
def built(docker_client):
    """`images standins`, once: a line per stand-in, exit 0 when all have the official layout."""
    done = run_harness("images", "standins", timeout=1800)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_standins_are_built_under_the_official_tags_and_labelled(docker_client, built):
    assert set(STANDINS) == {"go", "java", "python"}
    for language in STANDINS:
        assert f"{language}: {REFS[language]} stand-in from " in built and "official layout" in built
        label = docker_client.images.get(REFS[language]).labels.get(STANDIN, "")
        assert label.startswith(f"{REFS[language]} is a stand-in built here from Debian's"), label
    assert "unverified here on the official profile: csharp (mcr.microsoft.com/dotnet/sdk:10.0)" in built


def test_the_layout_checked_is_the_official_one(docker_client, built):
    """The check is data (standins.toml); it names what the official images set, and the stand-ins have it."""
    assert STANDINS["go"]["env"]["GOPATH"] == "/go" and STANDINS["go"]["workdir"] == "/go"
    assert STANDINS["go"]["path"].startswith("/go/bin:/usr/local/go/bin:")
    assert STANDINS["java"]["env"]["JAVA_HOME"] == "/opt/java/openjdk"
    assert STANDINS["java"]["env"]["MAVEN_CONFIG"] == "/root/.m2"
    assert STANDINS["java"]["path"].startswith("/opt/java/openjdk/bin:")
    assert STANDINS["python"]["path"].startswith("/usr/local/bin:")
    for language, layout in STANDINS.items():
        assert layout_problems(docker_client, REFS[language], layout) == [], language


def test_the_layout_check_catches_an_image_not_laid_out_like_the_official_one(docker_client, built):
    """Negative twins: the debian profile's images (Debian's layout), and a go stand-in without GOPATH."""
    for language, layout in STANDINS.items():
        assert layout_problems(docker_client, f"scoring-kit/debian-{language}:trixie", layout), language
    tag = "scoring-kit/test-standin-broken:go"
    fixture = ROOT / "tests" / "fixtures" / "standins"
    docker_client.images.build(
        path=str(fixture), dockerfile="go-no-gopath.Dockerfile", tag=tag, buildargs={"BASE": REFS["go"]}, rm=True
    )
    try:
        problems = layout_problems(docker_client, tag, STANDINS["go"])
    finally:
        docker_client.images.remove(tag, noprune=False)
    assert any(p.startswith("env GOPATH=''") for p in problems), problems
    assert any(p.startswith("workdir '/'") for p in problems), problems
    assert len(problems) == 2, problems  # the rest of the layout is the stand-in's own


def test_a_present_image_that_is_not_a_stand_in_is_kept(docker_client, built):
    """`images standins` never overwrites an image under an official tag without the stand-in label."""
    ref = REFS["python"]
    standin = docker_client.images.get(ref)
    other = docker_client.images.get("scoring-kit/debian-python:trixie")  # no label: as a real image
    other.tag(ref)
    try:
        done = run_harness("images", "standins")
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"python: {ref} kept as it is: present and not a stand-in" in done.stdout
        assert docker_client.images.get(ref).id == other.id
    finally:
        standin.tag(ref)
    assert docker_client.images.get(ref).id == standin.id


def test_the_official_profile_runs_end_to_end_on_the_standins(docker_client, built, tmp_path):
    run = run_harness(
        "run", "--backend", "docker", "--images", "official", "-l", "go", "-l", "java", "-l", "python",
        "-s", SCENARIOS, "--results", str(tmp_path / "r"),
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    out = " ".join(run.stdout.split())  # the live lines may wrap
    doc = json.loads((tmp_path / "r" / "results.json").read_text())
    cells = [(lang["name"], c["scenario"], c["status"]) for lang in doc["languages"] for c in lang["cells"]]
    assert len(cells) == 3 * len(SCENARIOS.split(",")) and {s for *_, s in cells} == {"pass"}, cells
    for lang in doc["languages"]:
        ref = REFS[lang["name"]]
        assert f"{lang['name']}: {ref} is a stand-in built here from Debian's" in out
        assert lang["standin"].startswith(f"{ref} is a stand-in"), lang["standin"]
    unverified = [n for n in doc["notes"] if "unverified here" in n]
    assert unverified and "csharp (mcr.microsoft.com/dotnet/sdk:10.0)" in unverified[0], doc["notes"]
    assert "csharp (mcr.microsoft.com/dotnet/sdk:10.0)" in out


def test_csharp_on_the_official_profile(docker_client, tmp_path):
    """With the real .NET SDK image present it runs; without it (this machine) it is unverified, said by a skip."""
    ref = REFS["csharp"]
    try:
        docker_client.images.get(ref)
    except docker.errors.ImageNotFound:
        pytest.skip(f"C# on {ref} (the .NET SDK): no stand-in, unverified on the official profile here")
    run = run_harness(
        "run", "--backend", "docker", "--images", "official", "-l", "csharp", "-s", "json-key",
        "--results", str(tmp_path / "r"),
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
