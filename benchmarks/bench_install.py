"""A lean first run: size of the environment and time of a cold ``make run`` to the first page.

For each Makefile given (``before``: a git revision's, e.g. ``main``; ``after``: this tree's),
exports that revision's tree to a temporary directory, creates a fresh virtual environment
OUTSIDE any repository (``--venvs``, default /tmp/leanvenv-<label>), runs the Makefile's
install step for ``make run`` (``make VENV=...``, pip's cache as it is), then starts
``safetynet demo`` on a free loopback port exactly as ``make run`` does and waits for
``GET /health/ready`` to answer 200. Reports the seconds to that first page and ``du`` of the
environment; for ``after`` also the seconds and size that ``make test``'s extras add.
Every step is bounded (``--timeout`` per step). Never touches the repository's own .venv.
Run: ``python -m benchmarks install [--before main] [--after HEAD]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import tarfile
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def export_tree(revision: str, into: Path) -> Path:
    """The files of ``revision`` (or of the working tree for ``WORKTREE``) under ``into``."""
    into.mkdir(parents=True)
    if revision == "WORKTREE":
        files = subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        for name in files:
            if (ROOT / name).is_file():
                (into / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / name, into / name)
        return into
    archive = into / "tree.tar"
    subprocess.run(["git", "archive", "-o", str(archive), revision], cwd=ROOT, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    archive.unlink()
    return into


def stamp_of(tree: Path, venv: Path) -> str:
    """The install stamp that ``make run`` depends on, with the Makefile's variables expanded."""
    variables = {"VENV": str(venv)}
    target = ""
    for line in (tree / "Makefile").read_text().splitlines():
        if ":=" in line:
            name, value = (part.strip() for part in line.split(":=", 1))
            variables.setdefault(name, value)
        elif line.startswith("run:"):
            target = line.split(":", 1)[1].split()[0]
    while "$(" in target:
        name = target[target.index("$(") + 2 : target.index(")")]
        target = target.replace(f"$({name})", variables[name])
    if not target:
        raise SystemExit("no run target in the Makefile")
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def first_page(tree: Path, venv: Path, timeout: float) -> float:
    """Seconds from starting ``safetynet demo`` to ``/health/ready`` answering 200."""
    port = free_port()
    env = {**os.environ, "SAFETYNET_DATABASE_URL": f"sqlite:///{tree / 'var' / 'demo.db'}"}
    env.pop("PYTHONPATH", None)
    (tree / "var").mkdir(exist_ok=True)
    start = time.perf_counter()
    server = subprocess.Popen(
        [str(venv / "bin" / "safetynet"), "demo", "--port", str(port)],
        cwd=tree,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while time.perf_counter() - start < timeout:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/health/ready", timeout=2
                ) as r:
                    if r.status == 200:
                        return time.perf_counter() - start
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"no first page within {timeout} s")
    finally:
        server.terminate()
        server.wait(timeout=30)


def make(tree: Path, venv: Path, target: str, timeout: float) -> float:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    start = time.perf_counter()
    subprocess.run(
        ["make", "-C", str(tree), f"VENV={venv}", target],
        check=True,
        timeout=timeout,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def size_mb(path: Path) -> float:
    out = subprocess.run(["du", "-sm", str(path)], check=True, capture_output=True, text=True)
    return float(out.stdout.split()[0])


def measure(label: str, revision: str, venvs: str, timeout: float) -> None:
    venv = Path(venvs.format(label=label))
    shutil.rmtree(venv, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix=f"lean-{label}-") as tmp:
        tree = export_tree(revision, Path(tmp) / "tree")
        install = make(tree, venv, stamp_of(tree, venv), timeout)
        page = first_page(tree, venv, timeout)
        print(
            f"{label:6} ({revision}): install {install:6.1f} s + first page {page:5.1f} s = "
            f"{install + page:6.1f} s to GET /health/ready; venv {size_mb(venv):,.0f} MB"
        )
        if (tree / "Makefile").read_text().count(".installed-test"):
            extras = make(tree, venv, f"{venv}/.installed-test", timeout)
            print(f"{'':6}  then make test's extras: {extras:6.1f} s; venv {size_mb(venv):,.0f} MB")
    shutil.rmtree(venv, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", default="main", help="git revision of the old Makefile")
    parser.add_argument("--after", default="WORKTREE", help="git revision, or WORKTREE")
    parser.add_argument("--venvs", default="/tmp/leanvenv-{label}")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds per step")
    args = parser.parse_args()
    print("pip's cache as it is on this machine (not cleared); times include the downloads")
    measure("before", args.before, args.venvs, args.timeout)
    measure("after", args.after, args.venvs, args.timeout)


if __name__ == "__main__":
    main()
