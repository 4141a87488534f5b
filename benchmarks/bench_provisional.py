"""Provisional flags benchmark: what flagging carried-forward values and stand-ins costs.

In one run, on N rows (regions Beijing, Shanghai, Guangzhou, Shenzhen, Chengdu; months 2025-08
and 2026-08, so some rows are carried forward, some stand-ins, some final):

- one parameter lookup (``contribution.base_floor``) without a provisional log (nothing is
  flagged) and with one (every row flagged, the reasons decoded): the ratio is the overhead;
- the whole ``contributions`` kernel (about twenty lookups, every one flagged) per row;
- the same rule one case at a time through ``safetynet.calc`` in a Python loop, extrapolated
  from a sample: what a per-row flag would cost.

Run: ``.venv/bin/python -m benchmarks provisional [--rows N]``.
"""

from __future__ import annotations

import argparse

import numpy as np

import safetynet
from benchmarks.bench_rules import best_of
from safetynet.policy.parameters import default_parameters
from safetynet.policy.periods import month_start, parse_month
from safetynet.policy.provisional import capture
from safetynet.policy.rules.contribution import contributions

REGIONS = np.array([110105, 310104, 440106, 440304, 510104])
MONTHS = np.array([parse_month("2025-08"), parse_month("2026-08")])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sample", type=int, default=500)
    args = parser.parse_args()
    rng = np.random.default_rng(3)
    n = args.rows
    regions = rng.choice(REGIONS, n)
    months = rng.choice(MONTHS, n)
    wages = rng.integers(3_000, 60_000, n).astype(np.float64)
    workers = rng.choice(np.array(["employee", "flexible"], dtype=object), n)
    params = default_parameters()
    days = month_start(months)

    def lookup() -> object:
        return params.at("contribution.base_floor", days, regions)

    def flagged_lookup() -> object:
        with capture() as log:
            params.at("contribution.base_floor", days, regions)
        return log.rows(n)

    def kernel() -> object:
        return contributions(
            params, monthly_wage=wages, region=regions, month=months, worker_type=workers
        )

    lookup()
    plain = best_of(lookup, args.repeat)
    flagged = best_of(flagged_lookup, args.repeat)
    whole = best_of(kernel, args.repeat)
    share = float(np.mean(kernel()["provisional"]))

    def one_at_a_time() -> None:
        for i in range(args.sample):
            safetynet.calc(
                "contribution",
                {
                    "monthly_wage": wages[i],
                    "region": f"{regions[i]:06d}",
                    "month": f"{months[i] // 12}-{months[i] % 12 + 1:02d}",
                    "worker_type": workers[i],
                },
            )

    loop = best_of(one_at_a_time, 1) * n / args.sample
    print(f"rows: {n:,} ({share:.0%} provisional)")
    print(f"base_floor lookup, no log:       {plain * 1000:8.1f} ms")
    print(
        f"base_floor lookup, flagged:      {flagged * 1000:8.1f} ms "
        f"(overhead x{flagged / plain:.2f})"
    )
    print(
        f"contributions kernel, flagged:   {whole * 1000:8.1f} ms = {n / whole / 1e6:.2f} M rows/s"
    )
    print(
        f"calc() one case at a time (extrapolated from {args.sample}): {loop:8.1f} s "
        f"(x{loop / whole:.0f} the kernel)"
    )


if __name__ == "__main__":
    main()
