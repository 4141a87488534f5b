"""Rules-engine benchmark: parameter-tree load time and bulk identity-number validation.

Targets (issue 2): the whole tree loads in < 200 ms; ``id_check`` validates >= 1M IDs/s.
For comparison, in the same run: python-stdnum's per-ID validator (a plain Python loop) on a
sample, and the floor — a numpy pass that only reads the same code points once.
Run: ``.venv/bin/python -m benchmarks rules [--ids N]``.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from collections.abc import Callable

import numpy as np
from stdnum.cn import ric

from safetynet.policy.parameters import load_parameters
from safetynet.policy.rules.identity import check_resident_ids, make_resident_ids


def best_of(func: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ids", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    load_parameters()  # warm the region list and imports; the timed loads parse every file
    loads = [best_of(load_parameters, 1) for _ in range(args.repeat)]
    print(
        f"parameter tree load: best {min(loads) * 1000:.1f} ms, "
        f"median {statistics.median(loads) * 1000:.1f} ms over {args.repeat} loads"
    )

    rng = np.random.default_rng(7)
    n = args.ids
    regions = rng.choice([110105, 310104, 440106, 510107, 650102], n)
    born = np.datetime64("1940-01-01") + rng.integers(0, 30_000, n).astype("timedelta64[D]")
    ids = make_resident_ids(regions, born, rng.integers(0, 1000, n))
    ids[::10] = np.char.add(np.strings.slice(ids[::10], 0, 17), "0")  # ~10 % corrupted

    ours = best_of(lambda: check_resident_ids(ids), args.repeat)
    floor = best_of(
        lambda: np.ascontiguousarray(ids).view(np.uint32).reshape(n, 18).sum(), args.repeat
    )
    sample = ids[:100_000].tolist()

    def stdnum_loop() -> int:
        valid = 0
        for number in sample:
            with contextlib.suppress(KeyError):  # is_valid can raise KeyError on odd input
                valid += ric.is_valid(number)
        return valid

    loop = best_of(stdnum_loop, 1) * n / len(sample)
    print(f"id_check on {n:,} IDs: {ours * 1000:.0f} ms = {n / ours / 1e6:.2f} M IDs/s")
    print(
        f"  read-only floor:            {floor * 1000:.0f} ms  (ours / floor = {ours / floor:.1f}x)"
    )
    print(
        f"  python-stdnum loop (extrap. from 100k): {loop * 1000:.0f} ms "
        f"(stdnum / ours = {loop / ours:.1f}x)"
    )


if __name__ == "__main__":
    main()
