"""Postings per second with 50 concurrent clients on PostgreSQL, before and after the natural
keys of issue 9 (flexible payments and medical claims).

    .venv/bin/python -m benchmarks postings [--clients 50] [--requests 1000] [--before /path/src]

For each code tree (``--before``: main's ``src`` as it was before the keys, default
/work/main/src; after: this tree's) the benchmark makes a fresh PostgreSQL schema migrated by
that tree, registers persons enrolled as flexible workers (not timed), starts two API server
processes of that tree (uvicorn, each with its own connection pool) and lets ``--clients``
threads post ``--requests`` distinct flexible months, then as many distinct medical claims,
as fast as the servers answer. Same machine, same database, same run: the ratio is the cost
of the keys (a primary-key insert per posting, the claim's race handling).

PostgreSQL comes from ``SAFETYNET_BENCH_DATABASE_URL`` or ``SAFETYNET_TEST_DATABASE_URL``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
AFTER_SRC = HERE.parent / "src"
PASSWORD = "benchmark-password-1"

SEED = """
import json, sys
import numpy as np
from safetynet.domain.access import Principal, Role
from safetynet.policy.rules.identity import make_resident_ids
from safetynet.services import registry, users
from safetynet.services.uow import UnitOfWork
from safetynet.store.db import make_engine, session_factory, upgrade
engine = make_engine(sys.argv[1])
upgrade(engine)
uow = UnitOfWork(session_factory(engine))
admin = Principal("bench-seed", Role.ADMIN)
users.create_user(uow, admin, username="bench", password=sys.argv[3], role="admin")
n = int(sys.argv[2])
births = np.full(n, np.datetime64("1980-05-17"))
ids = make_resident_ids(np.full(n, 110105), births, np.arange(n) + 1)
persons = []
for number in ids:
    p = registry.register_person(
        uow, admin, id_number=str(number), name="Bench", hukou_type="urban"
    )
    registry.enroll(uow, admin, person_id=p.id, worker_type="flexible", region="110105",
                    start_month="2020-01")
    persons.append(p.id)
print(json.dumps(persons))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _schema_url(base: str, schema: str) -> str:
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    admin.dispose()
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def _servers(
    src: Path, url: str, count: int = 2
) -> tuple[list[subprocess.Popen[bytes]], list[str]]:
    env = {**os.environ, "PYTHONPATH": str(src), "SAFETYNET_DATABASE_URL": url}
    procs, urls = [], []
    for _ in range(count):
        port = _free_port()
        procs.append(
            subprocess.Popen(
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
        )
        urls.append(f"http://127.0.0.1:{port}")
    for base in urls:
        for _ in range(200):
            try:
                if httpx.get(base + "/health/live", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
    return procs, urls


def _post_all(
    urls: list[str], token: str, bodies: list[tuple[str, dict[str, object]]], clients: int
) -> tuple[float, dict[int, int]]:
    headers = {"Authorization": f"Bearer {token}"}
    pools = [httpx.Client(base_url=u, headers=headers, timeout=120) for u in urls]

    def send(index: int) -> int:
        path, body = bodies[index]
        return pools[index % len(pools)].post(path, json=body).status_code

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        codes = list(pool.map(send, range(len(bodies))))
    elapsed = time.perf_counter() - start
    for client in pools:
        client.close()
    counts: dict[int, int] = {}
    for code in codes:
        counts[code] = counts.get(code, 0) + 1
    return elapsed, counts


def measure(src: Path, base: str, schema: str, requests: int, clients: int) -> dict[str, object]:
    url = _schema_url(base, schema)
    persons_needed = max(1, requests // 6)
    env = {**os.environ, "PYTHONPATH": str(src)}
    seeded = subprocess.run(
        [sys.executable, "-c", SEED, url, str(persons_needed), PASSWORD],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    persons = json.loads(seeded.stdout.strip().splitlines()[-1])
    procs, urls = _servers(src, url)
    try:
        token = httpx.post(
            urls[0] + "/api/v1/auth/token", data={"username": "bench", "password": PASSWORD}
        ).json()["access_token"]
        months = [f"2025-{m:02d}" for m in range(7, 13)]
        flexible = [
            (
                "/api/v1/contributions/flexible",
                {"person_id": persons[i // 6], "month": months[i % 6], "monthly_base": "8000"},
            )
            for i in range(requests)
        ]
        claims = [
            (
                "/api/v1/benefits/medical-claims",
                {
                    "person_id": persons[i % len(persons)],
                    "reference": f"B-{i}",
                    "service_date": "2025-05-10",
                    "setting": "outpatient",
                    "tier": "community",
                    "policy_cost": "500.00",
                },
            )
            for i in range(requests)
        ]
        flex_time, flex_codes = _post_all(urls, token, flexible, clients)
        claim_time, claim_codes = _post_all(urls, token, claims, clients)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(20)
    return {
        "flexible_per_s": round(requests / flex_time, 1),
        "flexible_answers": flex_codes,
        "claims_per_s": round(requests / claim_time, 1),
        "claims_answers": claim_codes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--before", type=Path, default=Path("/work/main/src"))
    args = parser.parse_args()
    base = os.environ.get("SAFETYNET_BENCH_DATABASE_URL") or os.environ.get(
        "SAFETYNET_TEST_DATABASE_URL", ""
    )
    if not base:
        raise SystemExit("set SAFETYNET_BENCH_DATABASE_URL (PostgreSQL)")
    results = {}
    for label, src in (("before", args.before), ("after", AFTER_SRC)):
        results[label] = measure(src, base, f"bench_postings_{label}", args.requests, args.clients)
        print(label, results[label], flush=True)
    for kind in ("flexible_per_s", "claims_per_s"):
        ratio = float(results["after"][kind]) / float(results["before"][kind])  # type: ignore[arg-type]
        print(f"{kind}: after/before = {ratio:.2f}")


if __name__ == "__main__":
    main()
