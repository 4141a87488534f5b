"""The Spark engine: the same job, partition by partition, over Arrow batches (``mapInArrow``).

How the work splits: Spark reads the population's Parquet files (one directory per province,
one file per province and synth chunk) as input splits of at most
``spark.sql.files.maxPartitionBytes``; each task streams its split as Arrow record batches
through :meth:`Job.process` -- the very function the local engine calls -- and yields one
tagged stream holding the output rows, the rejects and a count record per batch. That stream
is written once to ``OUT/_tagged``, then split into ``rows/`` and ``rejects/``; the summary is a
Spark ``groupBy`` over the rows and the control totals come from the count records. Nothing
is collected to the driver but the summary and the totals.

On a cluster: ``--master spark://host:7077`` (or ``yarn``, ``k8s://...``) with the population
and ``--out`` on storage every executor sees (HDFS, S3, a shared file system), and safetynet
installed on the executors.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from safetynet.batch.jobs import REJECT_SCHEMA, Job, JobContext, frame
from safetynet.batch.outputs import ReconciliationError, Totals, new_totals, summary_sums

KIND_ROWS, KIND_REJECTS, KIND_COUNTS = "rows", "rejects", "counts"
COUNT_FIELDS = ("count_rows_in", "count_processed", "count_skipped", "count_rejected")


def spark_session(master: str = "local[*]") -> Any:
    """A Spark session with Arrow batches large enough to amortise the kernels' set-up."""
    from pyspark.sql import SparkSession

    if master.startswith("local"):
        # local workers must run this interpreter, which has safetynet; a cluster's executors
        # use their own (PYSPARK_PYTHON / spark.pyspark.python)
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.master(master).appName("safetynet-batch")
    return (
        builder.config("spark.sql.execution.arrow.maxRecordsPerBatch", "200000")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.showConsoleProgress", "true")
        .getOrCreate()
    )


def tagged_schema(job: Job) -> pa.Schema:
    """One schema for the three kinds of record a task yields: a ``kind`` tag, the output
    columns, the reject columns (prefixed), and the per-batch counts."""
    fields = [pa.field("kind", pa.string())]
    fields += [pa.field(f.name, f.type, nullable=True) for f in job.rows_schema]
    fields += [pa.field(f"reject_{f.name}", f.type, nullable=True) for f in REJECT_SCHEMA]
    fields += [pa.field(name, pa.int64(), nullable=True) for name in COUNT_FIELDS]
    return pa.schema(fields)


def _tag(schema: pa.Schema, kind: str, columns: dict[str, pa.Array], n: int) -> pa.RecordBatch:
    arrays = [
        pa.array([kind] * n, pa.string())
        if f.name == "kind"
        else columns.get(f.name, pa.nulls(n, f.type)).cast(f.type)
        for f in schema
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def tag_batches(
    job: Job, ctx: JobContext, batches: Iterator[pa.RecordBatch]
) -> Iterator[pa.RecordBatch]:
    """The task body: process each Arrow batch and yield its tagged records."""
    schema = tagged_schema(job)
    for batch in batches:
        result = job.process(pa.Table.from_batches([batch]), ctx)
        rows, rejects = result.rows, result.rejects
        yield _tag(
            schema,
            KIND_ROWS,
            {n: rows.column(n).combine_chunks() for n in rows.column_names},
            rows.num_rows,
        )
        yield _tag(
            schema,
            KIND_REJECTS,
            {f"reject_{n}": rejects.column(n).combine_chunks() for n in rejects.column_names},
            rejects.num_rows,
        )
        yield _tag(
            schema,
            KIND_COUNTS,
            {
                "count_rows_in": pa.array([result.rows_in], pa.int64()),
                "count_processed": pa.array([result.processed], pa.int64()),
                "count_skipped": pa.array([result.skipped], pa.int64()),
                "count_rejected": pa.array([result.rejects.num_rows], pa.int64()),
            },
            1,
        )


def run_spark(job: Job, population: Path, out: Path, ctx: JobContext, spark: Any) -> Totals:
    """Run ``job`` on Spark; the same outputs and totals as :func:`run_local`."""
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    started = time.perf_counter()
    schema = tagged_schema(job)
    source = (
        spark.read.option("basePath", str(population))
        .parquet(str(population / "province=*"))
        .select(*job.columns)
    )
    tagged_path = out / "_tagged"
    source.mapInArrow(
        lambda batches: tag_batches(job, ctx, batches), from_arrow_schema(schema)
    ).write.mode("overwrite").parquet(str(tagged_path))

    tagged = spark.read.parquet(str(tagged_path))
    rows = tagged.where(F.col("kind") == KIND_ROWS).select(*job.rows_schema.names)
    rows.write.mode("overwrite").parquet(str(out / "rows"))
    rejects = tagged.where(F.col("kind") == KIND_REJECTS).select(
        *[F.col(f"reject_{n}").alias(n) for n in REJECT_SCHEMA.names]
    )
    rejects.write.mode("overwrite").parquet(str(out / "rejects"))

    rows = spark.read.parquet(str(out / "rows"))
    aggregated = (
        rows.groupBy(*job.summary_keys)
        .agg(
            F.count(F.lit(1)).cast("long").alias("count"),
            *[
                F.coalesce(F.sum(F.col(c).cast("long")), F.lit(0)).cast("long").alias(c)
                for c in job.summary_sums
            ],
        )
        .orderBy(*job.summary_keys)
    )
    summary = frame(aggregated.toArrow())
    (out / "summary").mkdir(parents=True, exist_ok=True)
    summary.write_parquet(out / "summary" / "part-00000.parquet")

    counts = (
        tagged.where(F.col("kind") == KIND_COUNTS)
        .agg(*[F.sum(n).cast("long").alias(n) for n in COUNT_FIELDS])
        .collect()[0]
    )
    totals = new_totals(job, ctx.month, "spark")
    rows_in, processed, skipped, rejected = (int(counts[n] or 0) for n in COUNT_FIELDS)
    totals.add(rows_in, processed, skipped, rejected, rows_out=rows.count())
    written = spark.read.parquet(str(out / "rejects")).count()
    if written != totals.rejected:
        raise ReconciliationError(
            f"{job.name}: {written:,} rejects written, {totals.rejected:,} counted"
        )
    totals.sums = summary_sums(job, summary)
    shutil.rmtree(tagged_path, ignore_errors=True)
    totals.seconds = round(time.perf_counter() - started, 3)
    totals.check()
    totals.write(out)
    return totals
