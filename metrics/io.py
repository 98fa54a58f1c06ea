"""Read a user's table (an upload's bytes or a path) into a DataFrame, or raise a clear InputError.

Browser uploads and command-line paths go through :func:`read_table`. Every problem the user can
cause becomes an :class:`InputError` whose message names the file, the line or column, and what
to do; parser exceptions never escape raw.

Decisions that callers and users can rely on:

- The format comes from the file name's extension; without a known one it is sniffed from the
  content (Parquet and ``.xlsx`` magic bytes, JSON objects or arrays, otherwise delimited text).
- CSV encoding: a BOM decides (UTF-8 or UTF-16); otherwise UTF-8, falling back to cp1252 and then
  Latin-1 when the file is not valid UTF-8. A file whose first megabyte shows real UTF-8 text but
  has a stray invalid byte later keeps UTF-8 with that byte replaced by U+FFFD, rather than
  turning every accented letter into mojibake. The delimiter (``,`` ``;`` tab ``|``) and a
  decimal comma (``;``- or tab-separated files only) are sniffed from the first megabyte.
- Values get pandas' default inference (numbers, ``True``/``False``; dates stay text for the schema
  step), except that a column where the first megabyte has an integer written with a leading
  zero (``02134``) is read as text, so ZIP codes and account codes keep their zeros.
- Column names are converted to ``str`` and stripped of surrounding whitespace; names that collide
  after stripping are duplicates (an error). A column without a name is an error, unless it also
  has no values at all: that is what a trailing delimiter or a formatted-but-empty spreadsheet
  column produces, and it is dropped. A named column with no values is kept (all NaN); the schema
  step reports it.
- Rows with more fields than the header are an error anywhere in the file. Rows with fewer fields
  are an error when they occur in the first megabyte; after that pandas pads them with NaN,
  because finding them would need a second pass over the file.
- Names and values are never escaped or normalised here (the UI escapes what it shows).
- ``frame.attrs["synthlens_read"]`` records how the file was read (format, encoding, delimiter,
  columns kept as text, dropped empty unnamed columns) for display.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
import zipfile
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd

from metrics import _io_text as text
from metrics._io_text import InputError

__all__ = ["DEFAULT_MAX_BYTES", "SUPPORTED", "InputError", "file_sha256", "read_table"]

DEFAULT_MAX_BYTES = 500 * 1024 * 1024  # .streamlit/config.toml server.maxUploadSize = 500 (MB)
SUPPORTED = (".csv", ".tsv", ".txt", ".parquet", ".jsonl", ".ndjson", ".xlsx")

_BY_SUFFIX = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".xlsx": "xlsx",
}
_FORMAT_NAMES = {
    "csv": "CSV",
    "tsv": "tab-separated text",
    "parquet": "Parquet",
    "jsonl": "JSON Lines",
    "json": "JSON",
    "xlsx": "Excel (.xlsx)",
}
_SUPPORTED_TEXT = ", ".join(SUPPORTED)
_OLD_EXCEL = (".xls", ".xlsm", ".xlsb", ".ods")
_HASH_CHUNK = 1 << 20


class _Source:
    """Bytes or a path, with the name used for the format and for messages."""

    def __init__(self, source: bytes | str | os.PathLike[str], name: str | None) -> None:
        self.path: Path | None = None
        self.data: bytes | None = None
        if isinstance(source, bytes | bytearray | memoryview):
            self.data = bytes(source)  # no copy for bytes, the common case
            self.label = name or "the uploaded file"
            self.size = len(self.data)
        else:
            self.path = Path(os.fspath(source))
            self.label = name or str(source)
            try:
                stat = self.path.stat()
            except FileNotFoundError:
                raise InputError(f"'{self.label}' does not exist. Check the path.") from None
            except OSError as exc:
                raise InputError(f"Cannot open '{self.label}': {exc.strerror}.") from None
            if not self.path.is_file():
                raise InputError(
                    f"'{self.label}' is a folder, not a file. Give the path of one data file "
                    f"({_SUPPORTED_TEXT})."
                )
            self.size = stat.st_size
        self.name = name if name is not None else (self.path.name if self.path else "")
        self.suffix = Path(self.name).suffix.lower()

    def head(self, n: int) -> bytes:
        if self.data is not None:
            return self.data[:n]
        assert self.path is not None
        try:
            with self.path.open("rb") as fh:
                return fh.read(n)
        except OSError as exc:
            raise InputError(f"Cannot open '{self.label}': {exc.strerror}.") from None

    def open(self) -> BinaryIO:
        return io.BytesIO(self.data) if self.data is not None else Path(str(self.path)).open("rb")

    def handle(self) -> Any:
        """Something pandas and pyarrow read without copying the bytes."""
        return io.BytesIO(self.data) if self.data is not None else str(self.path)


def read_table(
    source: bytes | str | os.PathLike[str],
    name: str | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> pd.DataFrame:
    """Read one table from an upload's bytes or from a path.

    Parameters
    ----------
    source
        Raw bytes (a browser upload) or a filesystem path (``str`` is always a path, never
        CSV content).
    name
        The file name; its extension picks the format. Defaults to the path's name. Messages
        use it (or the path as given) to say which file is meant.
    max_bytes
        Files larger than this are refused before anything is parsed.

    Returns
    -------
    pandas.DataFrame
        At least one row and one column, unique stripped ``str`` column names, a RangeIndex.

    Raises
    ------
    InputError
        For anything wrong with the file, with a message the user can act on.
    """
    src = _Source(source, name)
    if src.size > max_bytes:
        raise InputError(
            f"'{src.label}' is {text.mb(src.size)}, over the {text.mb(max_bytes)} limit for "
            "one file. Load a sample of its rows (for example 200,000 drawn at random) or only "
            "the columns you need, saved as a new file."
        )
    if src.size == 0:
        raise InputError(
            f"'{src.label}' is empty (0 bytes). Choose the file that holds the table, or export it "
            "again."
        )
    fmt = _format_of(src)
    try:
        frame, info = _READERS[fmt](src)
    except InputError:
        raise
    except MemoryError:
        raise InputError(
            f"Not enough memory to read '{src.label}' ({text.mb(src.size)}). Load a sample of its "
            "rows instead."
        ) from None
    except Exception as exc:  # parsers raise many types; the user needs one clear message
        fix = text.mismatch_hint(src.head(4096), fmt) or (
            f"Check that it is a valid {_FORMAT_NAMES[fmt]} file, for example by opening it in "
            "the program that made it and saving it again."
        )
        raise InputError(
            f"Could not read '{src.label}' as {_FORMAT_NAMES[fmt]}: {text.short(exc)}. {fix}"
        ) from exc
    if frame.shape[1] == 0 or len(frame) == 0:
        raise InputError(text.no_rows_message(src.label, list(frame.columns), fmt))
    frame.attrs["synthlens_read"] = {"format": fmt, **info}
    return frame


def file_sha256(source: bytes | str | os.PathLike[str]) -> str:
    """Hex SHA-256 of the bytes, or of the file's content (read in 1 MB chunks).

    Raises
    ------
    InputError
        If a path cannot be opened.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        return hashlib.sha256(source).hexdigest()
    digest = hashlib.sha256()
    try:
        with open(os.fspath(source), "rb") as fh:
            while chunk := fh.read(_HASH_CHUNK):
                digest.update(chunk)
    except OSError as exc:
        raise InputError(f"Cannot open '{os.fspath(source)}': {exc.strerror}.") from None
    return digest.hexdigest()


def _format_of(src: _Source) -> str:
    if src.suffix in _BY_SUFFIX:
        return _BY_SUFFIX[src.suffix]
    if src.suffix in _OLD_EXCEL:
        raise InputError(
            f"'{src.label}' is a {src.suffix} spreadsheet, which SynthLens does not read. Open it "
            "and save it as .xlsx (Excel Workbook) or .csv."
        )
    head = src.head(4096)
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04") and _is_xlsx(src):
        return "xlsx"
    start = head.lstrip()[:1]
    if start in (b"{", b"["):
        return "jsonl" if start == b"{" else "json"
    if not text.is_binary(head):
        return "csv"
    what = text.looks_like(head) or "binary data"
    raise InputError(
        f"'{src.label}' is not a table SynthLens can read (it looks like {what}). Save the table "
        f"as one of {_SUPPORTED_TEXT}."
    )


def _is_xlsx(src: _Source) -> bool:
    try:
        with zipfile.ZipFile(src.handle()) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


# --- Delimited text ----------------------------------------------------------------------------


def _read_csv(src: _Source, tsv: bool = False) -> tuple[pd.DataFrame, dict[str, Any]]:
    sniff = text.sniff(src.head, src.size, src.label, prefer_tab=tsv)
    where = "in the header row"
    names, blanks = text.check_names(sniff.header, src.label, where, letters=True)
    kwargs: dict[str, Any] = {
        "sep": sniff.delimiter,
        "header": 0,
        "names": names,
        "dtype": {names[i]: str for i in sniff.text_columns},
        "engine": "c",
        "decimal": sniff.decimal,
        "quotechar": '"',
    }
    frame, encoding = _parse_csv(src, sniff, kwargs)
    if not isinstance(frame.index, pd.RangeIndex):
        # pandas turns the first column into an index when data rows are one field longer.
        raise InputError(
            text.ragged_message(src.label, None, len(names), len(names) + 1, sniff.delimiter)
        )
    frame = text.drop_blank_columns(frame, blanks, src.label, where, letters=True)
    info = {
        "encoding": encoding,
        "delimiter": sniff.delimiter,
        "decimal": sniff.decimal,
        "text_columns": [names[i] for i in sniff.text_columns],
        "dropped_unnamed_empty_columns": [i + 1 for i in blanks],
    }
    return frame, info


def _parse_csv(src: _Source, sniff: text.Sniff, kwargs: dict[str, Any]) -> tuple[pd.DataFrame, str]:
    """Parse with the sniffed encoding, retrying when a byte past the sniffed prefix disagrees."""
    for encoding, errors in sniff.encodings():
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", pd.errors.DtypeWarning)
                frame = pd.read_csv(
                    src.handle(), encoding=encoding, encoding_errors=errors, **kwargs
                )
        except UnicodeDecodeError:
            continue
        except pd.errors.EmptyDataError:
            raise InputError(
                f"'{src.label}' holds no table: it has no header row and no data. Choose the file "
                "that holds the table."
            ) from None
        except pd.errors.ParserError as exc:
            raise InputError(
                text.parser_error_message(src.label, str(exc), sniff.delimiter)
            ) from exc
        if any(issubclass(w.category, pd.errors.DtypeWarning) for w in caught):
            frame = _reread_mixed(src, frame, encoding, errors, kwargs)
        return frame, encoding if errors == "strict" else f"{encoding} (invalid bytes replaced)"
    raise AssertionError("latin-1 decodes any byte")  # pragma: no cover


def _reread_mixed(
    src: _Source, frame: pd.DataFrame, encoding: str, errors: str, kwargs: dict[str, Any]
) -> pd.DataFrame:
    """Re-read as text the columns whose chunks got different types (pandas' low_memory mode).

    Chunked parsing keeps memory low but can leave a column half numbers, half strings; reading
    such columns whole as text gives what a single pass would (strings throughout).
    """
    mixed = [
        c
        for c in frame.select_dtypes(include="object")
        if frame[c].dropna().map(type).nunique() > 1
    ]
    if not mixed:
        return frame
    again = pd.read_csv(
        src.handle(),
        encoding=encoding,
        encoding_errors=errors,
        **{**kwargs, "usecols": mixed, "dtype": dict.fromkeys(mixed, str)},
    )
    for c in mixed:
        frame[c] = again[c]
    return frame


# --- Binary and JSON formats --------------------------------------------------------------------


def _read_parquet(src: _Source) -> tuple[pd.DataFrame, dict[str, Any]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.ParquetFile(src.handle()).read(use_pandas_metadata=False)
    labels, named = text.pandas_index_columns(table.schema)
    # Pandas' row labels are not data; a named index is, and goes first as reset_index() would.
    by_name = {n: i for i, n in enumerate(table.schema.names)}
    keep = [by_name[n] for n in named] + [
        i for i, n in enumerate(table.schema.names) if n not in labels and n not in named
    ]
    where = "in the Parquet schema"
    names, blanks = text.check_names([table.schema.names[i] for i in keep], src.label, where)
    # Positional select and rename: Parquet allows repeated and empty names, pandas lookups do not.
    # Without the pandas metadata the frame is plain numpy dtypes, the same for any writer.
    table = table.select(keep).rename_columns(names).replace_schema_metadata(None)
    nested = [f.name for f in table.schema if pa.types.is_nested(f.type)]
    frame = table.to_pandas()
    for name in nested:
        frame[name] = text.nested_to_json(frame[name])
    frame = text.drop_blank_columns(frame, blanks, src.label, where)
    return frame, {"dropped_unnamed_empty_columns": [i + 1 for i in blanks]}


def _read_xlsx(src: _Source) -> tuple[pd.DataFrame, dict[str, Any]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about styles and data validation
        with pd.ExcelFile(src.handle(), engine="openpyxl") as book:
            sheet = book.sheet_names[0]
            # header=None keeps the raw header cells (pandas would rename blanks and repeats)
            # and text cells such as "007" as text.
            grid = book.parse(sheet, header=None)
    if grid.empty:
        raise InputError(
            f"The first sheet ('{sheet}') of '{src.label}' is empty. SynthLens reads the first "
            "sheet: move the table there, or save that sheet as CSV."
        )
    where = f"in the first row of sheet '{sheet}'"
    names, blanks = text.check_names(list(grid.iloc[0]), src.label, where, letters=True)
    frame = grid.iloc[1:].reset_index(drop=True).infer_objects()
    frame.columns = names
    frame = text.drop_blank_columns(frame, blanks, src.label, where, letters=True)
    return frame, {"sheet": sheet, "dropped_unnamed_empty_columns": [i + 1 for i in blanks]}


def _read_json(src: _Source, lines: bool = True) -> tuple[pd.DataFrame, dict[str, Any]]:
    if lines:
        head = src.head(text.PREFIX).split(b"\n")
        text.check_json_lines(head if src.size <= text.PREFIX else head[:-1], src.label)
    try:
        # dtype=False: JSON already types its values; pandas would turn "007" into 7.
        frame = pd.read_json(
            src.handle(), lines=lines, orient="records", dtype=False, convert_dates=False
        )
    except ValueError as exc:
        if lines:  # find the line past the checked prefix
            with src.open() as fh:
                text.check_json_lines(fh, src.label)
        raise InputError(
            f"'{src.label}' is not valid JSON ({text.short(exc)}). Save the table as JSON Lines: "
            'one object per line, such as {"age": 31, "city": "Lyon"}.'
        ) from exc
    frame = frame.reset_index(drop=True)
    where = "among the keys"
    names, blanks = text.check_names(list(frame.columns), src.label, where)
    frame.columns = names
    for col in frame.select_dtypes(include="object"):
        frame[col] = text.nested_to_json(frame[col])
    frame = text.drop_blank_columns(frame, blanks, src.label, where)
    return frame, {"dropped_unnamed_empty_columns": [i + 1 for i in blanks]}


_READERS = {
    "csv": _read_csv,
    "tsv": lambda src: _read_csv(src, tsv=True),
    "parquet": _read_parquet,
    "xlsx": _read_xlsx,
    "jsonl": _read_json,
    "json": lambda src: _read_json(src, lines=False),
}
