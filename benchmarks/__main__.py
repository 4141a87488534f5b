"""Run one benchmark by name: ``python -m benchmarks rules`` runs ``bench_rules.py``."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).parent


def main() -> None:
    names = sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    if len(sys.argv) < 2 or sys.argv[1] not in names:
        print(f"usage: python -m benchmarks NAME [args...]; NAME in: {', '.join(names)}")
        raise SystemExit(2)
    name = sys.argv[1]
    sys.argv = [str(HERE / f"bench_{name}.py"), *sys.argv[2:]]
    runpy.run_path(sys.argv[0], run_name="__main__")


if __name__ == "__main__":
    main()
