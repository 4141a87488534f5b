"""The local engine: stream the population in chunks through a job, on every core.

The population's files are grouped into tasks of about ``chunk_rows`` rows. A task reads its
files as record batches gathered into chunks of at most about ``chunk_rows`` rows, processes
each chunk and appends its rows and rejects to the task's own part files, then returns its
counts and partial summary. Tasks run in a pool of ``workers`` processes (one by default), so
memory is about ``workers`` chunks plus the small per-key summaries -- not the population.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from multiprocessing import get_context
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from tqdm import tqdm

from safetynet.batch.jobs import REJECT_SCHEMA, ChunkResult, Job, JobContext
from safetynet.batch.outputs import (
    Totals,
    new_totals,
    partial_summary,
    reduce_summaries,
    summary_sums,
)

DEFAULT_CHUNK_ROWS = 1_000_000


@dataclass(frozen=True)
class Task:
    index: int
    files: tuple[str, ...]


@dataclass(frozen=True)
class TaskResult:
    rows_in: int
    processed: int
    skipped: int
    rejected: int
    rows_out: int
    summary: pl.DataFrame


LABEL_COLUMNS = ("employment_type", "retirement_category", "pension_scheme", "medical_scheme")
"""Text columns of a few distinct values: read as Arrow dictionaries (the values once, a small
integer per row), as Parquet stores them, rather than as one string per row."""


def population_dataset(population: Path, files: list[str] | None = None) -> ds.Dataset:
    """The population files (all, or the given ones) with the ``province`` partition key as a
    column. Only the province directories are read: registers and labels may sit beside them."""
    if files is None:
        files = sorted(str(f) for f in population.glob("province=*/*.parquet"))
    parquet = ds.ParquetFileFormat(
        read_options=ds.ParquetReadOptions(dictionary_columns=set(LABEL_COLUMNS))
    )
    return ds.dataset(
        files, format=parquet, partitioning="hive", partition_base_dir=str(population)
    )


def read_chunks(dataset: ds.Dataset, columns: list[str], chunk_rows: int) -> Iterator[pa.Table]:
    """Record batches gathered into tables of about ``chunk_rows`` rows, in file order."""
    pending: list[pa.RecordBatch] = []
    size = 0
    for batch in dataset.to_batches(columns=columns, batch_size=min(chunk_rows, 1 << 20)):
        pending.append(batch)
        size += batch.num_rows
        if size >= chunk_rows:
            yield pa.Table.from_batches(pending)
            pending, size = [], 0
    if pending:
        yield pa.Table.from_batches(pending)


def plan_tasks(dataset: ds.Dataset, chunk_rows: int) -> list[Task]:
    """The files in path order, grouped into tasks of about ``chunk_rows`` rows."""
    fragments = sorted(dataset.get_fragments(), key=lambda f: str(f.path))
    tasks: list[Task] = []
    files: list[str] = []
    size = 0
    for fragment in fragments:
        files.append(str(fragment.path))
        size += fragment.metadata.num_rows
        if size >= chunk_rows:
            tasks.append(Task(len(tasks), tuple(files)))
            files, size = [], 0
    if files:
        tasks.append(Task(len(tasks), tuple(files)))
    return tasks


def read_ahead(chunks: Iterator[pa.Table]) -> Iterator[pa.Table]:
    """The chunks of ``chunks``, each next one read in a background thread while the caller
    works on the current one (Arrow reads and decompresses without holding the GIL)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead") as reader:
        upcoming = reader.submit(next, chunks, None)
        while (chunk := upcoming.result()) is not None:
            upcoming = reader.submit(next, chunks, None)
            yield chunk


def run_task(
    job: Job, ctx: JobContext, population: Path, out: Path, chunk_rows: int, task: Task
) -> TaskResult:
    """Process one task's files; write ``rows`` and ``rejects`` part files. Three stages
    overlap: the next chunk is read and the last one's output compressed and written in
    background threads while this one is computed; a chunk's output is written before the
    next one's, so the part files keep the input's order."""
    counts = [0, 0, 0, 0, 0]
    summaries: list[pl.DataFrame] = []
    name = f"part-{task.index:05d}.parquet"
    with (
        _writer(out / "rows" / name, job.rows_schema) as rows,
        _writer(out / "rejects" / name, REJECT_SCHEMA) as rejects,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="write") as writer,
    ):
        dataset = population_dataset(population, list(task.files))
        written: Future[None] | None = None
        for chunk in read_ahead(read_chunks(dataset, list(job.columns), chunk_rows)):
            result = job.process(chunk, ctx)
            if written is not None:
                written.result()
            written = writer.submit(_write, rows, rejects, result)
            summaries.append(partial_summary(job, result.rows))
            for i, value in enumerate(
                (
                    result.rows_in,
                    result.processed,
                    result.skipped,
                    result.rejects.num_rows,
                    result.rows.num_rows,
                )
            ):
                counts[i] += int(value)
        if written is not None:
            written.result()
    rows_in, processed, skipped, rejected, rows_out = counts
    return TaskResult(
        rows_in, processed, skipped, rejected, rows_out, reduce_summaries(job, summaries)
    )


REPEATING_NUMBERS = ("province", "region")
"""Number columns of few distinct values, worth a Parquet dictionary."""


def _writer(path: Path, schema: pa.Schema) -> pq.ParquetWriter:
    """A zstd Parquet writer that dictionary-encodes only the columns of few distinct values
    (text, and the region codes): trying it on ids and amounts costs time for nothing."""
    repeating = [
        field.name
        for field in schema
        if pa.types.is_string(field.type)
        or pa.types.is_dictionary(field.type)
        or field.name in REPEATING_NUMBERS
    ]
    return pq.ParquetWriter(path, schema, compression="zstd", use_dictionary=repeating)


def _write(rows: pq.ParquetWriter, rejects: pq.ParquetWriter, result: ChunkResult) -> None:
    rows.write_table(result.rows)
    rejects.write_table(result.rejects)


def run_local(
    job: Job,
    population: Path,
    out: Path,
    ctx: JobContext,
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    workers: int = 1,
    progress: bool = True,
) -> Totals:
    """Run ``job`` over every person of ``population``; write rows, rejects, summary and
    totals under ``out``; raise :class:`ReconciliationError` if the totals do not add up."""
    started = time.perf_counter()
    dataset = population_dataset(population)
    tasks = plan_tasks(dataset, chunk_rows)
    for part in ("rows", "rejects", "summary"):
        (out / part).mkdir(parents=True, exist_ok=True)
    totals = new_totals(job, ctx.month, "local")
    summaries: list[pl.DataFrame] = []
    task_runner = partial(run_task, job, ctx, population, out, chunk_rows)
    with tqdm(
        total=dataset.count_rows(),
        unit=" persons",
        unit_scale=True,
        disable=not progress,
        desc=job.name,
    ) as bar:
        if workers <= 1 or len(tasks) <= 1:
            for task in tasks:
                summaries = _collect(job, totals, summaries, task_runner(task), bar)
        else:
            # spawn, not fork: forking a process whose Arrow/Polars thread pools are running
            # can deadlock the child
            with ProcessPoolExecutor(
                max_workers=min(workers, len(tasks)), mp_context=get_context("spawn")
            ) as pool:
                for result in pool.map(task_runner, tasks):
                    summaries = _collect(job, totals, summaries, result, bar)
    summary = reduce_summaries(job, summaries)
    summary.write_parquet(out / "summary" / "part-00000.parquet")
    totals.sums = summary_sums(job, summary)
    totals.seconds = round(time.perf_counter() - started, 3)
    totals.check()
    totals.write(out)
    return totals


def _collect(
    job: Job, totals: Totals, summaries: list[pl.DataFrame], result: TaskResult, bar: tqdm
) -> list[pl.DataFrame]:
    """Add a task's counts to the totals and fold its summary into the running one."""
    totals.add(result.rows_in, result.processed, result.skipped, result.rejected, result.rows_out)
    bar.update(result.rows_in)
    return [reduce_summaries(job, [*summaries, result.summary])]
