"""Sign-in throughput and timing, against the floor of one Argon2 verification.

    .venv/bin/python -m benchmarks login [--attempts 40] [--threads 2]
        [--database sqlite|postgres|both]

With the production Argon2 parameters (pwdlib's recommended argon2id), in the same run:

- floor: ``hasher.verify`` of the right password, nothing else; beside it the same with
  OWASP's minimum argon2id parameters (19 MiB, 2 passes, 1 lane), for comparison only;
- sign-in: ``auth.authenticate`` end to end (throttle check, user lookup, verification, clearing
  the account's count, the audit row with the chain head locked, commit), one thread and
  ``--threads`` threads each with its own connection;
- HTTP: ``POST /api/v1/auth/token`` through the ASGI app (form parsing, sign-in, the token);
- timing: median latency of a wrong password for a known user, and for an unknown user (the
  dummy hash), and of an attempt refused while locked (no Argon2).

PostgreSQL comes from ``SAFETYNET_BENCH_DATABASE_URL`` or ``SAFETYNET_TEST_DATABASE_URL``
(a private schema, dropped afterwards).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from safetynet.api.app import create_app
from safetynet.domain.access import Principal, Role
from safetynet.domain.errors import TooManyAttempts, Unauthenticated
from safetynet.services import auth, users
from safetynet.services.auth import LockoutPolicy, authenticate
from safetynet.services.uow import UnitOfWork
from safetynet.store.db import make_engine, session_factory, upgrade

PASSWORD = "benchmark login phrase"
ADMIN = Principal("benchmark", Role.ADMIN)
OWASP_MINIMUM = PasswordHash((Argon2Hasher(memory_cost=19456, time_cost=2, parallelism=1),))
NO_LOCKOUT = LockoutPolicy(account_free_failures=10**9, address_free_failures=10**9)


def _timed(calls: int, call: Callable[[int], object]) -> list[float]:
    seconds = []
    for i in range(calls):
        start = time.perf_counter()
        call(i)
        seconds.append(time.perf_counter() - start)
    return seconds


def _refused(call: Callable[[], object]) -> None:
    try:
        call()
    except (Unauthenticated, TooManyAttempts):
        return
    raise AssertionError("expected a refusal")


def _threaded(threads: int, calls: int, call: Callable[[int], object]) -> float:
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(call, range(calls)))
    return time.perf_counter() - start


def run(engine: Engine, label: str, attempts: int, threads: int) -> None:
    upgrade(engine)
    factory = session_factory(engine)
    users.create_user(
        UnitOfWork(factory), ADMIN, username="bench-user", password=PASSWORD, role="auditor"
    )
    stored = users.get_user(UnitOfWork(factory), "bench-user").password_hash
    floor = _timed(attempts, lambda i: auth.hasher.verify(PASSWORD, stored))
    owasp_hash = OWASP_MINIMUM.hash(PASSWORD)
    owasp = _timed(attempts, lambda i: OWASP_MINIMUM.verify(PASSWORD, owasp_hash))

    def sign_in(i: int) -> object:
        return authenticate(UnitOfWork(factory), "bench-user", PASSWORD, f"10.1.{i % 250}.1")

    one = _timed(attempts, sign_in)
    parallel = _threaded(threads, attempts, sign_in)
    known = _timed(
        attempts,
        lambda i: _refused(
            lambda: authenticate(
                UnitOfWork(factory),
                "bench-user",
                "wrong phrase here",
                "10.2.0.1",
                policy=NO_LOCKOUT,
            )
        ),
    )
    unknown = _timed(
        attempts,
        lambda i: _refused(
            lambda: authenticate(
                UnitOfWork(factory),
                f"nobody-{i}",
                "wrong phrase here",
                "10.3.0.1",
                policy=NO_LOCKOUT,
            )
        ),
    )
    for _ in range(5):
        _refused(lambda: authenticate(UnitOfWork(factory), "victim", "x" * 12, "10.4.0.1"))
    locked = _timed(
        attempts,
        lambda i: _refused(lambda: authenticate(UnitOfWork(factory), "victim", "y" * 12, None)),
    )
    os.environ.setdefault("SAFETYNET_JWT_SECRET", uuid.uuid4().hex * 2)
    with TestClient(create_app(engine)) as client:
        form = {"username": "bench-user", "password": PASSWORD}
        http = _timed(attempts, lambda i: client.post("/api/v1/auth/token", data=form))

    def rate(seconds: list[float]) -> str:
        median_ms = statistics.median(seconds) * 1000
        return f"{len(seconds) / sum(seconds):6.1f}/s, median {median_ms:6.1f} ms"

    median = statistics.median
    print(f"\n== {label}: {attempts} attempts each, Argon2 {stored.split('$')[3]}")
    print(f"floor: one Argon2 verify        {rate(floor)}")
    print(f"  (OWASP minimum parameters     {rate(owasp)})")
    print(
        f"authenticate(), 1 thread        {rate(one)}  ({median(one) / median(floor):.2f}x floor)"
    )
    print(f"authenticate(), {threads} threads       {attempts / parallel:6.1f}/s")
    print(f"POST /auth/token, 1 client      {rate(http)}")
    print(f"wrong password, known user      median {median(known) * 1000:6.1f} ms")
    print(
        f"wrong password, unknown user    median {median(unknown) * 1000:6.1f} ms "
        f"(known/unknown {median(known) / median(unknown):.2f}x)"
    )
    print(f"refused while locked (429)      median {median(locked) * 1000:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=40)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    logging.getLogger("safetynet.auth").setLevel(logging.ERROR)  # the locked attempts' lines
    if args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{Path(tmp) / 'login.db'}")
            run(engine, "SQLite", args.attempts, args.threads)
            engine.dispose()
    base = os.environ.get("SAFETYNET_BENCH_DATABASE_URL") or os.environ.get(
        "SAFETYNET_TEST_DATABASE_URL"
    )
    if args.database in ("postgres", "both") and base:
        schema = f"bench_login_{uuid.uuid4().hex[:8]}"
        admin = make_engine(base)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        engine = make_engine(url.render_as_string(hide_password=False), pool_size=args.threads + 2)
        try:
            run(engine, "PostgreSQL", args.attempts, args.threads)
        finally:
            engine.dispose()
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()


if __name__ == "__main__":
    main()
