"""The Spark engine: the states of a Parquet file computed partition by partition on Spark.

This is how Deequ and whylogs scale: each Spark partition turns its rows into a state with the
pandas producers (:mod:`engines.pandas_columns`, :mod:`engines.pandas_pairs`,
:mod:`engines.pandas_coverage`) inside ``DataFrame.mapInArrow``, and yields the pickled state as
one binary cell; the driver collects those cells and merges them with the states' own merge
functions (``metrics.state_*``). Only states travel, never the table. Two-pass families run two
jobs: contingency tables need the binnings of the merged ranges, exact copies need
``whole_labels`` of the merged side state (kept per file, so ``copy_counts`` after
``side_state`` does not pass over the side again). Exact copies bring each partition's count per
row hash to the driver (24 bytes per distinct row). The seeded sample is the rows at numpy-chosen
positions matched on Parquet's ``_metadata.row_index``: the same rows the pandas engine takes.

Inside a partition, Spark's Arrow batches are cast back to the file's own Arrow schema (its
pandas metadata included) before ``to_pandas``, so a partition is typed as ``pd.read_parquet``
types the file (nanosecond timestamps are read as longs, ``spark.sql.legacy.parquet.nanosAsLong``,
and cast back). A DataFrame is accepted too (``spark.createDataFrame``), for tests.

Session: ``SparkEngine(master)`` uses (or creates, once per process: ``getOrCreate``) a session on
``master``, by default ``local[2]``; Arrow on, time zone UTC, few shuffle partitions, no UI,
quiet logs. Any Spark master URL works (``spark://host:7077``, ``yarn``, ``k8s://...``): the
executors need Python with this project's requirements (pandas, numpy, pyarrow, datasketches,
...), and the ``metrics`` and ``engines`` packages are shipped to them at session start as a zip
(``SparkContext.addPyFile``), so no install of SynthLens is needed on the cluster. On a cluster,
paths must be readable by the executors (a shared file system or object store).

PySpark is optional (``pip install -r requirements-spark.txt``, and Java 17): this module imports
without it and raises a clear error when a session is needed and PySpark or Java is missing.
"""

from __future__ import annotations

import atexit
import copyreg
import functools
import io
import os
import pickle
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from datasketches import kll_doubles_sketch

from engines import pandas_columns, pandas_coverage, pandas_pairs
from engines.base import Key, Source
from metrics import state_columns, state_copies, state_coverage, state_pairs
from metrics.io import InputError
from metrics.schema import Schema
from metrics.state_columns import ColumnState
from metrics.state_copies import CopyCounts, CopyState
from metrics.state_coverage import OutsideState, SideState, whole_labels
from metrics.state_pairs import Binning, PairStates

INSTALL_HINT = (
    "The Spark engine needs PySpark and a Java 17 runtime: "
    "pip install -r requirements-spark.txt (and, on Debian, "
    "apt-get install openjdk-17-jre-headless)."
)
DEFAULT_MASTER = "local[2]"
CHUNK_ROWS = 250_000  # rows of a partition turned into one state at a time (then merged)
_POS = "__synthlens_pos"
_CONF = {
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "8",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    # Spark has no nanosecond timestamps: read them as longs, cast back in the partition.
    "spark.sql.legacy.parquet.nanosAsLong": "true",
}
_SHIPPED: set[str] = set()  # application ids that already have the packages


# --- states as bytes ---------------------------------------------------------------------------


class SparkUnavailable(ImportError):
    """PySpark or its Java runtime is missing (the message says what to install)."""


def _kll(blob: bytes) -> kll_doubles_sketch:
    return kll_doubles_sketch.deserialize(blob)


def _reduce_kll(sketch: kll_doubles_sketch) -> tuple[Callable[[bytes], Any], tuple[bytes]]:
    return _kll, (sketch.serialize(),)


def dumps(state: object) -> bytes:
    """A state as bytes (KLL sketches, which do not pickle, through their own serialisation)."""
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = copyreg.dispatch_table.copy()  # type: ignore[misc]
    pickler.dispatch_table[kll_doubles_sketch] = _reduce_kll
    pickler.dump(state)
    return buf.getvalue()


def loads(blob: bytes) -> Any:
    return pickle.loads(blob)  # noqa: S301 - our own executors' states


# --- a partition -------------------------------------------------------------------------------


def _target(schema: pa.Schema, names: list[str]) -> pa.Schema:
    """The file's Arrow schema restricted to ``names``; pandas metadata kept (nullable and
    categorical dtypes), its index dropped (the pandas engine's sample drops it too)."""
    meta = dict(schema.metadata or {})
    if b"pandas" in meta:
        import json

        pandas_meta = json.loads(meta[b"pandas"])
        pandas_meta["index_columns"] = []
        pandas_meta["columns"] = [
            c for c in pandas_meta.get("columns", []) if c.get("name") in names
        ]
        meta = {b"pandas": json.dumps(pandas_meta).encode()}
    else:
        meta = {}
    fields = [schema.field(n) for n in names]
    return pa.schema(fields, metadata=meta or None)


def to_frame(batches: list[pa.RecordBatch], target: pa.Schema) -> pd.DataFrame:
    """Spark's Arrow batches typed as the file: each column cast to the file's type."""
    table = pa.Table.from_batches(batches) if batches else None
    columns = []
    for field in target:
        if table is None:
            columns.append(pa.array([], type=field.type))
            continue
        col = table.column(field.name)
        columns.append(col if col.type.equals(field.type) else col.cast(field.type))
    return pa.Table.from_arrays(columns, schema=target).to_pandas()


def partition_state(
    batches: Iterable[pa.RecordBatch],
    target: pa.Schema,
    produce: Callable[[pd.DataFrame], Any],
    combine: Callable[[list[Any]], Any],
    chunk: int = CHUNK_ROWS,
) -> Iterator[pa.RecordBatch]:
    """One partition's state, as one binary cell (no row when the partition is empty)."""
    states, pending, rows = [], [], 0
    for batch in batches:
        if batch.num_rows:
            pending.append(batch)
            rows += batch.num_rows
        if rows >= chunk:
            states.append(produce(to_frame(pending, target)))
            pending, rows = [], 0
    if pending:
        states.append(produce(to_frame(pending, target)))
    if states:
        blob = dumps(combine(states))
        yield pa.RecordBatch.from_arrays([pa.array([blob], type=pa.binary())], names=["state"])


def _reduce(merge: Callable[[Any, Any], Any]) -> Callable[[list[Any]], Any]:
    return lambda states: functools.reduce(merge, states)


def _merge_outside(a: OutsideState, b: OutsideState) -> OutsideState:
    return a.merge(b)


# --- session -----------------------------------------------------------------------------------


def _packages_zip() -> str:
    """A zip of the ``metrics`` and ``engines`` packages (Python files), for the executors."""
    root = Path(pandas_columns.__file__).resolve().parent.parent
    folder = tempfile.mkdtemp(prefix="synthlens-spark-")
    atexit.register(shutil.rmtree, folder, True)  # executors fetch it while the app runs
    out = Path(folder) / "synthlens_packages.zip"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for package in ("metrics", "engines"):
            for path in sorted((root / package).rglob("*.py")):
                zf.write(path, path.relative_to(root).as_posix())
    return str(out)


def _ship(spark: Any) -> None:
    sc = spark.sparkContext
    if sc.applicationId not in _SHIPPED:
        sc.addPyFile(_packages_zip())
        _SHIPPED.add(sc.applicationId)


def spark_session(master: str | None = None, conf: dict[str, str] | None = None) -> Any:
    """The process's Spark session (created on ``master`` the first time, then reused), with
    the ``metrics`` and ``engines`` packages shipped to its executors."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SparkUnavailable(INSTALL_HINT) from exc
    if not os.environ.get("JAVA_HOME") and shutil.which("java") is None:
        raise SparkUnavailable(INSTALL_HINT)
    master = master or DEFAULT_MASTER
    builder = SparkSession.builder.master(master).appName("synthlens")
    settings = dict(_CONF)
    if master.startswith("local"):
        # Local workers run this interpreter (its virtual environment); PySpark reads the
        # worker's Python from the environment when the context starts.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    settings.update(conf or {})
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    _ship(spark)
    return spark


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


class SparkEngine:
    """Every state by ``mapInArrow`` over the partitions, merged on the driver (see the module
    docstring). ``partitions`` repartitions the input first (tests; ``None`` keeps Spark's
    file splits)."""

    name = "spark"

    def __init__(
        self, master: str | None = None, session: Any = None, partitions: int | None = None
    ) -> None:
        self.master = master
        self._session = session
        self.partitions = partitions
        self._sides: dict[tuple[str, int, int, str], SideState] = {}

    @property
    def spark(self) -> Any:
        if self._session is None:
            self._session = spark_session(self.master)
        else:
            _ship(self._session)
        return self._session

    # -- reading --

    def _read(self, source: Source) -> tuple[Any, pa.Schema]:
        """The side as a Spark DataFrame and its Arrow schema (index columns dropped)."""
        if isinstance(source, pd.DataFrame):
            frame = source.reset_index(drop=True)
            schema = pa.Schema.from_pandas(frame, preserve_index=False)
            return self.spark.createDataFrame(frame), schema
        df = self.spark.read.parquet(str(source))
        try:
            schema = pq.read_schema(str(source))
        except (OSError, ValueError, pa.ArrowException):
            # Not readable from the driver (a lake URL, a folder): Spark's own Arrow types.
            schema = df.limit(0).toArrow().schema
        index = []
        if schema.pandas_metadata:
            index = [
                c for c in schema.pandas_metadata.get("index_columns", []) if isinstance(c, str)
            ]
        if index:
            df = df.drop(*index)
        names = [n for n in schema.names if n not in index]
        return df, _target(schema, names)

    def _states(
        self,
        source: Source,
        names: list[str],
        produce: Callable[[pd.DataFrame], Any],
        combine: Callable[[list[Any]], Any],
    ) -> Any:
        """``produce`` on every partition of ``names``' columns, merged with ``combine``."""
        df, schema = self._read(source)
        target = _target(schema, names)
        df = df.select(*[_quoted(n) for n in names]) if names else df.select()
        if self.partitions:
            df = df.repartition(self.partitions)

        def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            return partition_state(batches, target, produce, combine)

        cells = df.mapInArrow(run, "state binary").collect()
        states = [loads(bytes(row[0])) for row in cells]
        if not states:  # no rows at all: the state of an empty frame
            states = [produce(to_frame([], target))]
        return combine(states)

    def rows(self, source: Source) -> int:
        if isinstance(source, pd.DataFrame):
            return len(source)
        return int(self._read(source)[0].count())

    def columns(self, source: Source) -> list[str]:
        if isinstance(source, pd.DataFrame):
            return [str(c) for c in source.columns]
        return list(self._read(source)[1].names)

    def sample(self, source: Source, positions: np.ndarray) -> pd.DataFrame:
        if isinstance(source, pd.DataFrame):
            return source.iloc[positions].reset_index(drop=True)
        from pyspark.sql import functions as F

        df, schema = self._read(source)
        names = list(schema.names)
        if not os.path.isfile(source) and (
            df.select(F.col("_metadata.file_path")).distinct().count() > 1
        ):
            # _metadata.row_index restarts in every file of a folder.
            raise InputError("The Spark engine samples one Parquet file, not a folder of files.")
        picks = self.spark.createDataFrame(
            pd.DataFrame({_POS: np.asarray(positions, dtype=np.int64)})
        )
        rows = df.select(*[_quoted(n) for n in names], F.col("_metadata.row_index").alias(_POS))
        chosen = rows.join(F.broadcast(picks), on=_POS, how="inner").orderBy(_POS).drop(_POS)
        table = chosen.toArrow()
        return to_frame(table.to_batches(), schema)

    # -- states --

    def column_states(self, source: Source, schema: Schema) -> dict[str, ColumnState]:
        kinds = pandas_columns.CONTINUOUS + pandas_columns.DISCRETE
        specs = [s for s in schema.columns if s.kind in kinds]
        names = [s.name for s in specs]

        def produce(frame: pd.DataFrame) -> dict[str, ColumnState]:
            return pandas_columns.column_states(frame, specs)

        return self._states(source, names, produce, state_columns.merge_all)

    def number_states(
        self, source: Source, schema: Schema, numbers: list[Key], spearman: bool
    ) -> PairStates:
        names = [s.name for s in schema.columns if s.kind in pandas_pairs.NUMBER_KINDS]

        def produce(frame: pd.DataFrame) -> PairStates:
            return pandas_pairs.number_states(frame, schema, numbers, spearman)

        return self._states(source, names, produce, _reduce(state_pairs.merge))

    def table_states(
        self, source: Source, schema: Schema, pairs: list[Key], binnings: dict[str, Binning]
    ) -> PairStates:
        used = {c for p in pairs for c in p}
        names = [s.name for s in schema.columns if s.name in used]

        def produce(frame: pd.DataFrame) -> PairStates:
            return pandas_pairs.table_states(frame, schema, pairs, binnings)

        return self._states(source, names, produce, _reduce(state_pairs.merge))

    def side_state(self, source: Source, schema: Schema) -> SideState:
        # Kept per file (path, size, mtime) and schema: copy_counts needs it again.
        key = None
        if not isinstance(source, pd.DataFrame):
            try:
                stat = os.stat(source)
                key = (str(source), stat.st_size, stat.st_mtime_ns, repr(schema))
            except OSError:  # not on this file system (a lake URL): no cache
                key = None
            if key is not None and key in self._sides:
                return self._sides[key]
        names = [s.name for s in schema.columns]

        def produce(frame: pd.DataFrame) -> SideState:
            return pandas_coverage.side_state(frame, schema)

        state = self._states(source, names, produce, state_coverage.merge)
        if key is not None:
            self._sides[key] = state
        return state

    def outside_state(
        self, source: Source, schema: Schema, bounds: dict[str, tuple[float, float]]
    ) -> OutsideState:
        names = [s.name for s in schema.columns if s.name in bounds]

        def produce(frame: pd.DataFrame) -> OutsideState:
            return pandas_coverage.outside_state(frame, schema, bounds)

        return self._states(source, names, produce, _reduce(_merge_outside))

    def copy_state(self, source: Source, schema: Schema) -> CopyState:
        """Rows per row hash of one side: a side pass (``whole_labels``), then the hashes."""
        whole = whole_labels(self.side_state(source, schema))
        names = [s.name for s in schema.columns]

        def produce(frame: pd.DataFrame) -> CopyState:
            return pandas_coverage.copy_state(frame, schema, whole)

        return self._states(source, names, produce, state_copies.merge)

    def copy_counts(
        self, real: Source, synthetic: Source, schema: Schema, holdout: Source | None
    ) -> CopyCounts:
        held = None if holdout is None else self.copy_state(holdout, schema)
        return state_copies.copy_counts(
            self.copy_state(real, schema), self.copy_state(synthetic, schema), held
        )


__all__ = ["INSTALL_HINT", "SparkEngine", "dumps", "loads", "spark_session"]
