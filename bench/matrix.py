"""Wall time of the whole conformance matrix: cold vs warm Docker runs, parallel
vs one language at a time, Docker vs local toolchains, all in one sitting.

    nox -s bench_matrix -- --images debian     # or: python bench/matrix.py [--rounds 3] [--keep-cold]
    python bench/matrix.py --images debian --ca-bundle /etc/ssl/certs/ca-certificates.crt

"cold" removes the SDK and stub images this project built and the package
cache volumes first (the Debian base image stays: it stands for a registry's
copy), so it measures image builds plus every download; all other runs are
warm.  Warm configurations are run in alternation, ``--rounds`` times each,
and their medians compared, so drift on the machine hits all of them.

Targets (issue "Docker backend"): a warm rerun is fast (``cold / warm`` well
above 1), and parallel languages pay off (``--jobs 1 / --jobs N`` above 1).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docker

ROOT = Path(__file__).resolve().parents[1]


def run_matrix(*args: str) -> float:
    with tempfile.TemporaryDirectory() as results:
        start = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "harness", "run", "--results", results, *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        seconds = time.monotonic() - start
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-15:]
        sys.exit(f"bench: `harness run {' '.join(args)}` failed (exit {proc.returncode}):\n" + "\n".join(tail))
    return seconds


def make_cold(client: docker.DockerClient) -> None:
    """Remove what a warm run reuses: built SDK/stub images and the cache volumes."""
    images = client.images.list(filters={"label": "io.scoring-kit.managed=true"})
    # Children first: the stub image is built on the Python SDK image.
    for image in sorted(images, key=lambda i: not any(t.startswith("scoring-kit/stub") for t in i.tags)):
        if not any(tag.startswith("scoring-kit/debian-base") for tag in image.tags):
            client.images.remove(image.id, force=True)
    subprocess.run([sys.executable, "-m", "harness", "clean", "--volumes"], cwd=ROOT, check=True, capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="warm runs of each configuration (default 3)")
    parser.add_argument("--images", default=os.environ.get("HARNESS_IMAGES", "official"))
    parser.add_argument("--ca-bundle", default=os.environ.get("HARNESS_CA_BUNDLE"))
    parser.add_argument("--keep-cold", action="store_true", help="skip the cold run (keep images and caches)")
    args = parser.parse_args()
    jobs = os.cpu_count() or 1
    docker_args = ["--backend", "docker", "--images", args.images]
    if args.ca_bundle:
        docker_args += ["--ca-bundle", args.ca_bundle]
    configs = {
        f"docker warm, --jobs {jobs}": [*docker_args, "--jobs", str(jobs)],
        "docker warm, --jobs 1": [*docker_args, "--jobs", "1"],
        f"local, --jobs {jobs}": ["--backend", "local", "--jobs", str(jobs)],
    }
    times: dict[str, list[float]] = {name: [] for name in configs}
    if not args.keep_cold:
        make_cold(docker.from_env())
        times["docker cold"] = [run_matrix(*docker_args, "--jobs", str(jobs))]
        print(f"docker cold: {times['docker cold'][0]:.1f} s", flush=True)
    for round_ in range(args.rounds):
        for name, argv in configs.items():
            times[name].append(run_matrix(*argv))
            print(f"round {round_ + 1}: {name}: {times[name][-1]:.1f} s", flush=True)

    median = {name: statistics.median(values) for name, values in times.items() if values}
    print(f"\nWhole matrix (every language x scenario), median of {args.rounds} warm rounds, {jobs} CPUs:")
    for name, value in median.items():
        print(f"  {name:28} {value:7.1f} s   runs: {', '.join(f'{v:.1f}' for v in times[name])}")
    warm = median[f"docker warm, --jobs {jobs}"]
    print("Ratios:")
    if "docker cold" in median:
        print(f"  cold / warm                   {median['docker cold'] / warm:6.2f}x   (target: > 1)")
    print(f"  --jobs 1 / --jobs {jobs}            {median['docker warm, --jobs 1'] / warm:6.2f}x   (target: > 1)")
    local = median[f"local, --jobs {jobs}"]
    print(f"  docker warm / local           {warm / local:6.2f}x   (below 1: Docker is faster)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
