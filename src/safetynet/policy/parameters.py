"""The law's numbers: a validated tree of dated, sourced, regional YAML parameters.

Layout of ``policy/parameters/``: every ``*.yaml`` file except ``references.yaml`` holds a mapping
of parameter names to definitions; a parameter's full name is the file's path with dots plus its
key (``pension/employee.yaml`` key ``employer_rate`` -> ``pension.employee.employer_rate``).

A definition::

    employer_rate:
      description: Employer contribution rate to the pooled fund.
      unit: ratio
      values:
        national:                    # or a 6-digit GB/T 2260 code
          - from: 2019-05-01
            value: 0.16              # a number, a table {key: number}, or null (unknown)
            source: GB2019-13        # a key of references.yaml
            article: "二"
            confidence: A            # A official, B corroborated, C uncertain
            note: optional remark

A definition may also say how the law is kept current (REFERENCE §1.1, note on the new year's
figures)::

    base_floor:
      ...
      carry_forward: "07-01"   # a new value is due every year from 1 July; until it is recorded
                               # (or while it is null) the previous value applies provisionally
    unemployment_employer_rate:
      ...
      carry_forward: true      # a null value is bridged by the previous one, provisionally

Without ``carry_forward`` a null value makes the lookup fail (or give NaN when not strict).

Lookups are vectorised over arrays of dates and region codes: the work per call is a loop over
the distinct fallback chains (a handful), never over persons. Every lookup reports the rows that
used a provisional value (carried forward, a national grade-C stand-in, or a province's value in
a separately planned city) to the open :mod:`~safetynet.policy.provisional` log, if any.

Building a parameter set from definitions, e.g. the packaged tree plus values recorded
elsewhere (a database overlay):

- :func:`load_parameters` / :func:`default_parameters`: the packaged tree;
- :meth:`ParameterSet.from_definitions` builds a set from ``{name: ParameterDefinition}``;
- :meth:`Parameter.definition` gives a parameter's definition back (for export or editing);
- :meth:`ParameterSet.with_values` adds dated values (``{name: {region: [entries]}}`` in the
  file format) to a copy, keeping every other value: an added entry replaces only an entry of
  the same parameter, region and effective date;
- :meth:`ParameterSet.with_overrides` replaces a region's values from a date on (scenarios).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from safetynet.policy.errors import ParameterFileError, ParameterLookupError
from safetynet.policy.provisional import (
    CARRIED_FORWARD,
    SEPARATELY_PLANNED,
    STAND_IN,
    ProvisionalRecord,
    ProvisionalUse,
    active_log,
)
from safetynet.policy.regions import (
    NATIONAL,
    in_separately_planned_city,
    is_known_region,
    known_regions,
    parent_chain,
    separately_planned_cities,
)
from safetynet.policy.trace import NO_TRACE, ParameterUse, Trace

FloatArray = npt.NDArray[np.float64]
Confidence = Literal["A", "B", "C"]
Unit = Literal[
    "ratio",
    "yuan",
    "yuan/month",
    "yuan/year",
    "months",
    "years",
    "count",
    "months of wage",
    "times",
]
TableValue = dict[str, float]

try:  # the C loader is several times faster; fall back where libyaml is absent
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader


class Reference(BaseModel):
    """A legal or documentary source, cited by key from parameter values."""

    model_config = ConfigDict(extra="forbid")
    title: str
    number: str | None = None
    url: str | None = None
    note: str | None = None

    def citation(self) -> str:
        return f"{self.title} ({self.number})" if self.number else self.title


class ValueEntry(BaseModel):
    """One value of a parameter, in force from a date until the next entry."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    effective: dt.date = Field(alias="from")
    value: float | TableValue | None
    source: str
    article: str | None = None
    confidence: Confidence
    note: str | None = None

    @field_validator("value", mode="before")
    @classmethod
    def _table_keys_as_text(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): v for k, v in value.items()}
        return value


_MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


class ParameterDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str = Field(min_length=3)
    unit: Unit
    carry_forward: bool | str = False
    values: dict[str, list[ValueEntry]]

    @field_validator("carry_forward")
    @classmethod
    def _renewal_day(cls, value: bool | str) -> bool | str:
        if isinstance(value, str) and not _MONTH_DAY.match(value):
            raise ValueError(f"expected true, false or a day of the year as MM-DD, got {value!r}")
        return value

    @field_validator("values", mode="before")
    @classmethod
    def _region_keys_as_text(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): v for k, v in value.items()}
        return value


@dataclass(frozen=True)
class Series:
    """The dated values of one parameter in one region, ready for ``searchsorted``."""

    region: int
    dates: npt.NDArray[np.datetime64]
    numbers: FloatArray  # NaN where the value is a table or unknown
    entries: tuple[ValueEntry, ...]
    last_known: npt.NDArray[np.int64]  # per entry: the last entry at or before it with a value
    flags: npt.NDArray[np.uint8]  # per entry: _HAS_VALUE, _GRADE_C
    due: npt.NDArray[np.datetime64]  # per entry: when the next yearly value is due (or NaT)

    @classmethod
    def of(cls, region: int, entries: list[ValueEntry], renewal: str | None = None) -> Series:
        ordered = tuple(sorted(entries, key=lambda e: e.effective))
        known = np.array([e.value is not None for e in ordered], dtype=bool)
        index = np.where(known, np.arange(len(ordered)), -1)
        dates = np.array([e.effective for e in ordered], dtype="datetime64[D]")
        grade_c = np.array([e.confidence == "C" for e in ordered], dtype=bool)
        return cls(
            region=region,
            dates=dates,
            numbers=np.array(
                [e.value if isinstance(e.value, float | int) else np.nan for e in ordered],
                dtype=np.float64,
            ),
            entries=ordered,
            last_known=np.maximum.accumulate(index) if len(index) else index,
            flags=(known * _HAS_VALUE + (known & grade_c) * _GRADE_C).astype(np.uint8),
            due=(
                _next_renewal(dates, renewal)
                if renewal
                else np.full(len(ordered), np.datetime64("NaT", "D"))
            ),
        )


def _region_name(region: int) -> str:
    return "national" if region == NATIONAL else f"{region:06d}"


def _region_key(key: str) -> int:
    if key == "national":
        return NATIONAL
    if len(key) == 6 and key.isdigit() and key != "000000":
        return int(key)
    raise ValueError(f"region must be 'national' or a 6-digit GB/T 2260 code, got {key!r}")


_CODE_SPACE = 1_000_000  # six-digit region codes index a presence table directly


class Parameter:
    """A parameter with its values by region and date; lookups are vectorised."""

    def __init__(
        self,
        name: str,
        definition: ParameterDefinition,
        references: Mapping[str, Reference],
        file: str,
    ) -> None:
        self.name = name
        self.description = definition.description
        self.unit = definition.unit
        self.carry_forward = definition.carry_forward
        self.file = file
        self.references = references
        renewal = self.carry_forward if isinstance(self.carry_forward, str) else None
        self.series: dict[int, Series] = {
            _region_key(key): Series.of(_region_key(key), entries, renewal)
            for key, entries in definition.values.items()
        }

    def definition(self) -> ParameterDefinition:
        """This parameter's definition in the file format (for export or for adding values)."""
        return ParameterDefinition(
            description=self.description,
            unit=self.unit,
            carry_forward=self.carry_forward,
            values={_region_name(r): list(s.entries) for r, s in sorted(self.series.items())},
        )

    @property
    def is_table(self) -> bool:
        return any(isinstance(e.value, dict) for s in self.series.values() for e in s.entries)

    def chain(self, code: int) -> list[Series]:
        """The series that may apply in ``code``: its own first, then its ancestors'."""
        return [self.series[c] for c in parent_chain(int(code)) if c in self.series]

    def entry(self, when: dt.date | np.datetime64, region: int) -> tuple[ValueEntry, Series]:
        """The entry in force at one date in one region: the region's own value, else (also
        before the region's first value) its nearest ancestor's; a null value is bridged by
        the previous one where the parameter carries values forward."""
        day = np.asarray(when, dtype="datetime64[D]").reshape(1)
        chain = self.chain(region)
        if not chain:
            raise ParameterLookupError(
                self.name, f"no value for region {int(region):06d} nor a national one"
            )
        which, asked, series_list = self._positions(day, np.array([int(region)], np.int64))
        if which[0] < 0:
            first = min(s.entries[0].effective for s in chain)
            raise ParameterLookupError(self.name, f"no value before {first} (asked for {day[0]})")
        series = series_list[int(which[0])]
        in_force = int(asked[0])
        used = int(series.last_known[in_force]) if self.carry_forward else in_force
        if used < 0 or series.entries[used].value is None:
            entry = series.entries[in_force]
            raise ParameterLookupError(
                self.name,
                f"value unknown from {entry.effective} (asked for {day[0]}; "
                f"{entry.note or 'unset'})"
                + ("; no earlier value to carry forward" if self.carry_forward else ""),
            )
        return series.entries[used], series

    def use(
        self,
        entry: ValueEntry,
        series: Series,
        value: Any = None,
        provisional: str | None = None,
    ) -> ParameterUse:
        """Describe one value for an explanation."""
        reference = self.references.get(entry.source)
        return ParameterUse(
            name=self.name,
            value=entry.value if value is None else value,
            unit=self.unit,
            effective_from=entry.effective.isoformat(),
            region=_region_name(series.region),
            source=entry.source,
            reference=reference.citation() if reference else entry.source,
            article=entry.article,
            url=reference.url if reference else None,
            confidence=entry.confidence,
            note=entry.note,
            provisional=provisional,
        )

    def _chain_of_rows(
        self, codes: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64] | None, list[tuple[int, ...]]]:
        """Group rows by their region's fallback chain (a handful of distinct chains): the
        chain index of every row (None when all rows share one) and the chains."""
        direct = codes.size >= _COMPACT_ROWS and codes.min() >= 0 and codes.max() < _CODE_SPACE
        if direct:
            present = np.zeros(_CODE_SPACE, dtype=bool)
            present[codes] = True
            unique_codes = np.flatnonzero(present)
        else:
            unique_codes = np.unique(codes)
        chains: dict[tuple[int, ...], int] = {}
        chain_of_code = np.empty(len(unique_codes), dtype=np.int64)
        for i, code in enumerate(unique_codes):
            key = tuple(s.region for s in self.chain(int(code)))
            chain_of_code[i] = chains.setdefault(key, len(chains))
        if len(chains) <= 1:
            return None, list(chains)
        if direct:
            table = np.zeros(_CODE_SPACE, dtype=np.int64)
            table[unique_codes] = chain_of_code
            return table[codes], list(chains)
        return chain_of_code[np.searchsorted(unique_codes, codes)], list(chains)

    def _positions(
        self, days: npt.NDArray[np.datetime64], codes: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], list[Series]]:
        """For each row, which series (index into the returned list) and which entry apply;
        -1 where none does. ``days`` has one element per row or a single one for all rows.
        The work is one vectorised pass per distinct fallback chain, never per person."""
        n = len(codes)
        single_day = days.size == 1 and n != 1
        series_list: list[Series] = []
        which = np.full(n, -1, dtype=np.int64)
        pos = np.full(n, -1, dtype=np.int64)
        rows_chain, chains = self._chain_of_rows(codes)
        for index, key in enumerate(chains):
            rows: npt.NDArray[np.int64] | None = (
                None if rows_chain is None else np.flatnonzero(rows_chain == index)
            )
            for region in key:
                if rows is not None and rows.size == 0:
                    break
                series = self.series[region]
                if single_day:
                    found_one = int(np.searchsorted(series.dates, days[0], side="right")) - 1
                    if found_one < 0:
                        continue
                    series_list.append(series)
                    target = slice(None) if rows is None else rows
                    which[target] = len(series_list) - 1
                    pos[target] = found_one
                    break
                row_days = days if rows is None else days[rows]
                found = np.searchsorted(series.dates, row_days, side="right") - 1
                hit = found >= 0
                if hit.any():
                    series_list.append(series)
                    hit_rows = np.flatnonzero(hit) if rows is None else rows[hit]
                    which[hit_rows] = len(series_list) - 1
                    pos[hit_rows] = found[hit]
                rows = np.flatnonzero(~hit) if rows is None else rows[~hit]
        return which, pos, series_list

    def _resolve(
        self,
        dates: npt.ArrayLike,
        regions: npt.ArrayLike,
        other_shape: tuple[int, ...] = (),
        *,
        compact: bool = False,
    ) -> _Resolved:
        """Which entry each (date, region) row uses, carrying values forward where allowed.
        With ``compact``, a lookup of many rows at one date is resolved once per distinct
        region and each row only points at its region's result (see :class:`_Resolved`)."""
        shape, flat_days, flat_codes = _flatten(dates, regions, other_shape)
        rows_of = None
        if compact and flat_days.size == 1 and len(flat_codes) >= _COMPACT_ROWS:
            distinct = _distinct_codes(flat_codes)
            if distinct is not None:
                flat_codes, rows_of = distinct
        which, asked, series_list = self._positions(flat_days, flat_codes)
        offsets = np.cumsum([0, *[len(s.entries) for s in series_list]]).astype(np.int64)
        end = int(offsets[-1])  # the "no entry" index, one past the last
        asked_eid = np.where(which >= 0, offsets[np.maximum(which, 0)] + asked, end)
        eid = asked_eid
        if self.carry_forward and series_list:
            last_known = np.concatenate(
                [
                    np.where(s.last_known >= 0, off + s.last_known, end)
                    for s, off in zip(series_list, offsets, strict=False)
                ]
                + [np.array([end])]
            )
            eid = last_known[asked_eid]
        return _Resolved(
            shape, flat_days, flat_codes, series_list, offsets, eid, asked_eid, rows_of
        )

    def origin(
        self, dates: npt.ArrayLike, regions: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Where each row's value comes from: the region of the series (-1: none) and a number
        identifying the source document cited (-1: none), flat."""
        r = self._resolve(dates, regions, compact=True)
        regions_of = [np.full(len(s.entries), s.region, dtype=np.int64) for s in r.series]
        sources = [np.array([_source_number(e.source) for e in s.entries]) for s in r.series]
        return r.take(regions_of, np.int64(-1)), r.take(sources, np.int64(-1))

    def _provisional(
        self, r: _Resolved, asked: npt.NDArray[np.int64] | None = None, explain: bool = False
    ) -> ProvisionalRecord | None:
        """The record of the rows of ``r`` that use a provisional value, for the open log
        (None when no log is open or no row is provisional). Vectorised; the distinct reasons
        are few (one per entry used and kind), found without sorting the rows."""
        if (active_log() is None and not explain) or not r.series:
            return None
        codes = r.codes if asked is None else np.broadcast_to(asked, r.codes.shape)
        # the kinds are found on the resolved rows (one per distinct region when compacted)
        # which kinds can occur at all, from the few series involved (most lookups: none)
        bridged = bool(self.carry_forward) and any(
            not (s.flags & _HAS_VALUE).all() for s in r.series
        )
        stale = isinstance(self.carry_forward, str)
        stand_in = [(s.region == NATIONAL) & ((s.flags & _GRADE_C) != 0) for s in r.series]
        planned_entry = [
            (s.region in _planned_provinces()) & ((s.flags & _HAS_VALUE) != 0) for s in r.series
        ]
        any_stand_in = any(e.any() for e in stand_in)
        any_planned = any(e.any() for e in planned_entry)
        if not (bridged or stale or any_stand_in or any_planned):
            return None
        kinds = np.zeros(r.eid.shape, dtype=np.uint8)
        if bridged:
            carried = (r.eid != r.asked_eid) & (r.eid < r.offsets[-1])
            kinds |= carried.view(np.uint8) * np.uint8(_NULL_BRIDGED)
        if stale:
            due = r.gather([s.due for s in r.series], np.datetime64("NaT", "D"))
            kinds |= (r.days >= due).view(np.uint8) * np.uint8(_NOT_RENEWED)
        if any_stand_in:
            national_c = r.gather(stand_in, np.False_) & (codes != NATIONAL)
            kinds |= national_c.view(np.uint8) * np.uint8(_STAND_IN)
        if any_planned:
            planned = r.gather(planned_entry, np.False_) & in_separately_planned_city(codes)
            kinds |= planned.view(np.uint8) * np.uint8(_PLANNED)
        if not kinds.any():
            return None
        slots = int(r.offsets[-1]) + 1
        asked_eid = r.asked_eid if bridged else r.eid
        key = np.where(kinds != 0, (r.eid * slots + asked_eid) * 16 + kinds, -1)
        distinct, use_of_row = _distinct(key, slots * slots * 16)
        uses = tuple(self._reason(int(k), slots, r) for k in distinct)
        return ProvisionalRecord(r.per_row(use_of_row), uses)

    def _reason(self, key: int, slots: int, r: _Resolved) -> ProvisionalUse:
        """Decode a row key of :meth:`_provisional` into the value used and why."""
        key, kinds = divmod(key, 16)
        eid, asked = divmod(key, slots)
        which = int(np.searchsorted(r.offsets, eid, side="right")) - 1
        series = r.series[which]
        pos = eid - int(r.offsets[which])
        used = series.entries[pos]
        reasons: list[str] = []
        labels: list[str] = []
        if kinds & (_NULL_BRIDGED | _NOT_RENEWED):
            labels.append(CARRIED_FORWARD)
        if kinds & _NULL_BRIDGED:
            unknown = series.entries[asked - int(r.offsets[which])]
            reasons.append(
                f"carried forward from {used.effective} until the value from "
                f"{unknown.effective} is approved" + (f" ({unknown.note})" if unknown.note else "")
            )
        elif kinds & _NOT_RENEWED:
            reasons.append(
                f"carried forward from {used.effective} until the value from "
                f"{series.due[pos]} is approved (none recorded yet)"
            )
        if kinds & _STAND_IN:
            labels.append(STAND_IN)
            reasons.append("national stand-in, grade C" + (f": {used.note}" if used.note else ""))
        if kinds & _PLANNED:
            labels.append(SEPARATELY_PLANNED)
            province = known_regions().get(series.region)
            name = f"{province.name} " if province else ""
            reasons.append(
                f"the province's value ({name}{series.region:06d}) stands in: a separately "
                "planned city (计划单列市) publishes its own"
            )
        return ProvisionalUse(
            parameter=self.name,
            region=_region_name(series.region),
            effective_from=used.effective.isoformat(),
            value=used.value,
            kinds=tuple(labels),
            reason="; ".join(reasons),
        )

    def _report(
        self, r: _Resolved, asked: npt.NDArray[np.int64] | None = None, explain: bool = False
    ) -> ProvisionalRecord | None:
        """Record the provisional rows in the open log; computed also for an explanation."""
        record = self._provisional(r, asked, explain)
        log = active_log()
        if record is not None and log is not None:
            log.add(record)
        return record

    def _explain(
        self, trace: Trace, r: _Resolved, record: ProvisionalRecord | None, value: Any = None
    ) -> None:
        """Note the first row's value (and why it is provisional, if it is) for the trace."""
        if r.which[0] < 0:
            return
        series = r.series[int(r.which[0])]
        reason = None
        if record is not None and record.use_of_row[0] >= 0:
            reason = record.uses[int(record.use_of_row[0])].reason
        entry = series.entries[int(r.pos[0])]
        trace.parameter(self.use(entry, series, value=value, provisional=reason))

    def at(
        self,
        dates: npt.ArrayLike,
        regions: npt.ArrayLike,
        *,
        trace: Trace = NO_TRACE,
        strict: bool = True,
        on_behalf_of: npt.ArrayLike | None = None,
    ) -> FloatArray:
        """Values in force at each (date, region); NaN where none when ``strict`` is False.
        ``on_behalf_of``: the rows' own regions when the lookup is made at a wider region for
        them (a national value then counts as a stand-in for them)."""
        asked = None if on_behalf_of is None else np.asarray(on_behalf_of, np.int64).reshape(-1)
        # an explanation cites the first row's entry, a lookup on behalf of others checks
        # every row's own region: both need the rows as they are
        r = self._resolve(dates, regions, compact=asked is None and not trace.enabled)
        out = r.take([s.numbers for s in r.series], np.float64(np.nan))
        if strict and np.isnan(out).any():
            bad = int(np.flatnonzero(np.isnan(out))[0])
            self.entry(_day(r.days, bad), r.code_of(bad))  # raises with the reason
            raise ParameterLookupError(self.name, "is a table; use table()")
        record = self._report(r, asked, trace.enabled)
        if trace.enabled and out.size and not np.isnan(out[0]):
            self._explain(trace, r, record)
        return np.asarray(out, dtype=np.float64).reshape(r.shape)

    def table_at(
        self,
        dates: npt.ArrayLike,
        regions: npt.ArrayLike,
        keys: npt.ArrayLike,
        *,
        trace: Trace = NO_TRACE,
        strict: bool = True,
    ) -> FloatArray:
        """Vectorised lookup in a table-valued parameter: the value for ``keys[i]`` in the
        table in force at (``dates[i]``, ``regions[i]``). NaN where absent unless strict."""
        key_array = np.asarray(keys)
        r = self._resolve(dates, regions, key_array.shape, compact=not trace.enabled)
        numeric_keys = key_array.dtype.kind in "iu"
        flat_keys = np.broadcast_to(key_array, r.shape).reshape(-1)
        out = np.full(len(flat_keys), np.nan, dtype=np.float64)
        tables = np.unique(r.eid)  # the tables in force (one, for most lookups)
        entry_of_row = r.per_row(r.eid) if len(tables) > 1 else None
        for eid in tables:
            if eid >= r.offsets[-1]:  # no table in force
                continue
            which = int(np.searchsorted(r.offsets, eid, side="right")) - 1
            table = r.series[which].entries[int(eid - r.offsets[which])].value
            if not isinstance(table, dict):
                continue
            rows = slice(None) if entry_of_row is None else np.flatnonzero(entry_of_row == eid)
            wanted = flat_keys[rows]
            if numeric_keys:
                names, values = _table_arrays(table)
                idx = np.clip(np.searchsorted(names, wanted), 0, len(names) - 1)
                out[rows] = np.where(names[idx] == wanted, values[idx], np.nan)
            else:  # text keys (categories, tiers): one comparison per table entry
                found = np.full(len(wanted), np.nan)
                for name, value in table.items():
                    found[wanted == name] = value
                out[rows] = found
        if strict and np.isnan(out).any():
            bad = int(np.flatnonzero(np.isnan(out))[0])
            self.table(_day(r.days, bad), r.code_of(bad))  # raises if no table applies
            raise ParameterLookupError(
                self.name, f"no entry for {flat_keys[bad]!r} in the table in force"
            )
        record = self._report(r, explain=trace.enabled)
        if trace.enabled and out.size and not np.isnan(out[0]):
            self._explain(trace, r, record, value={str(flat_keys[0]): float(out[0])})
        return out.reshape(r.shape)

    def effective_at(
        self, dates: npt.ArrayLike, regions: npt.ArrayLike
    ) -> npt.NDArray[np.datetime64]:
        """The date from which the value used at each (date, region) applies (for a value
        carried forward, the date of the value carried)."""
        r = self._resolve(dates, regions, compact=True)
        out = r.take([s.dates for s in r.series], np.datetime64("NaT", "D"))
        return np.asarray(out, dtype="datetime64[D]").reshape(r.shape)

    def table(
        self, when: dt.date | np.datetime64, region: int, *, trace: Trace = NO_TRACE
    ) -> TableValue:
        """A table-valued parameter (e.g. the divisor by age) in force at one date and region."""
        entry, _ = self.entry(when, region)
        if not isinstance(entry.value, dict):
            raise ParameterLookupError(self.name, "is not a table")
        r = self._resolve(np.asarray(when, dtype="datetime64[D]"), np.array([int(region)]))
        record = self._report(r, explain=trace.enabled)
        if trace.enabled:
            self._explain(trace, r, record)
        return entry.value


@lru_cache(maxsize=1)
def _planned_provinces() -> frozenset[int]:
    """Provinces with a separately planned city (whose values such a city only borrows)."""
    return frozenset(int(c - c % 10000) for c in separately_planned_cities())


_HAS_VALUE = 1  # entry flags
_GRADE_C = 2
_NULL_BRIDGED = 1  # the value in force is null: the previous one is carried forward
_NOT_RENEWED = 2  # the yearly value for the period is not recorded: the last one carries on
_STAND_IN = 4  # a national value graded C stands in for the region's own
_PLANNED = 8  # a separately planned city takes its province's value


@dataclass(frozen=True)
class _Resolved:
    """The entry each row of a lookup uses, as an index into the entries of ``series`` laid
    end to end (``offsets``): ``eid`` the entry used (after carrying forward), ``asked_eid``
    the entry in force at the date; ``offsets[-1]`` where there is none.

    The resolved rows are the lookup's rows, or, for a compacted lookup (many rows at one
    date), its distinct regions: ``codes``, ``eid`` and ``asked_eid`` are then per distinct
    region and ``rows_of`` gives each row's index among them."""

    shape: tuple[int, ...]
    days: npt.NDArray[np.datetime64]
    codes: npt.NDArray[np.int64]
    series: list[Series]
    offsets: npt.NDArray[np.int64]
    eid: npt.NDArray[np.int64]
    asked_eid: npt.NDArray[np.int64]
    rows_of: npt.NDArray[np.intp] | None = None

    def gather(self, arrays: list[np.ndarray], missing: Any) -> Any:
        """Per resolved row, the element of the entry used (``missing`` where none)."""
        if not arrays:
            return np.full(len(self.eid), missing)
        flat = np.concatenate([*arrays, np.array([missing], dtype=arrays[0].dtype)])
        return flat[self.eid]

    def take(self, arrays: list[np.ndarray], missing: Any) -> Any:
        """Per row of the lookup, the element of the entry used (``missing`` where none)."""
        return self.per_row(self.gather(arrays, missing))

    def per_row(self, values: Any) -> Any:
        """Values of the resolved rows spread to the rows of the lookup: one gather."""
        return values if self.rows_of is None else values[self.rows_of]

    def code_of(self, row: int) -> int:
        """The region code a row of the lookup asked for."""
        return int(self.codes[row if self.rows_of is None else self.rows_of[row]])

    @cached_property
    def which(self) -> npt.NDArray[np.int64]:
        """The series of each resolved row's entry (-1: none)."""
        found = np.searchsorted(self.offsets, self.eid, side="right") - 1
        return np.where(self.eid < self.offsets[-1], found, -1)

    @cached_property
    def pos(self) -> npt.NDArray[np.int64]:
        """The position of each resolved row's entry in its series (-1: none)."""
        return np.where(self.which >= 0, self.eid - self.offsets[np.maximum(self.which, 0)], -1)


def _period_start(days: npt.NDArray[np.datetime64], month_day: str) -> npt.NDArray[np.datetime64]:
    """The start of the yearly period (renewed every year on ``MM-DD``) containing each day."""
    month, day = int(month_day[:2]), int(month_day[3:])
    years = days.astype("datetime64[Y]")
    start = (years.astype("datetime64[M]") + (month - 1)).astype("datetime64[D]") + (day - 1)
    earlier = ((years - 1).astype("datetime64[M]") + (month - 1)).astype("datetime64[D]") + (
        day - 1
    )
    return np.where(start <= days, start, earlier)


_SOURCE_NUMBERS: dict[str, int] = {}


def _source_number(source: str) -> int:
    """A small integer per source key, to compare sources of many rows at once."""
    return _SOURCE_NUMBERS.setdefault(source, len(_SOURCE_NUMBERS))


def _next_renewal(dates: npt.NDArray[np.datetime64], month_day: str) -> npt.NDArray[np.datetime64]:
    """The start of the yearly period after the one containing each date (when a value that
    took effect on the date is due to be renewed)."""
    years = _period_start(dates, month_day).astype("datetime64[Y]") + 1
    month, day = int(month_day[:2]), int(month_day[3:])
    return (years.astype("datetime64[M]") + (month - 1)).astype("datetime64[D]") + (day - 1)


_DIRECT_KEYS = 1 << 22


def _distinct(
    keys: npt.NDArray[np.int64], span: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The distinct non-negative keys, and each row's index among them (-1 for keys < 0):
    by a presence table when the key space is small (no sort), else by ``np.unique``."""
    flagged = keys >= 0
    if span <= _DIRECT_KEYS:
        present = np.zeros(span, dtype=bool)
        present[keys[flagged]] = True
        distinct = np.flatnonzero(present)
        rank = np.cumsum(present) - 1
        return distinct, np.where(flagged, rank[np.maximum(keys, 0)], -1)
    distinct, inverse = np.unique(keys[flagged], return_inverse=True)
    out = np.full(keys.shape, -1, dtype=np.int64)
    out[flagged] = inverse
    return distinct, out


_COMPACT_ROWS = 4096
"""From this many rows at one date, a lookup is resolved once per distinct region."""


def _distinct_codes(
    codes: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.intp]] | None:
    """The distinct region codes and each row's index among them, by a presence table over
    the six-digit code space (no sort); None for codes outside it (left to the plain path)."""
    if codes.min() < 0 or codes.max() >= _CODE_SPACE:
        return None
    present = np.zeros(_CODE_SPACE, dtype=bool)
    present[codes] = True
    distinct = np.flatnonzero(present)
    index = np.empty(_CODE_SPACE, dtype=np.intp)  # only the distinct codes' slots are read
    index[distinct] = np.arange(len(distinct))
    return distinct, index[codes]


def _one_date(day: npt.NDArray[np.datetime64]) -> bool:
    """Whether an array of many dates holds one date only: broadcast from one (no pass at
    all), or a large array whose least and greatest dates agree (two passes, far cheaper than
    resolving every row on its own)."""
    if day.size <= 1:
        return False
    if not any(day.strides):
        return True
    if day.size < _COMPACT_ROWS:
        return False
    days = day.view(np.int64)
    first = days.flat[0]
    return bool(first != np.iinfo(np.int64).min and days.min() == first == days.max())


def _flatten(
    dates: npt.ArrayLike, regions: npt.ArrayLike, other_shape: tuple[int, ...] = ()
) -> tuple[tuple[int, ...], npt.NDArray[np.datetime64], npt.NDArray[np.int64]]:
    """The broadcast shape, the dates flat (a single date stays a single element rather than
    being copied to every row) and the region codes flat."""
    day = np.asarray(dates, dtype="datetime64[D]")
    codes = np.asarray(regions, dtype=np.int64)
    shape = np.broadcast_shapes(day.shape, codes.shape, other_shape)
    if _one_date(day):
        return shape, day.reshape(-1)[:1], np.broadcast_to(codes, shape).reshape(-1)
    flat_codes = np.broadcast_to(codes, shape).reshape(-1)
    flat_days = day.reshape(-1) if day.size == 1 else np.broadcast_to(day, shape).reshape(-1)
    return shape, flat_days, flat_codes


def _table_arrays(table: TableValue) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """A table's integer keys, sorted, and their values (keys that are not integers are left
    out: integer lookups cannot match them)."""
    pairs = sorted((int(k), v) for k, v in table.items() if k.lstrip("-").isdigit())
    names = np.array([k for k, _ in pairs], dtype=np.int64)
    values = np.array([v for _, v in pairs], dtype=np.float64)
    return names, values


def _day(days: npt.NDArray[np.datetime64], row: int) -> np.datetime64:
    return np.datetime64(days[0] if days.size == 1 else days[row], "D")


class ParameterSet:
    """All parameters of the law, by full dotted name."""

    def __init__(self, parameters: dict[str, Parameter], references: dict[str, Reference]) -> None:
        self.parameters = parameters
        self.references = references

    @classmethod
    def from_definitions(
        cls,
        definitions: Mapping[str, ParameterDefinition],
        references: Mapping[str, Reference],
        files: Mapping[str, str] | None = None,
    ) -> ParameterSet:
        """A set built from ``{full name: definition}`` (checked like the files: known
        regions, sources, one value per date); ``files`` names where each came from."""
        refs = dict(references)
        parameters: dict[str, Parameter] = {}
        for name, definition in definitions.items():
            label = (files or {}).get(name, "<definitions>")
            _check_definition(definition, refs, label, name)
            parameters[name] = Parameter(name, definition, refs, label)
        return cls(parameters, refs)

    def with_values(self, additions: Mapping[str, Mapping[str, Any]]) -> ParameterSet:
        """A copy with dated values added: ``{name: {region: [entries in the file format]}}``.
        Every other value is kept; an added entry replaces only the entry of the same
        parameter, region and effective date (e.g. a null "not yet recorded" becoming the
        approved value). Raises :class:`ParameterFileError` for a bad entry or region."""
        parameters = dict(self.parameters)
        for name, by_region in additions.items():
            base = self[name]
            definition = base.definition()
            values = {key: list(entries) for key, entries in definition.values.items()}
            for key, entries in by_region.items():
                try:
                    added = [ValueEntry.model_validate(e) for e in entries]
                except ValidationError as exc:
                    where, msg = _first_error(exc)
                    where = f"{name}.{key}.{where}"
                    raise ParameterFileError("<added values>", where, msg) from None
                dates = {e.effective for e in added}
                kept = [e for e in values.get(str(key), []) if e.effective not in dates]
                values[str(key)] = sorted(kept + added, key=lambda e: e.effective)
            merged = definition.model_copy(update={"values": values})
            _check_definition(merged, self.references, base.file, name)
            parameters[name] = Parameter(name, merged, self.references, base.file)
        return ParameterSet(parameters, self.references)

    def __getitem__(self, name: str) -> Parameter:
        try:
            return self.parameters[name]
        except KeyError:
            raise ParameterLookupError(name, "no such parameter") from None

    def __contains__(self, name: object) -> bool:
        return name in self.parameters

    def __iter__(self) -> Any:
        return iter(sorted(self.parameters))

    def __len__(self) -> int:
        return len(self.parameters)

    def at(
        self,
        name: str,
        dates: npt.ArrayLike,
        regions: npt.ArrayLike,
        *,
        trace: Trace = NO_TRACE,
        strict: bool = True,
        on_behalf_of: npt.ArrayLike | None = None,
    ) -> FloatArray:
        return self[name].at(dates, regions, trace=trace, strict=strict, on_behalf_of=on_behalf_of)

    def table(
        self,
        name: str,
        when: dt.date | np.datetime64,
        region: int = NATIONAL,
        *,
        trace: Trace = NO_TRACE,
    ) -> TableValue:
        return self[name].table(when, region, trace=trace)

    def with_overrides(self, overrides: Mapping[str, Mapping[str, Any]]) -> ParameterSet:
        """A copy where each named parameter's values, per region, are replaced from the
        earliest override date on (reform scenarios). ``overrides`` maps a parameter name to
        ``{region: [entries...]}`` in the file format."""
        parameters = dict(self.parameters)
        for name, by_region in overrides.items():
            base = self[name]
            values: dict[str, list[dict[str, Any]]] = {}
            for region, series in base.series.items():
                key = "national" if region == NATIONAL else f"{region:06d}"
                values[key] = [e.model_dump(by_alias=True) for e in series.entries]
            for key, entries in by_region.items():
                parsed = [ValueEntry.model_validate(e) for e in entries]
                start = min(e.effective for e in parsed)
                kept = [e for e in values.get(str(key), []) if e["from"] < start]
                values[str(key)] = kept + [e.model_dump(by_alias=True) for e in parsed]
            definition = ParameterDefinition.model_validate(
                {"description": base.description, "unit": base.unit, "values": values}
            )
            parameters[name] = Parameter(name, definition, self.references, "<override>")
        return ParameterSet(parameters, self.references)


def _read_yaml(path: Path, label: str) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=_Loader)
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: an impossible date such as 13-01
        message = " ".join(str(exc).split())
        raise ParameterFileError(label, "(file)", f"not valid YAML: {message}") from None


def _first_error(exc: ValidationError) -> tuple[str, str]:
    error = exc.errors()[0]
    location = ".".join(str(p) for p in error["loc"])
    return location, error["msg"]


def load_parameters(root: Path | None = None) -> ParameterSet:
    """Load and validate every parameter file under ``root`` (default: the bundled tree).

    Raises :class:`ParameterFileError` naming the file, the key and the problem.
    """
    base = (
        Path(str(resources.files("safetynet.policy").joinpath("parameters")))
        if root is None
        else root
    )
    ref_path = base / "references.yaml"
    raw_refs = _read_yaml(ref_path, "references.yaml") or {}
    references: dict[str, Reference] = {}
    for key, body in raw_refs.items():
        try:
            references[str(key)] = Reference.model_validate(body)
        except ValidationError as exc:
            where, msg = _first_error(exc)
            raise ParameterFileError("references.yaml", f"{key}.{where}", msg) from None
    parameters: dict[str, Parameter] = {}
    for path in sorted(base.rglob("*.yaml")):
        if path == ref_path:
            continue
        label = path.relative_to(base).as_posix()
        namespace = ".".join(path.relative_to(base).with_suffix("").parts)
        content = _read_yaml(path, label)
        if not isinstance(content, dict):
            raise ParameterFileError(label, "(file)", "must be a mapping of parameter names")
        for key, body in content.items():
            try:
                definition = ParameterDefinition.model_validate(body)
            except ValidationError as exc:
                where, msg = _first_error(exc)
                raise ParameterFileError(label, f"{key}.{where}", msg) from None
            _check_definition(definition, references, label, str(key))
            parameters[f"{namespace}.{key}"] = Parameter(
                f"{namespace}.{key}", definition, references, label
            )
    return ParameterSet(parameters, references)


def _check_definition(
    definition: ParameterDefinition, references: Mapping[str, Reference], label: str, key: str
) -> None:
    for region_key, entries in definition.values.items():
        where = f"{key}.values.{region_key}"
        try:
            code = _region_key(region_key)
        except ValueError as exc:
            raise ParameterFileError(label, where, str(exc)) from None
        if code != NATIONAL and not bool(is_known_region([code])[0]):
            raise ParameterFileError(label, where, f"unknown GB/T 2260 region {region_key}")
        if not entries:
            raise ParameterFileError(label, where, "no values")
        dates = [e.effective for e in entries]
        if len(set(dates)) != len(dates):
            raise ParameterFileError(label, where, "two values share an effective date")
        for i, entry in enumerate(entries):
            if entry.source not in references:
                raise ParameterFileError(
                    label, f"{where}.{i}.source", f"unknown source {entry.source!r}"
                )


@lru_cache(maxsize=1)
def default_parameters() -> ParameterSet:
    """The bundled law, loaded once per process."""
    return load_parameters()
