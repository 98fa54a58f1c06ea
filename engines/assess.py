"""The report on a large-data engine: exact metrics over every row, the rest on a seeded sample.

:func:`assess_sources` is the whole run for any :class:`engines.base.Engine`:

1. each side's row count, and a seeded sample of at most ``sample_rows`` rows drawn by the
   engine (:func:`engines.base.sample_positions`: the same rows whatever the engine);
2. the schema inferred from the samples (unless given), and the whole suite run on the encoded
   samples: detection, utility, privacy distances and attacks, row flags, subgroups and rules
   stay there, with their intervals at the sample's size;
3. the engine's states over every row (:func:`engines.exact.exact_figures`) put in place of the
   sample's column shapes, pair trends, missing values, coverage and validity
   (:func:`metrics.exact_overlay.overlay`), and the exact copy count;
4. the :class:`metrics.scale_info.ScaleInfo` that tells every report which is which.

:func:`assess_files` opens Parquet and CSV paths (a CSV is converted to Parquet once, through
the same reader as uploads, so it is read correctly or refused with its line).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from engines.base import Engine, Source, sample_positions
from engines.exact import exact_figures
from metrics.encode import Encoded, encode
from metrics.exact_overlay import overlay
from metrics.io import InputError, file_sha256
from metrics.options import Options
from metrics.results import Progress, no_progress
from metrics.scale_info import EXACT_METRICS, ScaleInfo
from metrics.schema import Schema, infer
from metrics.suite import Assessment, InputInfo, run, with_result

DEFAULT_SAMPLE_ROWS = 100_000  # rows per side for the sampled families: today's 100k budget
ROLES = ("real", "synthetic", "holdout")
REMOTE = "not computed: a file on the cluster's storage"


def is_url(path: str) -> bool:
    """A path with a scheme (``s3a://``, ``hdfs://``, ``abfss://``): for the cluster to read."""
    return "://" in path


@dataclass
class ScaleRun:
    """A large-data run: the assessment, the seeded samples and their encoding (row-level
    views draw from these; the whole files are never held)."""

    assessment: Assessment
    samples: dict[str, pd.DataFrame]
    enc: Encoded


def make_engine(name: str, spark_master: str | None = None) -> Engine:
    """The engine called ``name`` (``pandas``, ``duckdb`` or ``spark``)."""
    if name == "pandas":
        from engines.pandas_engine import PandasEngine

        return PandasEngine()
    if name == "duckdb":
        from engines.duckdb_engine import DuckDBEngine

        return DuckDBEngine()
    if name == "spark":
        from engines.spark_engine import SparkEngine

        return SparkEngine(spark_master)
    raise ValueError(f"unknown engine {name!r}: choose pandas, duckdb or spark")


def _part(progress: Progress, start: float, width: float) -> Progress:
    def sub(fraction: float, message: str) -> None:
        progress(start + width * min(max(fraction, 0.0), 1.0), message)

    return sub


@dataclass
class Opened:
    """The pair opened on an engine: each side's source and rows, and the seeded samples that
    the schema is inferred from (before any metric runs, so callers can check a metadata file,
    a target or constraints against them)."""

    engine: Engine
    sources: dict[str, Source]
    rows: dict[str, int]
    samples: dict[str, pd.DataFrame]
    sample_limit: int
    seed: int
    inputs: dict[str, InputInfo] | None = None


def open_sources(
    sources: Mapping[str, Source | None],
    engine: Engine,
    sample_rows: int = DEFAULT_SAMPLE_ROWS,
    seed: int = 0,
    inputs: dict[str, InputInfo] | None = None,
) -> Opened:
    """Count each side's rows and draw its seeded sample on ``engine``."""
    if sample_rows < 100:
        raise InputError(f"A sample of {sample_rows:,} rows is too small: use at least 100.")
    given = {r: s for r, s in sources.items() if s is not None}
    rows = {r: engine.rows(s) for r, s in given.items()}
    samples = {
        r: engine.sample(s, sample_positions(rows[r], sample_rows, seed, r))
        for r, s in given.items()
    }
    return Opened(engine, given, rows, samples, sample_rows, seed, inputs)


def assess_opened(
    opened: Opened,
    schema: Schema | None = None,
    options: Options | None = None,
    progress: Progress = no_progress,
) -> ScaleRun:
    """Run the report on an opened pair (see the module docstring)."""
    options = options or Options()
    if options.seed != opened.seed:
        raise ValueError("the samples were drawn with another seed than the options'")
    samples, engine, rows = opened.samples, opened.engine, opened.rows
    schema = schema or infer(samples["real"], samples["synthetic"])
    enc = encode(samples["real"], samples["synthetic"], schema, samples.get("holdout"))
    timings: dict[str, float] = {}
    start = time.perf_counter()
    sampled_run = run(enc, options, _part(progress, 0.0, 0.6), opened.inputs)
    timings["sampled_metrics"] = time.perf_counter() - start
    start = time.perf_counter()
    figures = exact_figures(engine, opened.sources, schema, enc, options,
                            _part(progress, 0.6, 0.39))  # fmt: skip
    timings["exact_metrics"] = time.perf_counter() - start
    sample_sizes = {r: len(f) for r, f in samples.items()}
    sampled = any(sample_sizes[r] < rows[r] for r in rows)
    results = overlay(sampled_run.results, figures, options.sdmetrics_compatible, sampled)
    assessment = sampled_run
    for name in EXACT_METRICS:
        if name in results and results[name] is not sampled_run.results.get(name):
            assessment = with_result(assessment, results[name])
    info = ScaleInfo(
        engine=engine.name,
        rows=rows,
        sample_rows=sample_sizes,
        sample_limit=opened.sample_limit,
        seed=options.seed,
        exact=tuple(m for m in EXACT_METRICS if m in assessment.results),
        sampled=tuple(m for m in assessment.results if m not in EXACT_METRICS),
        sketched={c: f.bound for c, f in figures.shapes.items() if not f.exact},
        copies=figures.copies,
        notes=figures.notes,
        timings=timings,
    )
    progress(1.0, "Done.")
    return ScaleRun(replace(assessment, scale=info), samples, enc)


def assess_sources(
    sources: Mapping[str, Source | None],
    engine: Engine,
    schema: Schema | None = None,
    options: Options | None = None,
    progress: Progress = no_progress,
    sample_rows: int = DEFAULT_SAMPLE_ROWS,
    inputs: dict[str, InputInfo] | None = None,
) -> ScaleRun:
    """Open ``sources`` on ``engine`` and run the report (see the module docstring)."""
    options = options or Options()
    progress(0.0, f"Counting rows and drawing the sample ({engine.name})...")
    opened = open_sources(sources, engine, sample_rows, options.seed, inputs)
    return assess_opened(opened, schema, options, progress)


def _parquet(role: str, path: Path, work: Path) -> Path:
    """A Parquet path for ``path``: itself, or a CSV converted once (read as uploads are)."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return path
    if suffix not in (".csv", ".txt"):
        raise InputError(
            f"The {role} file '{path.name}' is neither Parquet nor CSV: convert it to one of "
            "them to assess it on a large-data engine."
        )
    from metrics import io

    out = work / f"{role}.parquet"
    convert = getattr(io, "csv_to_parquet", None)
    if convert is not None:
        convert(str(path), str(out), label=path.name)
    else:  # pragma: no cover - until the streaming converter lands
        io.read_table(str(path)).to_parquet(out, index=False)
    return out


@contextmanager
def open_files(
    paths: Mapping[str, str | Path | None],
    engine: str | Engine = "duckdb",
    sample_rows: int = DEFAULT_SAMPLE_ROWS,
    seed: int = 0,
    spark_master: str | None = None,
) -> Iterator[Opened]:
    """Open Parquet or CSV paths (``real``, ``synthetic``, optional ``holdout``) on ``engine``
    for as long as the block runs (a CSV's Parquet copy lives in a temporary folder until
    then). Bad files raise :class:`metrics.io.InputError` saying what to do."""
    eng = make_engine(engine, spark_master) if isinstance(engine, str) else engine
    given = {r: str(p) for r, p in paths.items() if p is not None}
    for role in ("real", "synthetic"):
        if role not in given:
            raise InputError(f"No {role} file given.")
    for role, path in given.items():
        if is_url(path):
            if eng.name != "spark" or not path.lower().endswith(".parquet"):
                raise InputError(
                    f"The {role} file '{path}' is a URL: only the spark engine reads those, "
                    "and only Parquet."
                )
        elif not Path(path).is_file():
            raise InputError(f"The {role} file '{path}' does not exist or is not a file.")
    with tempfile.TemporaryDirectory(prefix="synthlens-") as tmp:
        sources = {r: p if is_url(p) else str(_parquet(r, Path(p), Path(tmp)))
                   for r, p in given.items()}  # fmt: skip
        try:
            inputs = {
                r: InputInfo(
                    r,
                    Path(given[r]).name,
                    eng.rows(s),
                    len(eng.columns(s)),
                    REMOTE if is_url(given[r]) else file_sha256(given[r]),
                )  # fmt: skip
                for r, s in sources.items()
            }
            opened = open_sources(sources, eng, sample_rows, seed, inputs)
        except Exception as exc:  # noqa: BLE001 - an engine's error becomes a message
            raise _engine_error(eng, exc) from None
        yield opened


def _engine_error(eng: Engine, exc: Exception) -> Exception:
    if isinstance(exc, InputError):
        return exc
    if type(exc).__module__.split(".")[0] in ("duckdb", "pyspark", "py4j", "pyarrow", "_duckdb"):
        return InputError(f"The {eng.name} engine could not read the files: {exc}")
    return exc


def assess_files(
    paths: Mapping[str, str | Path | None],
    engine: str | Engine = "duckdb",
    schema: Schema | None = None,
    options: Options | None = None,
    progress: Progress = no_progress,
    sample_rows: int = DEFAULT_SAMPLE_ROWS,
    spark_master: str | None = None,
) -> ScaleRun:
    """Run the report on Parquet or CSV paths on ``engine`` (see :func:`open_files`)."""
    options = options or Options()
    progress(0.0, "Opening the files and drawing the sample...")
    with open_files(paths, engine, sample_rows, options.seed, spark_master) as opened:
        try:
            return assess_opened(opened, schema, options, progress)
        except Exception as exc:  # noqa: BLE001 - an engine's error becomes a message
            raise _engine_error(opened.engine, exc) from None


__all__ = [
    "DEFAULT_SAMPLE_ROWS",
    "ScaleRun",
    "assess_files",
    "Opened",
    "assess_opened",
    "assess_sources",
    "open_files",
    "open_sources",
    "make_engine",
]
