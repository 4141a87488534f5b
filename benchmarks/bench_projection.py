"""Projection benchmark: one deterministic national projection to 2100, and Monte Carlo paths.

Targets (issue 6): a deterministic projection to 2100 in < 1 s; 1,000 stochastic paths in
< 30 s. Caches (bundled data, mortality fit, parameter tree) are warmed by a first run, as in a
long-lived process; the cold first run is reported too.
Run: ``.venv/bin/python -m benchmarks projection [--paths N] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from safetynet.actuarial.assumptions import load_scenario
from safetynet.actuarial.projection import run_monte_carlo, run_scenario


def timings(func: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--paths", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    start = time.perf_counter()
    baseline = load_scenario("baseline")
    run_scenario(baseline)
    cold = time.perf_counter() - start
    deterministic = timings(lambda: run_scenario(baseline), args.repeat)
    stochastic = timings(lambda: run_monte_carlo(baseline, args.paths), 2)
    print(f"cold first projection (loads data, fits mortality): {cold:.3f} s")
    print(
        f"deterministic projection to 2100: best {min(deterministic):.3f} s, "
        f"median {statistics.median(deterministic):.3f} s of {args.repeat} (target < 1 s)"
    )
    print(
        f"Monte Carlo, {args.paths} paths to 2100: best {min(stochastic):.2f} s of 2 "
        "(target < 30 s)"
    )


if __name__ == "__main__":
    main()
