"""Risk rules and statistics: each returns flags ``person_id, kind, score, explanation``.

Rules (exact conditions, score = how far past the condition):

- ``paid_after_death`` -- a payee of the month whose identity number is in the death register
  with a death before the month (the month of death is still payable); score: months paid
  after death.
- ``paid_twice`` -- one identity number paid by two or more provinces in the month; score:
  the number of provinces.
- ``duplicate_identity`` -- two identity numbers with the same birth date, sex and address
  and the same name or a name one character apart; score 1.0 (same name) or 0.9.
- ``employer_floor`` -- an employer of at least :data:`MIN_EMPLOYER` employees declaring every
  one of them at or under the contribution floor in the month; score: the share at the floor.
- ``employer_drop`` -- an employer of at least :data:`MIN_EMPLOYER` employees whose median
  declared wage fell by more than :data:`DROP_THRESHOLD` from the month before, the same
  persons declared; score: the fall.
- ``implausible_history`` -- contribution months beyond the months since age 16, or an average
  contribution index above 3 (the base ceiling is 300 % of the average wage); score: the excess.

Statistics: ``medical_claim`` -- a claim whose log amount, less its diagnosis group's median
and its hospital's median level, has a robust z-score above :data:`CLAIM_Z` within the group;
score: the z-score.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from safetynet.analytics.measures import with_robust_z
from safetynet.policy.money import to_fen
from safetynet.policy.parameters import default_parameters
from safetynet.policy.periods import format_month, month_start

if TYPE_CHECKING:
    from safetynet.analytics.base import Run

FLAG_SCHEMA = {
    "person_id": pl.Int64,
    "kind": pl.String,
    "score": pl.Float64,
    "explanation": pl.String,
}
MIN_EMPLOYER = 10
DROP_THRESHOLD = 0.3
CLAIM_Z = 4.0
IDENTITY_PASS_ROWS = 5_000_000
NAME_POSITIONS = 6
"""Names up to this many characters are compared position by position (longer: exactly)."""


def _month_text(column: str) -> pl.Expr:
    month = pl.col(column)
    return pl.format("{}-{}", month // 12, (month % 12 + 1).cast(pl.String).str.zfill(2))


def paid_after_death(payees: pl.LazyFrame, deaths: pl.LazyFrame, month: int) -> pl.DataFrame:
    """Payees of ``month`` recorded dead before it."""
    return (
        payees.join(deaths, on="resident_id", how="inner")
        .filter(pl.col("death_month") < month)
        .select(
            "person_id",
            pl.lit("paid_after_death").alias("kind"),
            (pl.lit(month) - pl.col("death_month")).cast(pl.Float64).alias("score"),
            pl.format(
                "paid {} yuan for {} although the death register records a death in {} "
                "({} months before)",
                (pl.col("amount_fen") / 100).round(2),
                pl.lit(format_month(month)),
                _month_text("death_month"),
                pl.lit(month) - pl.col("death_month"),
            ).alias("explanation"),
        )
        .collect()
    )


def paid_twice(payees: pl.LazyFrame, month: int) -> pl.DataFrame:
    """Every payment of an identity number paid by more than one province in ``month``."""
    return (
        payees.with_columns(
            pl.col("province").n_unique().over("resident_id").alias("provinces"),
            pl.col("province")
            .cast(pl.String)
            .unique()
            .sort()
            .str.join(", ")
            .over("resident_id")
            .alias("where"),
        )
        .filter(pl.col("provinces") > 1)
        .select(
            "person_id",
            pl.lit("paid_twice").alias("kind"),
            pl.col("provinces").cast(pl.Float64).alias("score"),
            pl.format(
                "identity number {} is paid in {} by {} provinces ({}); this payment by {}",
                pl.col("resident_id"),
                pl.lit(format_month(month)),
                pl.col("provinces"),
                pl.col("where"),
                pl.col("province"),
            ).alias("explanation"),
        )
        .collect()
    )


def _one_apart(left: pl.Expr, right: pl.Expr) -> pl.Expr:
    """Same length and equal once one position is left out (at most one character differs)."""
    same_length = left.str.len_chars() == right.str.len_chars()
    dropped = [
        (left.str.slice(0, i) + left.str.slice(i + 1))
        == (right.str.slice(0, i) + right.str.slice(i + 1))
        for i in range(NAME_POSITIONS)
    ]
    return same_length & pl.any_horizontal(dropped)


def duplicate_identities(identities: pl.LazyFrame) -> pl.DataFrame:
    """Pairs of identity numbers sharing birth date, sex (the ID's digits 7-14 and 17's parity)
    and address, with the same or a near name; both persons flagged. The register is read in
    passes of about :data:`IDENTITY_PASS_ROWS` rows, split by birth date (pairs never cross
    birth dates), so memory does not grow with the register."""
    rows: int = identities.select(pl.len()).collect().item()
    passes = max(1, -(-rows // IDENTITY_PASS_ROWS))
    birth_day = pl.col("resident_id").str.slice(6, 8).cast(pl.Int64, strict=False)
    found = [
        _duplicates_in(identities.filter(birth_day % passes == part)) for part in range(passes)
    ]
    return pl.concat(found).sort("person_id")


def _duplicates_in(identities: pl.LazyFrame) -> pl.DataFrame:
    keyed = identities.select(
        "person_id",
        "resident_id",
        "name",
        "address",
        pl.col("resident_id").str.slice(6, 8).alias("birth"),
        (pl.col("resident_id").str.slice(16, 1).cast(pl.Int32, strict=False) % 2).alias("sex"),
    )
    block = ["birth", "sex", "address"]
    candidates = keyed.filter(pl.len().over(block) > 1)
    pairs = (
        candidates.join(candidates, on=block, suffix="_other")
        .filter(pl.col("resident_id") != pl.col("resident_id_other"))
        .filter(_one_apart(pl.col("name"), pl.col("name_other")))
        .with_columns(
            pl.when(pl.col("name") == pl.col("name_other")).then(1.0).otherwise(0.9).alias("score")
        )
    )
    return (
        pairs.select(
            "person_id",
            pl.lit("duplicate_identity").alias("kind"),
            "score",
            pl.format(
                "{} ({}) and {} ({}) share birth date, sex and address {}; two identity numbers "
                "for one person?",
                pl.col("name"),
                pl.col("resident_id"),
                pl.col("name_other"),
                pl.col("resident_id_other"),
                pl.col("address"),
            ).alias("explanation"),
        )
        .unique("person_id", keep="first")
        .collect()
    )


def claim_outliers(claims: pl.LazyFrame) -> pl.DataFrame:
    """Claims out of line for their diagnosis group and hospital: log amount less the group's
    median and the hospital's median level (a robust two-way fit), then its robust z within the
    group."""
    base = claims.select(
        "claim_id",
        "person_id",
        "hospital_id",
        "drg",
        "amount_fen",
        pl.col("amount_fen").cast(pl.Float64).log().alias("log_amount"),
    )
    group = base.group_by("drg").agg(pl.col("log_amount").median().alias("group_median"))
    with_group = base.join(group, on="drg")
    hospital = with_group.group_by("hospital_id").agg(
        (pl.col("log_amount") - pl.col("group_median")).median().alias("hospital_level")
    )
    fitted = with_group.join(hospital, on="hospital_id").with_columns(
        (pl.col("log_amount") - pl.col("group_median") - pl.col("hospital_level")).alias(
            "residual"
        ),
        (pl.col("group_median") + pl.col("hospital_level")).exp().alias("typical"),
    )
    return (
        with_robust_z(fitted, "residual", "drg")
        .filter(pl.col("z") > CLAIM_Z)
        .sort("z", descending=True)
        .unique("person_id", keep="first")
        .select(
            "person_id",
            pl.lit("medical_claim").alias("kind"),
            pl.col("z").alias("score"),
            pl.format(
                "claim {} of {} yuan is {} times the typical {} yuan for diagnosis group {} at "
                "hospital {} (robust z {})",
                pl.col("claim_id"),
                (pl.col("amount_fen") / 100).round(2),
                (pl.col("amount_fen") / pl.col("typical")).round(1),
                (pl.col("typical") / 100).round(2),
                pl.col("drg"),
                pl.col("hospital_id"),
                pl.col("z").round(1),
            ).alias("explanation"),
        )
        .sort("person_id")
        .collect()
    )


def _declared(run: Run) -> pl.DataFrame:
    """Declarations of the job month and the month before, with the contribution floor."""
    frame = (
        run.register("declarations")
        .filter(pl.col("month").is_in([run.month - 1, run.month]))
        .collect()
    )
    p = default_parameters()
    keys = frame.select("region", "month").unique()
    floors = p.at(
        "contribution.base_floor",
        month_start(keys["month"].to_numpy()),
        keys["region"].to_numpy(),
    )
    floor = keys.with_columns(pl.Series("floor_fen", to_fen(np.asarray(floors))))
    return frame.join(floor, on=["region", "month"], how="left")


def employers_at_floor(run: Run) -> pl.DataFrame:
    """Employers declaring every employee at or under the floor in the job month."""
    current = _declared(run).filter(pl.col("month") == run.month)
    return (
        current.group_by("employer_id")
        .agg(
            pl.len().alias("employees"),
            (pl.col("wage_fen") <= pl.col("floor_fen")).mean().alias("share_at_floor"),
            pl.col("floor_fen").first(),
        )
        .filter((pl.col("employees") >= MIN_EMPLOYER) & (pl.col("share_at_floor") >= 1.0))
        .sort("employer_id")
    )


def employer_flags(run: Run) -> pl.DataFrame:
    """``employer_floor`` and ``employer_drop`` flags (``person_id`` = the employer's id)."""
    declared = _declared(run)
    floor = employers_at_floor(run).select(
        pl.col("employer_id").alias("person_id"),
        pl.lit("employer_floor").alias("kind"),
        pl.col("share_at_floor").alias("score"),
        pl.format(
            "all {} employees declared at or under the floor of {} yuan",
            pl.col("employees"),
            (pl.col("floor_fen") / 100).round(2),
        ).alias("explanation"),
    )
    before = declared.filter(pl.col("month") == run.month - 1)
    now = declared.filter(pl.col("month") == run.month)
    drop = (
        now.join(before, on=["employer_id", "person_id"], suffix="_before")
        .group_by("employer_id")
        .agg(
            pl.len().alias("employees"),
            (pl.col("wage_fen") / pl.col("wage_fen_before")).median().alias("ratio"),
        )
        .filter((pl.col("employees") >= MIN_EMPLOYER) & (pl.col("ratio") < 1 - DROP_THRESHOLD))
        .select(
            pl.col("employer_id").alias("person_id"),
            pl.lit("employer_drop").alias("kind"),
            (1 - pl.col("ratio")).alias("score"),
            pl.format(
                "the median declared wage of its {} employees fell to {} % of last month's",
                pl.col("employees"),
                (pl.col("ratio") * 100).round(1),
            ).alias("explanation"),
        )
    )
    return pl.concat([floor, drop]).sort("kind", "person_id")
