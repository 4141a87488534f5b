"""Many cases of one calculation at once: :func:`calc_many`, the face of the law for bulk callers
(``safetynet.calc_many``, ``POST /api/v1/calc/{name}/batch``).

The cases come as a list of objects (``[{"field": value, ...}, ...]``) or as columns
(``{"field": [value, ...]}``, all of one length). Each input is validated over the whole column
by :func:`~safetynet.policy.catalogue.parse_column`, the same definition the one-case
:func:`~safetynet.policy.catalogue.calc` uses, and the valid cases go through the kernel in one
vectorised call. A case with a bad input is reported by its index and the others are still
computed; with ``strict`` the first bad case raises an :class:`InputError` naming it
(``cases[i].field``).

Two things can split the kernel call: cases that leave out different optional inputs without
a default (the kernel then chooses its own value, so each such pattern is one call), and a
parameter lookup outside the parameters' validity, which fails a whole call: the call is then
halved until the cases that fail are isolated (about log2(n) calls per failing case) and
reported like input errors. Inputs that are lists (a year's claims, a career's provinces)
describe one case each and are not accepted here.

Results keep the order of the cases; each says ``provisional`` and lists
``provisional_parameters`` exactly as the one-case result does. ``explain`` gives the
explanation of each case, for at most :data:`MAX_EXPLAIN` cases.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from safetynet.policy.catalogue import (
    Calculation,
    Field,
    _jsonable,
    _missing,
    _present_column,
    calc,
    get,
    parse_column,
)
from safetynet.policy.errors import InputError, PolicyError
from safetynet.policy.parameters import ParameterSet, default_parameters
from safetynet.policy.provisional import ProvisionalLog, ProvisionalUse, capture
from safetynet.policy.trace import NO_TRACE

MAX_CASES = 100_000
"""Most cases of one call (one HTTP request): 100,000 cases parse, compute and serialise in
about a few seconds and a few hundred MB on this machine."""
MAX_EXPLAIN = 100
"""Most cases that may be explained in one call (an explanation is a page per case)."""

Cases = Sequence[Mapping[str, Any]] | Mapping[str, Sequence[Any]]


@dataclass
class BatchResult:
    """The outcomes of many cases, in their order: the kernel's output columns, the provisional
    flag and values of each case, the errors by index and, when asked, each case's
    explanation."""

    name: str
    size: int
    outputs: dict[str, tuple[Field, np.ndarray]]
    provisional: list[bool]
    provisional_parameters: list[list[dict[str, Any]]]
    errors: dict[int, PolicyError] = field(default_factory=dict)
    explanations: dict[int, list[dict[str, Any]]] | None = None

    def __len__(self) -> int:
        return self.size

    def column(self, name: str, money_as_text: bool = False) -> list[Any]:
        """One output over all cases as the one-case result shows it (money as Decimal, or
        text with two decimals); None at the cases with an error."""
        spec, array = self.outputs[name]
        values = _present_column(spec, array, money_as_text)
        for index in self.errors:
            values[index] = None
        return values

    def values(self, index: int) -> dict[str, Any] | None:
        """One case's values as :func:`~safetynet.policy.catalogue.calc` gives them (None when
        the case has an error; see :attr:`errors`)."""
        if index in self.errors:
            return None
        out = {name: self.column(name)[index] for name in self.outputs}
        out["provisional"] = self.provisional[index]
        out["provisional_parameters"] = self.provisional_parameters[index]
        return out

    def as_json(self, money_as_text: bool = False) -> dict[str, Any]:
        """JSON-ready: ``results`` holds, per case in order, ``{"result": {...}}`` (shaped like
        the one-case result, with ``explanation`` when asked) or ``{"error": {"field",
        "problem"}}``. Money as numbers with two decimals, or with ``money_as_text`` as strings.

        A batch's cases mostly share the same provisional values, so each is written once, in
        ``provisional_values``, and a case's ``provisional_parameters`` lists their indexes
        there (the one-case result lists the values themselves)."""
        names = list(self.outputs)
        columns = [self._json_column(n, money_as_text) for n in names]
        table, indexes = self._provisional_table(money_as_text)
        results: list[dict[str, Any]] = []
        rows = zip(*columns, strict=True) if columns else iter([()] * self.size)
        for index, row in enumerate(rows):
            error = self.errors.get(index)
            if error is not None:
                results.append({"error": _error_json(error)})
                continue
            result = dict(zip(names, row, strict=True))
            result["provisional"] = self.provisional[index]
            result["provisional_parameters"] = indexes[index]
            entry: dict[str, Any] = {"result": result}
            if self.explanations is not None:
                entry["explanation"] = _jsonable(self.explanations.get(index), money_as_text)
            results.append(entry)
        return {
            "calculation": self.name,
            "count": self.size,
            "error_count": len(self.errors),
            "provisional_values": table,
            "results": results,
        }

    def _json_column(self, name: str, money_as_text: bool) -> list[Any]:
        spec, array = self.outputs[name]
        values = self.column(name, money_as_text)
        plain = money_as_text or not spec.kind.startswith("money")
        if plain and (array.dtype.kind != "f" or bool(np.isfinite(array).all())):
            return values
        return [_jsonable(v, money_as_text) for v in values]

    def _provisional_table(self, money_as_text: bool) -> tuple[list[Any], list[list[int]]]:
        """The distinct provisional values of the batch, and each case's indexes into them
        (computed once per distinct list: cases that used the same values share one list)."""
        table: list[Any] = []
        position: dict[str, int] = {}
        done: dict[int, list[int]] = {}
        indexes = []
        for uses in self.provisional_parameters:
            key = id(uses)
            if key not in done:
                done[key] = []
                for use in uses:
                    text = repr(sorted(use.items()))
                    if text not in position:
                        position[text] = len(table)
                        table.append(_jsonable(use, money_as_text))
                    done[key].append(position[text])
            indexes.append(done[key])
        return table, indexes


def _error_json(error: PolicyError) -> dict[str, Any]:
    return {
        "field": getattr(error, "field", None) or "parameters",
        "problem": getattr(error, "problem", str(error)),
    }


def calc_many(
    name: str,
    cases: Cases,
    *,
    explain: bool = False,
    strict: bool = False,
    parameters: ParameterSet | None = None,
) -> BatchResult:
    """Run one named calculation for many cases (a list of input objects, or columns of
    inputs), in one vectorised kernel call; see the module docstring.

    Raises :class:`~safetynet.policy.errors.UnknownCalculation`, and
    :class:`~safetynet.policy.errors.InputError` for the request as a whole (more than
    :data:`MAX_CASES` cases, columns of unequal length, ``explain`` for more than
    :data:`MAX_EXPLAIN` cases, a calculation whose inputs are lists) and, with ``strict``, for
    the first bad case (its field named ``cases[i].field``).
    """
    calculation = get(name)
    _refuse_list_inputs(calculation)
    columns, size, errors = _columns_of(calculation, cases)
    if explain and size > MAX_EXPLAIN:
        raise InputError("explain", f"at most {MAX_EXPLAIN} cases can be explained at once")
    arrays, present = _parse_columns(calculation, columns, size, errors)
    if strict:
        _raise_first(errors)
    params = parameters if parameters is not None else default_parameters()
    outputs, logs = _evaluate(calculation, params, arrays, present, size, errors)
    if strict:
        _raise_first(errors)
    result = BatchResult(
        name=name,
        size=size,
        outputs={
            spec.name: (spec, outputs[spec.name])
            for spec in calculation.outputs
            if spec.name in outputs
        },
        provisional=logs[0].tolist(),
        provisional_parameters=logs[1],
        errors=dict(sorted(errors.items())),
    )
    if explain:
        result.explanations = _explanations(name, columns, size, errors, params)
    return result


def _refuse_list_inputs(calculation: Calculation) -> None:
    for spec in calculation.inputs:
        if spec.kind.endswith("_list") and spec.required:
            raise InputError(
                spec.name,
                f"{calculation.name} takes a list per case; ask it one case at a time",
            )


def _raise_first(errors: dict[int, PolicyError]) -> None:
    if not errors:
        return
    index = min(errors)
    error = errors[index]
    detail = _error_json(error)
    raise InputError(f"cases[{index}].{detail['field']}", detail["problem"])


def _columns_of(
    calculation: Calculation, cases: Cases
) -> tuple[dict[str, list[Any]], int, dict[int, PolicyError]]:
    """The inputs as one list per field, the number of cases, and the cases already refused
    (a case that is not an object, or names an unknown input)."""
    known = [spec.name for spec in calculation.inputs]
    errors: dict[int, PolicyError] = {}
    if isinstance(cases, Mapping):
        return _from_columns(calculation, cases, known), _size_of(cases), errors
    if not isinstance(cases, Sequence) or isinstance(cases, str | bytes):
        raise InputError("cases", "expected a list of input objects")
    _check_size(len(cases))
    known_set = set(known)
    for index, case in enumerate(cases):
        if not isinstance(case, Mapping):
            errors[index] = InputError("inputs", "expected a JSON object of named inputs")
        elif not known_set.issuperset(case):
            unknown = sorted(set(case) - known_set)[0]
            errors[index] = InputError(unknown, f"not an input of {calculation.name}")
    rows = [case if index not in errors else {} for index, case in enumerate(cases)]
    return {name: [row.get(name) for row in rows] for name in known}, len(cases), errors


def _check_size(size: int) -> None:
    if size == 0:
        raise InputError("cases", "expected at least one case")
    if size > MAX_CASES:
        raise InputError("cases", f"{size} cases; at most {MAX_CASES} per call")


def _size_of(columns: Mapping[str, Sequence[Any]]) -> int:
    lengths = {len(column) for column in columns.values()}
    if len(lengths) > 1:
        raise InputError("columns", f"columns of unequal lengths {sorted(lengths)}")
    size = lengths.pop() if lengths else 0
    _check_size(size)
    return size


def _from_columns(
    calculation: Calculation, columns: Mapping[str, Sequence[Any]], known: list[str]
) -> dict[str, list[Any]]:
    unknown = sorted(set(columns) - set(known))
    if unknown:
        raise InputError(unknown[0], f"not an input of {calculation.name}")
    for name, column in columns.items():
        if not isinstance(column, list | tuple):
            raise InputError(name, "expected a list of values, one per case")
    size = _size_of(columns)
    return {name: list(columns.get(name) or [None] * size) for name in known}


def _parse_columns(
    calculation: Calculation,
    columns: dict[str, list[Any]],
    size: int,
    errors: dict[int, PolicyError],
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Each input as an array over all cases, and for each optional input without a default
    the cases that gave it; bad cases are added to ``errors`` (the first error of a case)."""
    arrays: dict[str, np.ndarray] = {}
    present: dict[str, np.ndarray] = {}
    for spec in calculation.inputs:
        raw = columns[spec.name]
        missing = np.fromiter(map(_missing, raw), dtype=bool, count=size)
        if spec.kind.endswith("_list"):
            for index in np.flatnonzero(~missing).tolist():
                errors.setdefault(index, InputError(spec.name, "lists are not accepted in a batch"))
            continue
        if missing.any():
            if spec.required:
                for index in np.flatnonzero(missing).tolist():
                    errors.setdefault(index, InputError(spec.name, "is required"))
            elif spec.default is None:
                present[spec.name] = ~missing
            if spec.default is not None:
                raw = [spec.default if gap else v for v, gap in zip(raw, missing, strict=True)]
            else:
                raw = [None if gap else v for v, gap in zip(raw, missing, strict=True)]
        if missing.all() and spec.default is None:
            continue
        array, bad = parse_column(spec, raw)
        for index, error in bad.items():
            if not missing[index]:
                errors.setdefault(index, error)
        arrays[spec.name] = array
    return arrays, present


def _evaluate(
    calculation: Calculation,
    params: ParameterSet,
    arrays: dict[str, np.ndarray],
    present: dict[str, np.ndarray],
    size: int,
    errors: dict[int, PolicyError],
) -> tuple[dict[str, np.ndarray], tuple[np.ndarray, list[list[dict[str, Any]]]]]:
    """Run the kernel over the valid cases (one call per pattern of optional inputs given),
    returning full-length output columns and each case's provisional flag and values."""
    valid = np.ones(size, dtype=bool)
    valid[list(errors)] = False
    pattern = np.zeros(size, dtype=np.int64)
    for bit, mask in enumerate(present.values()):
        pattern |= mask.astype(np.int64) << bit
    outputs: dict[str, np.ndarray] = {}
    flags = np.zeros(size, dtype=bool)
    uses: list[list[dict[str, Any]]] = [[] for _ in range(size)]
    for key in np.unique(pattern[valid]).tolist():
        rows = np.flatnonzero(valid & (pattern == key))
        given = {
            name: array
            for name, array in arrays.items()
            if name not in present or bool(present[name][rows[0]])
        }
        _run(calculation, params, given, rows, outputs, flags, uses, errors)
    return outputs, (flags, uses)


def _run(
    calculation: Calculation,
    params: ParameterSet,
    arrays: dict[str, np.ndarray],
    rows: np.ndarray,
    outputs: dict[str, np.ndarray],
    flags: np.ndarray,
    uses: list[list[dict[str, Any]]],
    errors: dict[int, PolicyError],
) -> None:
    """One kernel call over ``rows``; on a parameter lookup error, halve until isolated."""
    try:
        with capture() as log:
            result = calculation.kernel(
                params, **{k: v[rows] for k, v in arrays.items()}, trace=NO_TRACE
            )
    except PolicyError as exc:
        if rows.size == 1:
            errors[int(rows[0])] = exc
            return
        half = rows.size // 2
        for part in (rows[:half], rows[half:]):
            _run(calculation, params, arrays, part, outputs, flags, uses, errors)
        return
    size = flags.size
    for spec in calculation.outputs:
        if spec.name not in result:
            continue
        values = np.broadcast_to(np.asarray(result[spec.name]), rows.shape)
        if spec.name not in outputs:
            outputs[spec.name] = np.zeros(size, dtype=values.dtype)
        elif outputs[spec.name].dtype != values.dtype:
            wider = np.result_type(outputs[spec.name], values)
            outputs[spec.name] = outputs[spec.name].astype(wider)
        outputs[spec.name][rows] = values
    flags[rows] = log.rows(rows.size)
    for local, used in _uses_by_row(log, rows.size).items():
        uses[int(rows[local])] = used


def _uses_by_row(log: ProvisionalLog, n: int) -> dict[int, list[dict[str, Any]]]:
    """Each provisional row's values, in the order :meth:`ProvisionalLog.uses` gives one case
    (records in order, distinct values), built once per distinct combination of values."""
    if not log.records:
        return {}
    codes = np.full((n, len(log.records)), -1, dtype=np.int64)
    for column, record in enumerate(log.records):
        rows = record.use_of_row
        if rows.size == n:
            codes[:, column] = rows
        elif rows.size == 1 or (rows >= 0).any():
            codes[:, column] = int(rows[rows >= 0][0]) if (rows >= 0).any() else -1
    flagged = np.flatnonzero((codes >= 0).any(axis=1))
    combos, inverse = np.unique(codes[flagged], axis=0, return_inverse=True)
    lists = [_uses_of(log, combo) for combo in combos]
    return {int(row): lists[int(i)] for row, i in zip(flagged, inverse.reshape(-1), strict=True)}


def _uses_of(log: ProvisionalLog, combo: np.ndarray) -> list[dict[str, Any]]:
    seen: dict[tuple[str, str, str, str], ProvisionalUse] = {}
    for record, code in zip(log.records, combo.tolist(), strict=True):
        if code >= 0:
            use = record.uses[code]
            seen.setdefault((use.parameter, use.region, use.effective_from, use.reason), use)
    return [use.as_dict() for use in seen.values()]


def _explanations(
    name: str,
    columns: dict[str, list[Any]],
    size: int,
    errors: dict[int, PolicyError],
    params: ParameterSet,
) -> dict[int, list[dict[str, Any]]]:
    """Each valid case's explanation, by the one-case path (at most MAX_EXPLAIN cases)."""
    out: dict[int, list[dict[str, Any]]] = {}
    for index in range(size):
        if index in errors:
            continue
        case = {k: column[index] for k, column in columns.items() if column[index] is not None}
        out[index] = calc(name, case, explain=True, parameters=params).trace or []
    return out
