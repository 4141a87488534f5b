"""Analytics benchmark: the four analyses on a synthetic population with planted irregularities.

For each size, a population is generated once (seed 1, reference month 2025-12, ``--fraud-rate``
0.001 by default) into ``--work``; then each analysis runs in its own process on the local
engine (one process, 1M-row chunks), which reports its wall time and peak RSS (VmHWM, the
process's high-water mark). The risk analysis's precision and recall per kind come from its
``evaluation`` table. For comparison in the same run, the read-only floor: one scan of the
population's columns the analyses read.

Usage::

    python -m benchmarks analytics --sizes 1000000 10000000 [--work /tmp/sn_bench_analytics]

Results are appended to ``benchmarks/out/bench_analytics.jsonl``; run outputs are deleted.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from safetynet.policy.periods import parse_month
from safetynet.synth.writer import write_population

JOBS = ("coverage", "fairness", "pooling", "risk")
OUT = Path(__file__).parent / "out" / "bench_analytics.jsonl"
CHILD = """
import json, sys, time
from pathlib import Path
from safetynet.analytics.cli import ANALYSES
from safetynet.analytics.base import run_analysis
name, population, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
started = time.perf_counter()
if name == "floor":
    import pyarrow.dataset as ds
    from safetynet.batch.local import population_dataset
    from safetynet.analytics.risk import Risk
    columns = sorted(Risk().required_columns() | ANALYSES["coverage"]().required_columns())
    rows = sum(b.num_rows for b in population_dataset(population).to_batches(columns=columns))
    evaluation = None
else:
    outcome = run_analysis(ANALYSES[name](), population, "2025-12", out, progress=False)
    rows = outcome.totals[0].rows_in
    table = outcome.tables.get("evaluation")
    evaluation = table.to_dicts() if table is not None else None
seconds = time.perf_counter() - started
peak = 0
for line in Path("/proc/self/status").read_text().splitlines():
    if line.startswith("VmHWM:"):
        peak = int(line.split()[1]) // 1024
print(json.dumps({"rows": rows, "seconds": round(seconds, 2), "peak_mb": peak,
                  "evaluation": evaluation}))
"""


def population(work: Path, persons: int, fraud_rate: float) -> Path:
    target = work / f"pop_{persons}_{fraud_rate}"
    if not (target / "labels.parquet").is_file():
        shutil.rmtree(target, ignore_errors=True)
        started = time.perf_counter()
        write_population(
            target,
            persons=persons,
            seed=1,
            as_of=parse_month("2025-12"),
            chunk_size=min(persons, 1_000_000),
            fraud_rate=fraud_rate,
            workers=2,
            progress=True,
        )
        print(f"generated {persons:,} persons in {time.perf_counter() - started:.0f} s")
    return target


def run(job: str, pop: Path, work: Path) -> dict[str, Any]:
    out = work / f"out_{job}"
    shutil.rmtree(out, ignore_errors=True)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, job, str(pop), str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    shutil.rmtree(out, ignore_errors=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--fraud-rate", type=float, default=0.001)
    parser.add_argument("--jobs", nargs="+", default=["floor", *JOBS])
    parser.add_argument("--work", type=Path, default=Path("/tmp/sn_bench_analytics"))
    args = parser.parse_args()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    for persons in args.sizes:
        pop = population(args.work, persons, args.fraud_rate)
        for job in args.jobs:
            result = run(job, pop, args.work)
            record = {
                "benchmark": "analytics",
                "date": time.strftime("%Y-%m-%d"),
                "persons": persons,
                "fraud_rate": args.fraud_rate,
                "job": job,
                **result,
            }
            with OUT.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(record) + "\n")
            print(
                f"{persons:>12,} {job:<9} {result['seconds']:>8.1f} s  "
                f"{result['peak_mb']:>6,} MB  {persons / result['seconds'] / 1e6:.2f} M persons/s"
            )
            for row in result["evaluation"] or []:
                print(
                    f"    {row['kind']:<20} planted {row['planted']:>8,} flagged "
                    f"{row['flagged']:>8,} recall {row['recall']:.4f} "
                    f"precision {row['precision']:.4f}"
                )


if __name__ == "__main__":
    main()
