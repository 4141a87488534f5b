"""Peak memory of an API server process while it takes a 200 MB declaration upload.

    .venv/bin/python -m benchmarks upload [--mib 199] [--before SRC]

Generates a CSV declaration of about ``--mib`` MiB (identity numbers, wages, names; an upload
may have 200 MiB at most), starts one
API server process (uvicorn) of this tree and, with ``--before``, one of another code tree
(main's ``src`` before issue 9), posts the file to each as a multipart upload and reports the
server's peak resident memory (``VmHWM`` of /proc) and the answer. The persons of the file are
not registered, so the answer is a 422 listing the first 1000 rows: the file is read, parsed
and validated in full (identity numbers, wages, duplicates, registry join), which is where
memory grows; posting a valid file adds the amount columns of the rows, as measured by
``python -m benchmarks import``.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import polars as pl

from safetynet.policy.rules.identity import make_resident_ids

HERE = Path(__file__).resolve().parent
AFTER_SRC = HERE.parent / "src"
PASSWORD = "benchmark-password-1"
SEED = """
import sys
from safetynet.domain.access import Principal, Role
from safetynet.services import registry, users
from safetynet.services.demo import credit_code
from safetynet.services.uow import UnitOfWork
from safetynet.store.db import make_engine, session_factory, upgrade
engine = make_engine(sys.argv[1])
upgrade(engine)
uow = UnitOfWork(session_factory(engine))
admin = Principal("bench-seed", Role.ADMIN)
users.create_user(uow, admin, username="bench", password=sys.argv[2], role="admin")
employer = registry.register_employer(
    uow, admin, credit_code=credit_code(110105, 101), name="Bench", risk_class=2
)
print(employer.id)
"""


def declaration_file(path: Path, mib: int) -> int:
    """A CSV of about ``mib`` MiB; returns its row count."""
    rows = mib * 2**20 // 38
    rng = np.random.default_rng(1)
    births = np.datetime64("1960-01-01") + rng.integers(0, 365 * 40, rows).astype("timedelta64[D]")
    ids = make_resident_ids(np.full(rows, 110105), births, np.arange(rows) % 1000)
    wages = rng.lognormal(np.log(11000), 0.5, rows).round(2)
    pl.DataFrame(
        {"id_number": ids.astype(str), "monthly_wage": wages, "name": ["张三丰"] * rows}
    ).write_csv(path)
    return rows


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _peak_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(src: Path, url: str, upload: Path) -> tuple[float, float, str]:
    env = {**os.environ, "PYTHONPATH": str(src), "SAFETYNET_DATABASE_URL": url}
    seeded = subprocess.run(
        [sys.executable, "-c", SEED, url, PASSWORD],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    employer = int(seeded.stdout.strip().splitlines()[-1])
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "safetynet.api.app:create_app",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(base + "/health/live", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        idle = _peak_mib(server.pid)
        token = httpx.post(
            base + "/api/v1/auth/token", data={"username": "bench", "password": PASSWORD}
        ).json()["access_token"]
        with upload.open("rb") as f:
            answer = httpx.post(
                f"{base}/api/v1/employers/{employer}/declarations/file",
                data={"month": "2025-08", "version": "1"},
                files={"file": ("declaration.csv", f, "text/csv")},
                headers={"Authorization": f"Bearer {token}"},
                timeout=1800,
            )
        detail = answer.json().get("detail", "") if answer.status_code >= 400 else ""
        return idle, _peak_mib(server.pid), f"{answer.status_code} {detail[:120]}"
    finally:
        server.terminate()
        server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=199)
    parser.add_argument("--before", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        upload = Path(tmp) / "declaration.csv"
        rows = declaration_file(upload, args.mib)
        size = upload.stat().st_size / 2**20
        print(f"file: {size:.0f} MiB, {rows} rows", flush=True)
        trees = [("after", AFTER_SRC)] + ([("before", args.before)] if args.before else [])
        for label, src in trees:
            url = f"sqlite:///{tmp}/{label}.db"
            idle, peak, status = measure(src, url, upload)
            print(
                f"{label}: server idle {idle:.0f} MiB, peak {peak:.0f} MiB during the upload, "
                f"answer {status}",
                flush=True,
            )


if __name__ == "__main__":
    main()
