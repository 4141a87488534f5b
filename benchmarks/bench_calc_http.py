"""The law over HTTP in bulk: one batch request of 10,000 cases against 100 single requests.

Starts a real server (``safetynet serve``, uvicorn) on loopback with a temporary SQLite
database, then times, in the same run and with one keep-alive connection: 100 single
``POST /api/v1/calc/contribution`` requests, one ``POST /api/v1/calc/contribution/batch`` of
``--cases`` cases as objects, and the same cases as columns. Times are end to end (encoding the
JSON, the request, parsing the response), best of ``--repeat``.
Targets (issue 15): the batch in < 2x the time of the 100 singles, and < 0.5 s.
Run: ``.venv/bin/python -m benchmarks calc_http [--cases 10000] [--singles 100]``.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from benchmarks.bench_rules import best_of

REGIONS = ["110000", "310000", "440300", "510100", "330100"]


def case(i: int) -> dict[str, Any]:
    return {
        "monthly_wage": f"{4000 + (i * 37) % 40000}.{i % 100:02d}",
        "region": REGIONS[i % len(REGIONS)],
        "month": "2026-08",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "SAFETYNET_DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}"}
    command = [str(Path(sys.executable).parent / "safetynet"), "serve", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, cwd=workdir)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health/ready", timeout=1).status_code == 200:
                return server, base
        except httpx.HTTPError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not become ready within 120 s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--singles", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cases = [case(i) for i in range(args.cases)]
    columns = {name: [c[name] for c in cases] for name in cases[0]}
    with tempfile.TemporaryDirectory() as tmp:
        server, base = start_server(Path(tmp))
        try:
            with httpx.Client(base_url=base, timeout=120) as client:
                url = "/api/v1/calc/contribution"

                def singles() -> None:
                    for c in cases[: args.singles]:
                        client.post(url, json=c).raise_for_status()

                def batch(body: dict[str, Any]) -> Callable[[], None]:
                    def run() -> None:
                        response = client.post(f"{url}/batch", json=body)
                        response.raise_for_status()
                        assert response.json()["error_count"] == 0

                    return run

                singles()  # warm the server (imports, parameter tree)
                t_single = best_of(singles, args.repeat)
                t_cases = best_of(batch({"cases": cases}), args.repeat)
                t_columns = best_of(batch({"columns": columns}), args.repeat)
        finally:
            server.terminate()
            server.wait(timeout=30)
    per_single = t_single / args.singles * 1000
    print(f"{args.singles} single requests:        {t_single:7.3f} s ({per_single:.2f} ms each)")
    for label, seconds in (("cases", t_cases), ("columns", t_columns)):
        print(
            f"batch of {args.cases} ({label:7}): {seconds:7.3f} s "
            f"({seconds / t_single:.2f}x the singles; {args.cases / seconds:,.0f} cases/s; "
            f"{t_single / args.singles * args.cases / seconds:.0f}x faster per case)"
        )
    print(f"targets: batch < 2x the singles and < 0.5 s (best of {args.repeat})")


if __name__ == "__main__":
    main()
