"""Person search and pages of the web back office under concurrent users, on PostgreSQL.

    .venv/bin/python -m benchmarks web [--persons 1000000] [--users 20] [--seconds 20]

``--reuse`` keeps the schema an earlier run loaded; ``--workers`` sets uvicorn's processes.
Set-up (not timed): a fresh schema, N persons with Chinese names in Beijing's counties and
Sichuan (written with COPY, then ANALYZE), one Beijing operator. The application then runs in
its own process (uvicorn, one worker) on a free loopback port; ``--users`` threads sign in
(each its own session cookie) and, for ``--seconds`` per scenario, repeat:

- search: ``/persons?q=`` by a name prefix (surname and given name), by the last 6 digits of an
  identity number, and by a full identity number, in turn;
- pages: a person's record page, the persons list, and the dashboard, in turn.

Reported: requests, throughput, and latency p50/p95/max per scenario (and per kind), as seen
by the client. PostgreSQL from ``SAFETYNET_BENCH_DATABASE_URL`` or
``SAFETYNET_TEST_DATABASE_URL``.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable

import httpx
import numpy as np
import polars as pl
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from safetynet.domain.access import SYSTEM
from safetynet.policy.rules.identity import make_resident_ids
from safetynet.services import users
from safetynet.services.bulk import db_timestamp, insert_frame
from safetynet.services.uow import UnitOfWork
from safetynet.store.base import utcnow
from safetynet.store.db import make_engine, session_factory, upgrade

SCHEMA = "bench_web"
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
GIVEN = list("伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华")
REGIONS = np.array([110101, 110102, 110105, 110106, 110108, 510104, 510105, 510107])
PASSWORD = "bench-operator-pass"


def _persons(n: int, seed: int = 11) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    regions = REGIONS[rng.integers(0, len(REGIONS), n)]
    births = np.datetime64("1950-01-01") + rng.integers(0, 365 * 55, n).astype("timedelta64[D]")
    sequence = np.arange(n) % 1000
    births = births + (np.arange(n) // 1000 % 7).astype("timedelta64[D]")
    ids = make_resident_ids(regions, births, sequence)
    names = (
        np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n)]
        + np.array(GIVEN)[rng.integers(0, len(GIVEN), n)]
        + np.where(rng.random(n) < 0.6, np.array(GIVEN)[rng.integers(0, len(GIVEN), n)], "")
    )
    frame = pl.DataFrame(
        {
            "id_number": ids.astype(str),
            "name": names,
            "birth_date": births.astype(str),
            "region_code": regions,
        }
    ).unique("id_number", keep="first", maintain_order=True)
    now = db_timestamp(utcnow())
    odd = frame["id_number"].str.slice(16, 1).cast(pl.Int32) % 2 == 1
    return frame.with_columns(
        pl.when(odd).then(pl.lit("male")).otherwise(pl.lit("female")).alias("sex"),
        pl.col("region_code").alias("hukou_region_code"),
        pl.lit("urban").alias("hukou_type"),
        pl.lit(now).alias("created_at"),
        pl.lit(now).alias("updated_at"),
    )


def _database(n: int, reuse: bool) -> tuple[str, pl.DataFrame]:
    base = os.environ.get("SAFETYNET_BENCH_DATABASE_URL") or os.environ.get(
        "SAFETYNET_TEST_DATABASE_URL", ""
    )
    if not base:
        raise SystemExit("set SAFETYNET_BENCH_DATABASE_URL (PostgreSQL)")
    url = make_url(base).update_query_dict({"options": f"-csearch_path={SCHEMA}"})
    rendered = url.render_as_string(hide_password=False)
    people = _persons(n)
    if reuse:
        print(f"reusing schema {SCHEMA} (loaded by an earlier run with --persons {n})")
        return rendered, people
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    admin.dispose()
    engine = make_engine(rendered)
    upgrade(engine)
    started = time.perf_counter()
    with UnitOfWork(session_factory(engine)) as bulk:
        insert_frame(bulk.session, "persons", people)
        bulk.commit()
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE persons"))
    print(f"loaded {people.height:,} persons in {time.perf_counter() - started:.0f} s")
    uow = UnitOfWork(session_factory(engine))
    users.create_user(
        uow, SYSTEM, username="bench-bj", password=PASSWORD, role="operator", region="110000"
    )
    engine.dispose()
    return rendered, people


def _serve(url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "SAFETYNET_DATABASE_URL": url}
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "safetynet.api.app:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--workers",
        str(workers),
    ]
    server = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(base + "/health/live", timeout=1)
            return server, base
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("server did not start")


def _client(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    signed = client.post(
        "/login",
        data={"username": "bench-bj", "password": PASSWORD, "csrf_token": token.group(1)},
    )
    assert signed.status_code == 303, signed.status_code
    return client


def _run(
    clients: list[httpx.Client], seconds: float, next_path: Callable[[int, int], tuple[str, str]]
) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = defaultdict(list)
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def user(index: int, client: httpx.Client) -> None:
        step = 0
        while time.perf_counter() < deadline:
            kind, path = next_path(index, step)
            start = time.perf_counter()
            response = client.get(path)
            elapsed = time.perf_counter() - start
            assert response.status_code == 200, (path, response.status_code)
            with lock:
                timings[kind].append(elapsed)
            step += 1

    threads = [threading.Thread(target=user, args=(i, c)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings


def _report(title: str, timings: dict[str, list[float]], seconds: float) -> None:
    every = [t for values in timings.values() for t in values]
    print(f"\n{title}: {len(every)} requests, {len(every) / seconds:.0f}/s")
    for kind, values in [("all", every), *sorted(timings.items())]:
        ms = np.array(values) * 1000
        print(
            f"  {kind:<14} n={len(ms):>6}  p50 {np.percentile(ms, 50):7.1f} ms  "
            f"p95 {np.percentile(ms, 95):7.1f} ms  max {ms.max():7.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--reuse", action="store_true", help="keep the loaded schema")
    args = parser.parse_args()
    url, people = _database(args.persons, args.reuse)
    beijing = people.filter(pl.col("region_code") < 200000)
    sample = beijing.sample(min(5000, beijing.height), seed=5)
    numbers = sample["id_number"].to_list()
    names = sample["name"].to_list()
    server, base = _serve(url, args.workers)
    try:
        clients = [_client(base) for _ in range(args.users)]

        def search(user: int, step: int) -> tuple[str, str]:
            pick = (user * 7919 + step * 104729) % len(numbers)
            kind = step % 3
            if kind == 0:
                return "name prefix", f"/persons?q={names[pick]}"
            if kind == 1:
                return "last 6 digits", f"/persons?q={numbers[pick][-6:]}"
            return "full ID", f"/persons?q={numbers[pick]}"

        beijing_ids = _beijing_ids(url)

        def pages(user: int, step: int) -> tuple[str, str]:
            kind = step % 3
            if kind == 0:
                pick = beijing_ids[(user * 7919 + step * 104729) % len(beijing_ids)]
                return "person page", f"/persons/{pick}"
            if kind == 1:
                return "persons list", "/persons"
            return "dashboard", "/dashboard"

        _run(clients[:2], 2, search)  # warm-up
        _report(f"search, {args.users} users", _run(clients, args.seconds, search), args.seconds)
        _report(f"pages, {args.users} users", _run(clients, args.seconds, pages), args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=10)


def _beijing_ids(url: str) -> list[int]:
    engine: Engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id FROM persons WHERE region_code < 200000 ORDER BY random() LIMIT 5000")
        ).scalars()
        ids = [int(i) for i in rows]
    engine.dispose()
    return ids


if __name__ == "__main__":
    main()
