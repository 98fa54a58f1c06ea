"""The ``report`` command on a large-data engine: ``--engine``, ``--spark-master``,
``--sample-rows``, and the automatic choice of DuckDB for inputs too large for memory.

``--engine auto`` (the default) keeps today's in-memory pandas run unless the inputs would not
fit comfortably: it picks ``duckdb`` when a file is larger than the in-memory reader accepts
(500 MB), or when the files' estimated size in memory (3x a CSV, 10x a Parquet file: what
pandas typically takes per byte on disk) passes :data:`AUTO_SHARE` of this machine's memory.
Other formats (Excel, JSON) always run in memory.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

AUTO_SHARE = 0.25  # of physical memory: above it the inputs go to DuckDB
EXPANSION = {".csv": 3.0, ".txt": 3.0, ".parquet": 10.0}
SCALE_FORMATS = (".csv", ".txt", ".parquet")


def add_arguments(rep: argparse.ArgumentParser) -> None:
    from engines.assess import DEFAULT_SAMPLE_ROWS

    rep.add_argument(
        "--engine",
        choices=["auto", "pandas", "duckdb", "spark"],
        default="auto",
        help="where the metrics run: pandas (in memory, every metric on every row), duckdb "
        "(out of core: fidelity and coverage exact over every row, the other families on a "
        "seeded sample) or spark (the same on a Spark cluster); auto picks duckdb for inputs "
        f"larger than {AUTO_SHARE:.0%} of memory (default: auto)",
    )
    rep.add_argument(
        "--spark-master",
        metavar="URL",
        help="Spark master URL for --engine spark (spark://host:7077, yarn, k8s://..., "
        "local[N]); default local[2]",
    )
    rep.add_argument(
        "--sample-rows",
        type=int,
        default=DEFAULT_SAMPLE_ROWS,
        metavar="N",
        help="rows per side in the seeded sample of the duckdb and spark engines (default "
        f"{DEFAULT_SAMPLE_ROWS:,})",
    )


def memory_bytes() -> int:
    """Physical memory of this machine (0 when unknown)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 0


def auto_engine(paths: list[str], memory: int, max_bytes: int) -> tuple[str, str]:
    """The engine ``--engine auto`` picks for these files, and why (words for stderr)."""
    if any(p and "://" in p for p in paths):
        return "pandas", ""  # a URL is for --engine spark, which must be asked for
    files = [Path(p) for p in paths if p]
    if any(f.suffix.lower() not in SCALE_FORMATS for f in files):
        return "pandas", ""
    sizes = [f.stat().st_size if f.is_file() else 0 for f in files]
    if any(size > max_bytes for size in sizes):
        return "duckdb", f"a file is larger than the in-memory reader's {max_bytes >> 20:,} MB"
    need = sum(EXPANSION[f.suffix.lower()] * size for f, size in zip(files, sizes, strict=True))
    if memory and need > AUTO_SHARE * memory:
        return "duckdb", (
            f"the inputs would take about {need / 2**30:.1f} GB in memory, more than "
            f"{AUTO_SHARE:.0%} of this machine's {memory / 2**30:.0f} GB"
        )
    return "pandas", ""


def choose(args: Any) -> str:
    """The engine of this run (``--engine``, or the automatic choice, said on stderr)."""
    if args.sample_rows < 100:
        from metrics.io import InputError

        raise InputError(f"--sample-rows {args.sample_rows} is too small: use at least 100")
    if args.engine != "auto":
        return str(args.engine)
    from metrics.io import DEFAULT_MAX_BYTES

    paths = [args.real, args.synthetic, args.holdout]
    engine, why = auto_engine(paths, memory_bytes(), DEFAULT_MAX_BYTES)
    if engine != "pandas" and not args.quiet:
        print(f"engine: duckdb, because {why} (--engine pandas to force memory)",
              file=sys.stderr)  # fmt: skip
    return engine


def assess_at_scale(
    args: Any, engine: str, prepare: Callable[..., Any], progress: Callable[[bool], Any]
) -> tuple[Any, Any]:
    """Open the files on ``engine``, check the arguments against the samples (``prepare``,
    as the in-memory run does against the frames), run, and say on stderr what is exact."""
    from engines.assess import assess_opened, is_url, open_files
    from metrics.io import InputError

    paths = {"real": args.real, "synthetic": args.synthetic, "holdout": args.holdout}
    for role, path in paths.items():
        if path is not None and not is_url(path) and not Path(path).is_file():
            raise InputError(f"{role} file not found: {path}")
    try:
        with open_files(paths, engine, args.sample_rows, args.seed, args.spark_master) as opened:
            s = opened.samples
            schema, options = prepare(args, s["real"], s["synthetic"], s.get("holdout"))
            run = assess_opened(opened, schema, options, progress(args.quiet))
    except ImportError as exc:
        raise InputError(str(exc)) from None
    if not args.quiet and run.assessment.scale is not None:
        print(run.assessment.scale.sample_words(), file=sys.stderr)
        for col, bound in run.assessment.scale.sketched.items():
            print(f"column shape of '{col}' from a quantile sketch: within {bound:.3f} of the "
                  "exact score", file=sys.stderr)  # fmt: skip
    return run.assessment, run.enc


__all__ = ["AUTO_SHARE", "add_arguments", "assess_at_scale", "auto_engine", "choose"]
