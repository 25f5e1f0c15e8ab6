"""The docs check on the Docker backend: page samples built and run in the SDK containers, nothing left."""

import os
import subprocess

from tests.docs.conftest import SEED, docs_check

IMAGES = os.environ.get("HARNESS_IMAGES", "debian")


def test_seed_samples_in_containers_and_nothing_left_behind(tmp_path, docker_client):
    run = docs_check("--backend", "docker", "--images", IMAGES, "--language", "go,python", str(SEED), results=tmp_path)
    assert run.code == 0, run.out[-4000:] + run.err
    assert run.results["backend"] == f"docker/{IMAGES}"
    go, python = run.results["samples"][10], run.results["samples"][14]
    assert (go["start"], go["verdict"], go["toolchain"]) == (260, "pass", f"docker/{IMAGES}")
    assert (python["start"], python["verdict"], python["toolchain"]) == (432, "pass", f"docker/{IMAGES}")
    assert [f["line"] for f in go["findings"]] == [275]  # go vet, run in the Go container
    names = subprocess.run(
        ["docker", "ps", "-a", "--filter", "label=io.scoring-kit.managed=true", "--format", "{{.Names}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "seed-consume-web-service" not in names, names
