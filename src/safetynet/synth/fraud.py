"""Registers around a synthetic population, and irregularities planted in them at a known rate.

``safetynet synth --fraud-rate R`` adds what the analyses read besides the population -- a
death register, an identity register (names and addresses), medical claims, who employs whom
and employers' wage declarations (of the employees they insure) -- and plants each kind of
irregularity in a share R of the persons (or employers) it can concern. What was planted
goes to ``labels.parquet`` (``person_id``, ``kind``; for the employer kinds ``person_id``
holds the employer's id) so that detection can be scored; the detection itself never reads
the labels.

Every draw comes from a generator seeded by (seed, chunk, :data:`FRAUD_STREAM`), separate from
the population's, so the persons of a chunk are the same with or without ``--fraud-rate``.

Kinds and how they are planted (all assumptions of this generator, documented in
``docs/analytics.md``):

- ``paid_after_death``: a pensioner in the death register with a death 1-36 months before the
  reference month (decoys: 0.2 % of pensioners died in the reference month itself, which is
  still payable);
- ``paid_twice``: a pensioner copied into another province under a new person id with the
  same identity number (both rows labelled);
- ``duplicate_identity``: a person copied under a second valid identity number (same birth
  date, sex and county, another sequence), with the same name (half of them with one
  character changed) and address (both rows labelled);
- ``medical_claim``: one claim of the person priced at 8-30 times the typical price of its
  hospital and diagnosis group (ordinary claims scatter log-normally, sigma 0.35);
- ``employer_floor``: an employer (20 to 500 employees) declaring every employee at the
  contribution floor; ``employer_drop``: one declaring 30-60 % of last month's wages (employers
  being few, each chunk gets at least one of each when R > 0);
- ``implausible_history``: more contribution months than months since age 16, or an average
  contribution index above the ceiling of 3.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from safetynet.batch.validate import id_strings
from safetynet.policy.money import to_fen
from safetynet.policy.parameters import ParameterSet
from safetynet.policy.periods import month_start
from safetynet.policy.rules.identity import ID_LENGTH, make_resident_ids
from safetynet.synth.census import province_table

FRAUD_STREAM = 13
COPY_ID_OFFSET = 10**9
"""Planted copies get person ids above every population's ids (at most 10^9 persons)."""
KINDS = (
    "paid_after_death",
    "paid_twice",
    "duplicate_identity",
    "medical_claim",
    "employer_floor",
    "employer_drop",
    "implausible_history",
)
REGISTERS = ("deaths", "identities", "claims", "declarations", "employments")
DEATH_DECOY_SHARE = 0.002
CLAIMS_PER_PERSON = 0.3
HOSPITALS_PER_PROVINCE = 50
DRG_GROUPS = 40
CLAIM_SIGMA = 0.35
EMPLOYER_SIZES = (20, 500)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕飞鹏辉宇鑫俊波斌建国文博浩然子轩"
    "雨欣梓涵晨阳佳怡思远嘉豪一鸣雅婷志强海燕春梅秋菊冬雪立新永红光辉德胜金凤银花宏伟晓东小龙云峰振华"
)


@dataclass(frozen=True)
class Planted:
    """A chunk after planting: the population rows (with copies added), the registers and the
    labels."""

    persons: pa.Table
    registers: dict[str, pa.Table]
    labels: pa.Table


def _pick(rng: np.random.Generator, eligible: npt.NDArray[np.bool_], rate: float) -> np.ndarray:
    return np.flatnonzero(eligible & (rng.random(len(eligible)) < rate))


def _labels(ids: npt.ArrayLike, kind: str) -> pa.Table:
    ids = np.asarray(ids, dtype=np.int64)
    return pa.table({"person_id": ids, "kind": pa.array([kind] * len(ids), pa.string())})


def plant(
    p: ParameterSet, persons: pa.Table, seed: int, chunk: int, as_of: int, rate: float
) -> Planted:
    """Registers for one chunk (with its ``province`` column) and irregularities at ``rate``."""
    rng = np.random.default_rng([seed, chunk, FRAUD_STREAM])
    n = persons.num_rows
    kind = np.asarray(persons.column("employment_type").to_numpy(zero_copy_only=False))
    retired = kind == "retired"
    ids = id_strings(persons.column("resident_id"))
    person_id = persons.column("person_id").to_numpy()
    used = np.zeros(n, dtype=bool)
    labels: list[pa.Table] = []

    names, addresses = _names_and_addresses(rng, ids)
    death_rows, deaths = _deaths(rng, retired, ids, as_of, rate)
    used[death_rows] = True
    labels.append(_labels(person_id[death_rows], "paid_after_death"))

    twice = _pick(rng, retired & ~used, rate)
    used[twice] = True
    twice_copy = _copies(persons, twice, chunk, 0)
    twice_copy = _move_province(rng, twice_copy)
    labels.append(_labels(np.r_[person_id[twice], _ids(twice_copy)], "paid_twice"))

    age = (as_of - persons.column("birth_month").to_numpy()) // 12
    dupes = _pick(rng, (age >= 16) & ~used, rate)
    used[dupes] = True
    dupe_copy = _copies(persons, dupes, chunk, 1)
    new_ids = _second_identity(ids[dupes])
    dupe_copy = dupe_copy.set_column(
        dupe_copy.schema.get_field_index("resident_id"), "resident_id", pa.array(new_ids)
    )
    labels.append(_labels(np.r_[person_id[dupes], _ids(dupe_copy)], "duplicate_identity"))
    dupe_names = _vary_names(rng, names.take(pa.array(dupes)))

    history = _pick(
        rng,
        (persons.column("pension_scheme").to_numpy(zero_copy_only=False) == "employee") & ~used,
        rate,
    )
    persons = _spoil_histories(rng, persons, history, as_of)
    labels.append(_labels(person_id[history], "implausible_history"))

    claims, claim_labels = _claims(rng, persons, rate, chunk, as_of)
    labels.append(claim_labels)
    declarations, employments, employer_labels = _declarations(p, rng, persons, rate, chunk, as_of)
    labels.extend(employer_labels)

    everyone = pa.concat_tables([persons, twice_copy, dupe_copy])
    identities = pa.table(
        {
            "person_id": _ids(everyone),
            "resident_id": everyone.column("resident_id"),
            "name": pa.concat_arrays([names, names.take(pa.array(twice)), dupe_names]),
            "address": pa.concat_arrays(
                [addresses, addresses.take(pa.array(twice)), addresses.take(pa.array(dupes))]
            ),
        }
    )
    return Planted(
        everyone,
        {
            "deaths": deaths,
            "identities": identities,
            "claims": claims,
            "declarations": declarations,
            "employments": employments,
        },
        pa.concat_tables(labels),
    )


def _ids(table: pa.Table) -> npt.NDArray[np.int64]:
    return np.asarray(table.column("person_id").to_numpy(), dtype=np.int64)


def _names_and_addresses(
    rng: np.random.Generator, ids: npt.NDArray[np.str_]
) -> tuple[pa.Array, pa.Array]:
    """A surname and a one- or two-character given name; an address in the identity number's
    county (street and house numbers)."""
    n = len(ids)
    surnames = pa.array(list(SURNAMES)).take(pa.array(rng.integers(0, len(SURNAMES), n)))
    first = pa.array(list(GIVEN)).take(pa.array(rng.integers(0, len(GIVEN), n)))
    second = pa.array([*GIVEN, ""]).take(pa.array(rng.integers(0, len(GIVEN) + 1, n)))
    names = pc.binary_join_element_wise(surnames, first, second, "")
    county = pa.array(np.asarray(ids, dtype=f"<U{ID_LENGTH}").astype("<U6"))
    street = pc.cast(pa.array(rng.integers(1, 400, n)), pa.string())
    house = pc.cast(pa.array(rng.integers(1, 2000, n)), pa.string())
    addresses = pc.binary_join_element_wise(county, "街道", street, "号", house, "室", "")
    return names.combine_chunks() if isinstance(names, pa.ChunkedArray) else names, addresses


def _vary_names(rng: np.random.Generator, names: pa.Array) -> pa.Array:
    """Half the names keep every character; the others get their last character replaced."""
    if len(names) == 0:
        return names
    change = rng.random(len(names)) < 0.5
    stem = pc.utf8_slice_codeunits(names, 0, -1)
    other = pa.array(list(GIVEN)).take(pa.array(rng.integers(0, len(GIVEN), len(names))))
    last = pc.utf8_slice_codeunits(names, -1)
    # never "replace" a character by itself
    other = pc.if_else(pc.equal(other, last), pa.scalar("鑫"), other)
    other = pc.if_else(pc.equal(other, last), pa.scalar("淼"), other)
    varied = pc.binary_join_element_wise(stem, other, "")
    return pc.if_else(pa.array(change), varied, names)


def _deaths(
    rng: np.random.Generator,
    retired: npt.NDArray[np.bool_],
    ids: npt.NDArray[np.str_],
    as_of: int,
    rate: float,
) -> tuple[npt.NDArray[np.int64], pa.Table]:
    """Planted: pensioners dead 1-36 months before ``as_of``; decoys: dead in ``as_of``."""
    draw = rng.random(len(retired))
    planted = np.flatnonzero(retired & (draw < rate))
    decoys = np.flatnonzero(retired & (draw >= rate) & (draw < rate + DEATH_DECOY_SHARE))
    month = np.r_[as_of - rng.integers(1, 37, len(planted)), np.full(len(decoys), as_of)]
    table = pa.table(
        {
            "resident_id": pa.array(ids[np.r_[planted, decoys]].astype(object), pa.string()),
            "death_month": pa.array(month.astype(np.int64)),
        }
    )
    return planted, table


def _copies(persons: pa.Table, rows: npt.NDArray[np.int64], chunk: int, kind: int) -> pa.Table:
    """Copies of ``rows`` under new person ids, distinct across chunks and kinds."""
    copy = persons.take(pa.array(rows, type=pa.int64()))
    first = persons.column("person_id")[0].as_py() if persons.num_rows else 0
    new_ids = COPY_ID_OFFSET * (1 + kind) + first + np.arange(len(rows), dtype=np.int64)
    return copy.set_column(0, "person_id", pa.array(new_ids))


def _move_province(rng: np.random.Generator, copy: pa.Table) -> pa.Table:
    """Put each copy in another province (region and partition key)."""
    codes = province_table().code
    current = np.asarray(copy.column("province").to_numpy(), dtype=np.int64)
    shift = rng.integers(1, len(codes), len(current))
    moved = codes[(np.searchsorted(codes, current) + shift) % len(codes)]
    copy = copy.set_column(copy.schema.get_field_index("region"), "region", pa.array(moved))
    index = copy.schema.get_field_index("province")
    return copy.set_column(index, "province", pa.array(moved).cast(copy.schema.field(index).type))


def _second_identity(ids: npt.NDArray[np.str_]) -> npt.NDArray[np.str_]:
    """Another valid identity number: same county, birth date and sex, another sequence."""
    if len(ids) == 0:
        return ids
    digits = np.ascontiguousarray(ids).view(np.uint32).reshape(len(ids), ID_LENGTH)[:, :17]
    values = (digits - ord("0")).astype(np.int64)
    powers = 10 ** np.arange(5, -1, -1)
    county = values[:, :6] @ powers
    year = values[:, 6:10] @ 10 ** np.arange(3, -1, -1)
    month = values[:, 10:12] @ np.array([10, 1])
    day = values[:, 12:14] @ np.array([10, 1])
    sequence = values[:, 14:17] @ np.array([100, 10, 1])
    months = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
    birth = months.astype("datetime64[D]") + (day - 1).astype("timedelta64[D]")
    return make_resident_ids(county, birth, (sequence + 2 * 137) % 1000)


def _spoil_histories(
    rng: np.random.Generator, persons: pa.Table, rows: npt.NDArray[np.int64], as_of: int
) -> pa.Table:
    """Half: more contribution months than months since 16; half: an index above 3."""
    months = np.array(persons.column("contribution_months").to_numpy(), dtype=np.int64)
    index = np.array(persons.column("avg_contribution_index").to_numpy(), dtype=np.float64)
    birth = persons.column("birth_month").to_numpy()
    by_months = rng.random(len(rows)) < 0.5
    chosen = rows[by_months]
    months[chosen] = as_of - birth[chosen] - 16 * 12 + 1 + rng.integers(13, 121, len(chosen))
    index[rows[~by_months]] = np.round(rng.uniform(3.3, 6.0, int((~by_months).sum())), 4)
    persons = persons.set_column(
        persons.schema.get_field_index("contribution_months"),
        "contribution_months",
        pa.array(months),
    )
    return persons.set_column(
        persons.schema.get_field_index("avg_contribution_index"),
        "avg_contribution_index",
        pa.array(index),
    )


def typical_claim_yuan(hospital: npt.NDArray[np.int64], drg: npt.NDArray[np.int64]) -> np.ndarray:
    """The generator's typical price of a diagnosis group at a hospital (yuan)."""
    factor = 0.7 + 0.6 * np.modf((hospital % 1000) * 0.6180339887)[0]
    return np.asarray(800.0 * np.exp(drg / 8.0) * factor)


def _claims(
    rng: np.random.Generator, persons: pa.Table, rate: float, chunk: int, as_of: int
) -> tuple[pa.Table, pa.Table]:
    """Claims of the medically insured over the last 12 months; one planted per chosen person."""
    insured = np.flatnonzero(
        np.asarray(persons.column("medical_scheme").to_numpy(zero_copy_only=False)) != "none"
    )
    count = rng.poisson(CLAIMS_PER_PERSON, len(insured))
    owner = np.repeat(insured, count)
    m = len(owner)
    province = np.asarray(persons.column("province").to_numpy(), dtype=np.int64)[owner]
    hospital = province * 1000 + rng.integers(0, HOSPITALS_PER_PROVINCE, m)
    drg = rng.integers(0, DRG_GROUPS, m)
    typical = typical_claim_yuan(hospital, drg)
    amount = typical * rng.lognormal(0.0, CLAIM_SIGMA, m)
    first_claim = np.r_[True, owner[1:] != owner[:-1]] if m else np.zeros(0, bool)
    planted = np.flatnonzero(first_claim & (rng.random(m) < rate))
    amount[planted] = typical[planted] * rng.uniform(8.0, 30.0, len(planted))
    person_id = np.asarray(persons.column("person_id").to_numpy(), dtype=np.int64)
    claims = pa.table(
        {
            "claim_id": chunk * 10**9 + np.arange(m, dtype=np.int64),
            "person_id": person_id[owner],
            "hospital_id": hospital,
            "drg": drg.astype(np.int32),
            "month": as_of - rng.integers(0, 12, m),
            "amount_fen": to_fen(amount),
        }
    )
    return claims, _labels(person_id[owner[planted]], "medical_claim")


def _employer_sizes(rng: np.random.Generator, count: int) -> npt.NDArray[np.int64]:
    """Log-uniform sizes covering ``count`` employees; a short last one joins its neighbour."""
    low, high = EMPLOYER_SIZES
    sizes = np.exp(rng.uniform(np.log(low), np.log(high), count // low + 1)).astype(np.int64)
    ends = np.cumsum(sizes)
    used = int(np.searchsorted(ends, count)) + 1
    sizes = sizes[:used]
    sizes[-1] = count - (ends[used - 2] if used > 1 else 0)
    if used > 1 and sizes[-1] < low:
        sizes[-2] += sizes[-1]
        sizes = sizes[:-1]
    return sizes


def _declarations(
    p: ParameterSet,
    rng: np.random.Generator,
    persons: pa.Table,
    rate: float,
    chunk: int,
    as_of: int,
) -> tuple[pa.Table, pa.Table, list[pa.Table]]:
    """Who employs whom (employers of 20-500 employees within a province, as a tax or labour
    register would know it) and two months of wage declarations (``as_of`` - 1 and ``as_of``)
    for the employees the employer insures."""
    wage = np.asarray(persons.column("monthly_wage_fen").to_numpy(), dtype=np.int64)
    kind = np.asarray(persons.column("employment_type").to_numpy(zero_copy_only=False))
    scheme = np.asarray(persons.column("pension_scheme").to_numpy(zero_copy_only=False))
    province = np.asarray(persons.column("province").to_numpy(), dtype=np.int64)
    rows = np.flatnonzero((kind == "employee") & (wage > 0))
    rows = rows[np.argsort(province[rows], kind="stable")]
    employer = np.zeros(len(rows), dtype=np.int64)
    start, next_id = 0, chunk * 1_000_000
    for code in np.unique(province[rows]):
        count = int((province[rows] == code).sum())
        sizes = _employer_sizes(rng, count)
        employer[start : start + count] = next_id + np.repeat(np.arange(len(sizes)), sizes)
        start += count
        next_id += len(sizes)
    distinct, which, size = np.unique(employer, return_inverse=True, return_counts=True)
    # only regular employers (a province's few leftover employees may form a smaller one)
    draw = np.where(size >= EMPLOYER_SIZES[0], rng.random(len(distinct)), 1.0)
    if rate > 0 and (draw < 1.0).sum() >= 2:
        # employers are few: every chunk gets at least one of each employer kind
        draw[np.argsort(draw)[:2]] = [0.0, rate]
    at_floor = draw < rate
    dropped = (draw >= rate) & (draw < 2 * rate)
    current = wage[rows].copy()
    previous = to_fen(current / 100.0 / rng.uniform(1.0, 1.04, len(rows)))
    floor = to_fen(p.at("contribution.base_floor", month_start(as_of), province[rows]))
    floor_rows = at_floor[which]
    current[floor_rows] = floor[floor_rows]
    previous[floor_rows] = floor[floor_rows]
    drop_rows = dropped[which]
    current[drop_rows] = to_fen(
        previous[drop_rows] / 100.0 * rng.uniform(0.3, 0.6, int(drop_rows.sum()))
    )
    person_id = np.asarray(persons.column("person_id").to_numpy(), dtype=np.int64)[rows]
    employments = pa.table(
        {"employer_id": employer, "person_id": person_id, "region": province[rows]}
    )
    insured = scheme[rows] == "employee"
    declared = len(np.flatnonzero(insured))
    declarations = pa.table(
        {
            "employer_id": np.r_[employer[insured], employer[insured]],
            "person_id": np.r_[person_id[insured], person_id[insured]],
            "region": np.r_[province[rows][insured], province[rows][insured]],
            "month": np.r_[np.full(declared, as_of - 1), np.full(declared, as_of)].astype(np.int64),
            "wage_fen": np.r_[previous[insured], current[insured]].astype(np.int64),
        }
    )
    return (
        declarations,
        employments,
        [
            _labels(distinct[at_floor], "employer_floor"),
            _labels(distinct[dropped], "employer_drop"),
        ],
    )
