"""Wall time of the whole conformance matrix: cold vs warm Docker runs, parallel
vs one language at a time, and the harness vs a plain loop doing the same work,
all in one sitting.

    nox -s bench_matrix -- --images debian     # or: python bench/matrix.py [--rounds 3] [--keep-cold]
    python bench/matrix.py --images debian --ca-bundle /etc/ssl/certs/ca-certificates.crt

"cold" removes the SDK and stub images this project built and the package
cache volumes first (the Debian base image stays: it stands for a registry's
copy), so it measures image builds plus every download; all other runs are
warm.  "plain" is the floor: the same stub set-up, builds and client runs on
the local toolchains, one after another, with nothing checked, logged or
reported.  Warm configurations are run in alternation, ``--rounds`` times
each, and their medians compared, so drift on the machine hits all of them.

Targets: the README's main command (``nox -s conformance``) at most 1.05x
``python -m harness run`` doing the same cells; the warm Docker matrix at most
1.3x its CPU floor (the machine's busy CPU seconds during the run, divided by
the cores: what the work would take with every core busy all the time); the
warm harness at most 1.2x the plain loop; warm at least 3x faster than cold;
``--jobs 2`` at most 0.7x ``--jobs 1``.  Run it on an otherwise idle machine:
the CPU floor counts everything the machine does.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docker

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness import catalog  # noqa: E402
from harness.backends.local import LocalBackend  # noqa: E402
from harness.plan import service_name  # noqa: E402
from harness.redact import Redactor  # noqa: E402
from harness.runner import set_up  # noqa: E402
from harness.stubctl import StubControl  # noqa: E402


def busy_seconds() -> float:
    """CPU time the whole machine has spent busy (user, system, irq, ...; not idle or I/O wait), from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


CPU: dict[str, list[float]] = {}  # configuration -> the machine's busy CPU seconds of each run


def run_matrix(*args: str, main_command: bool = False, label: str = "") -> float:
    with tempfile.TemporaryDirectory() as results:
        if main_command:  # the README's first command, as a user types it
            argv = ["nox", "--no-error-on-missing-interpreters", "-s", "conformance", "--", "--results", results, *args]
        else:
            argv = [sys.executable, "-m", "harness", "run", "--results", results, *args]
        start, cpu = time.monotonic(), busy_seconds()
        proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
        seconds = time.monotonic() - start
        CPU.setdefault(label, []).append(busy_seconds() - cpu)
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-15:]
        sys.exit(f"bench: `{' '.join(argv)}` failed (exit {proc.returncode}):\n" + "\n".join(tail))
    return seconds


def plain() -> float:
    """The floor: every build and run of the matrix in a plain loop, nothing checked or kept."""
    backend = LocalBackend()
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp, open(os.devnull, "w") as devnull:
        (Path(tmp) / "logs").mkdir()
        with backend.stub(Path(tmp) / "logs" / "stub.log") as (admin_url, client_url):
            stub = StubControl(admin_url)
            for language in catalog.load_languages().values():
                built = backend.build(language, Path(tmp) / "build" / language.name, devnull)
                for scenario in catalog.load_scenarios().values():
                    service = service_name(language.name, scenario.name)
                    plan = set_up(scenario, service, backend, stub, client_url, Redactor())
                    run = backend.run(built, plan.env, plan.run_timeout, plan.program, plan.trust_ca)
                    # The floor must do the same work: each run ends the way the scenario expects.
                    want = plan.expect.exit_code
                    if run.exit_code is None or (run.exit_code == 0 if want == "nonzero" else run.exit_code != want):
                        sys.exit(f"bench: plain loop: {service} exited {run.exit_code}, expected {want}")
    return time.monotonic() - start


def make_cold(client: docker.DockerClient) -> None:
    """Remove what a warm run reuses: built SDK/stub images and the cache volumes."""
    images = client.images.list(filters={"label": "io.scoring-kit.managed=true"})
    # Children first (a child is always newer than its parent): the stub image
    # is built on the Python SDK image, and a failed build leaves untagged layers.
    for image in sorted(images, key=lambda i: i.attrs["Created"], reverse=True):
        if not any(tag.startswith("scoring-kit/debian-base") for tag in image.tags):
            with contextlib.suppress(docker.errors.NotFound):
                client.images.remove(image.id, force=True)
    subprocess.run([sys.executable, "-m", "harness", "clean", "--volumes"], cwd=ROOT, check=True, capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="warm runs of each configuration (default 3)")
    parser.add_argument("--images", default=os.environ.get("HARNESS_IMAGES", "auto"))
    parser.add_argument("--ca-bundle", default=os.environ.get("HARNESS_CA_BUNDLE"))
    parser.add_argument("--keep-cold", action="store_true", help="skip the cold run (keep images and caches)")
    args = parser.parse_args()
    jobs = os.cpu_count() or 1
    docker_args = ["--backend", "docker", "--images", args.images]
    if args.ca_bundle:
        docker_args += ["--ca-bundle", args.ca_bundle]
    configs = {
        "main command (nox -s conformance)": [*docker_args, "--jobs", str(jobs)],
        f"docker warm, --jobs {jobs}": [*docker_args, "--jobs", str(jobs)],
        "docker warm, --jobs 1": [*docker_args, "--jobs", "1"],
        f"local, --jobs {jobs}": ["--backend", "local", "--jobs", str(jobs)],
        "local, one at a time": ["--backend", "local", "--jobs", "1", "--scenario-jobs", "1"],
        "plain loop (the floor)": None,
    }
    times: dict[str, list[float]] = {name: [] for name in configs}
    if not args.keep_cold:
        make_cold(docker.from_env())
        times["docker cold"] = [run_matrix(*docker_args, "--jobs", str(jobs))]
        print(f"docker cold: {times['docker cold'][0]:.1f} s", flush=True)
    for round_ in range(args.rounds):
        for name, argv in configs.items():
            main_command = name.startswith("main command")
            times[name].append(run_matrix(*argv, main_command=main_command, label=name) if argv else plain())
            print(f"round {round_ + 1}: {name}: {times[name][-1]:.1f} s", flush=True)

    median = {name: statistics.median(values) for name, values in times.items() if values}
    print(f"\nWhole matrix (every language x scenario), median of {args.rounds} warm rounds, {jobs} CPUs:")
    for name, value in median.items():
        print(f"  {name:28} {value:7.1f} s   runs: {', '.join(f'{v:.1f}' for v in times[name])}")
    warm, floor = median[f"docker warm, --jobs {jobs}"], median["plain loop (the floor)"]

    def ratio(label: str, value: float, target: str, ok: bool) -> None:
        print(f"  {label:36} {value:6.2f}x   (target: {target}: {'met' if ok else 'MISSED'})")

    print("Ratios:")
    main_cmd = median["main command (nox -s conformance)"] / warm
    ratio("main command / harness run", main_cmd, "<= 1.05", main_cmd <= 1.05)
    cpu_floor = statistics.median(CPU[f"docker warm, --jobs {jobs}"]) / jobs
    print(f"  {'docker warm CPU floor':36} {cpu_floor:6.1f} s   (busy CPU seconds of the machine / {jobs} cores)")
    ratio("docker warm / its CPU floor", warm / cpu_floor, "<= 1.3", warm / cpu_floor <= 1.3)
    ratio("docker warm / plain loop", warm / floor, "<= 1.2", warm / floor <= 1.2)
    sequential = median["local, one at a time"] / floor
    ratio("local one at a time / plain loop", sequential, "<= 1.2, the harness's own cost", sequential <= 1.2)
    if "docker cold" in median:
        ratio("cold / warm", median["docker cold"] / warm, ">= 3", median["docker cold"] / warm >= 3)
    if jobs > 1:
        parallel = warm / median["docker warm, --jobs 1"]
        ratio(f"--jobs {jobs} / --jobs 1", parallel, "<= 0.7", parallel <= 0.7)
    local = median[f"local, --jobs {jobs}"]
    print(f"  {'docker warm / local':36} {warm / local:6.2f}x   (below 1: Docker is faster)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
