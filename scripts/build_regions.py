"""Build ``src/safetynet/policy/gbt2260_regions.csv`` from python-stdnum's GB/T 2260 data.

python-stdnum's ``stdnum/cn/loc.dat`` (compiled from the Chinese Wikipedia lists of the
administrative division codes, 行政区划代码) gives every code that ever existed: a province line
``PP province="NAME"`` followed by indented ``CCDD county="NAMES"`` lines, where NAMES is a comma
separated list of names each optionally prefixed by its years of validity: ``[1983-]`` (from
1983, still valid), ``[-2010]`` (until 2010), ``[1983-1997]`` (in between); a name without years
is valid from the first edition to now. A code is *current* when one of its names is still valid
(no end year), *historical* otherwise; historical codes stay valid as the address code of an
identity number (GB 11643-1999). The current name is the name still valid (else the last one).

Run from the repository root (the output records python-stdnum's version as provenance):

    /work/main/.venv/bin/python scripts/build_regions.py
"""

from __future__ import annotations

import csv
import re
from importlib import metadata, resources
from pathlib import Path

OUT = Path(__file__).parents[1] / "src" / "safetynet" / "policy" / "gbt2260_regions.csv"
SEPARATELY_PLANNED = {210200, 330200, 350200, 370200, 440300}
"""计划单列市: Dalian, Ningbo, Xiamen, Qingdao, Shenzhen."""

_LINE = re.compile(r'^(\s*)(\d+) (?:province|county)="(.*)"\s*$')
_NAME = re.compile(r"^(?:\[(\d{4})?-(\d{4})?\])?(.*)$")


def _names(text: str) -> list[tuple[int | None, int | None, str]]:
    out = []
    for part in text.split(","):
        match = _NAME.match(part.strip())
        assert match, part
        start, end, name = match.groups()
        out.append((int(start) if start else None, int(end) if end else None, name))
    return out


def parse(text: str) -> dict[int, tuple[str, bool, int | None, int | None]]:
    """code -> (name, current, first year, last year) from loc.dat's text."""
    regions: dict[int, tuple[str, bool, int | None, int | None]] = {}
    province = ""
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise ValueError(f"unexpected line in loc.dat: {line!r}")
        indent, digits, names_text = match.groups()
        if not indent:
            province = digits
            code = int(province + "0000")
        else:
            code = int(province + digits)
        names = _names(names_text)
        open_names = [n for n in names if n[1] is None]
        current = bool(open_names)
        name = (open_names or names)[-1][2]
        starts = [n[0] for n in names]
        first = None if any(s is None for s in starts) else min(s for s in starts if s)
        ends = [n[1] for n in names]
        last = None if current else max(e for e in ends if e)
        if code in regions and not indent:
            continue  # the province line and its "0000" county line name the same code
        regions[code] = (name, current, first, last)
    return regions


def main() -> None:
    text = resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")
    regions = parse(text)
    version = metadata.version("python-stdnum")
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        handle.write(
            f"# GB/T 2260 administrative division codes, built by scripts/build_regions.py from "
            f"python-stdnum {version} stdnum/cn/loc.dat (LGPL-2.1+; compiled from the Chinese "
            f"Wikipedia lists of 行政区划代码). current=1: valid now; 0: historical.\n"
        )
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["code", "name", "current", "from_year", "to_year", "separately_planned"])
        for code in sorted(regions):
            name, current, first, last = regions[code]
            writer.writerow(
                [
                    f"{code:06d}",
                    name,
                    int(current),
                    first or "",
                    last or "",
                    int(code in SEPARATELY_PLANNED),
                ]
            )


if __name__ == "__main__":
    main()
