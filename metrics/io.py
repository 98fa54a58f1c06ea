"""Read a user's table (an upload's bytes or a path) into a DataFrame, or raise a clear InputError.

Browser uploads and command-line paths go through :func:`read_table`. Every problem the user can
cause becomes an :class:`InputError` whose message names the file, the line or column, and what
to do; parser exceptions never escape raw.

Decisions that callers and users can rely on:

- The format comes from the file name's extension; without a known one it is sniffed from the
  content (Parquet and ``.xlsx`` magic bytes, JSON objects or arrays, otherwise delimited text).
- CSV encoding: a BOM decides (UTF-8 or UTF-16); otherwise UTF-8, falling back to cp1252 and then
  Latin-1 when the file is not valid UTF-8. A file that is mostly UTF-8 text (more non-ASCII
  letters than invalid bytes, wherever they are) but has a stray invalid byte keeps UTF-8 with
  that byte replaced by U+FFFD, rather than turning every accented letter into mojibake; the
  line of the first such byte is recorded. The whole file is decoded one way. The delimiter
  (``,`` ``;`` tab ``|``) and a decimal comma (``;``- or tab-separated files only) are sniffed
  from the first megabyte.
- Values get pandas' default inference (numbers, ``True``/``False``; dates stay text for the schema
  step), except that a column where the first megabyte has an integer written with a leading
  zero (``02134``) is read as text, so ZIP codes and account codes keep their zeros.
- Column names are converted to ``str`` and stripped of surrounding whitespace; names that collide
  after stripping are duplicates (an error). A column without a name is an error, unless it also
  has no values at all: that is what a trailing delimiter or a formatted-but-empty spreadsheet
  column produces, and it is dropped. A named column with no values is kept (all NaN); the schema
  step reports it.
- Rows with more or fewer fields than the header, and NUL bytes, are an error anywhere in the
  file, naming the line (``metrics._io_scan`` finds late short rows at a cost only when the last
  column has missing values).
- Limits, checked before rows are parsed (``metrics._io_limits``): at most ``max_columns``
  columns (20,000, or ``SYNTHLENS_MAX_COLUMNS``) counted from the header, the Parquet schema or
  the first JSON record; ``max_bytes`` (500 MB) for the file, for what an ``.xlsx`` archive's
  directory says it unpacks to, and for what a Parquet file's metadata declares.
- Integers beyond the int64 range (long account numbers) are read as exact text in every format;
  Parquet binary columns are decoded as UTF-8 with invalid bytes replaced.
- Names and values are never escaped or normalised here (the UI escapes what it shows).
- ``frame.attrs["synthlens_read"]`` records how the file was read (format, encoding, delimiter,
  columns kept as text, dropped empty unnamed columns, and ``"reader"``: ``"pyarrow"`` or
  ``"pandas"``) for display.
- Speed: UTF-8 files of 4 MB or more with a decimal point are tokenised by pyarrow on every core
  and typed as pandas would (``metrics._io_arrow``, whose docstring lists what is taken fast);
  whatever it cannot show equal to pandas' answer (other encodings, decimal comma, ragged rows,
  quoting pyarrow splits differently, ambiguous numbers) is read by pandas as above.
  :func:`csv_to_parquet` streams a file of any size to Parquet with the same types.
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

from metrics import _io_arrow as arrow
from metrics import _io_arrow_stream as arrow_stream
from metrics import _io_formats as formats
from metrics import _io_limits as limits
from metrics import _io_scan as scan
from metrics import _io_text as text
from metrics._io_limits import DEFAULT_MAX_COLUMNS, MAX_COLUMNS_ENV
from metrics._io_text import InputError
from metrics._memory import retain_freed_memory

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_COLUMNS",
    "MAX_COLUMNS_ENV",
    "SUPPORTED",
    "InputError",
    "csv_to_parquet",
    "file_sha256",
    "read_table",
]

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
csv_to_parquet = arrow_stream.csv_to_parquet


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


# long: mostly its numpy-style docstring; the code is 32 lines.
def read_table(
    source: bytes | str | os.PathLike[str],
    name: str | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_columns: int | None = None,
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
        Files larger than this are refused before anything is parsed, and so are archives
        (``.xlsx``) and Parquet files whose content unpacks to more.
    max_columns
        Tables with more columns are refused from their header, before any row is parsed.
        Default: the ``SYNTHLENS_MAX_COLUMNS`` environment variable, else 20,000.

    Returns
    -------
    pandas.DataFrame
        At least one row and one column, unique stripped ``str`` column names, a RangeIndex.

    Raises
    ------
    InputError
        For anything wrong with the file, with a message the user can act on.
    """
    retain_freed_memory()  # once per process: a table's freed arrays serve the next one
    lim = limits.Limits(max_bytes, limits.max_columns(max_columns))
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
        frame, info = _READERS[fmt](src, lim)
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
    return _finish(frame, info, fmt, src, lim)


def _finish(
    frame: pd.DataFrame, info: dict[str, Any], fmt: str, src: _Source, lim: limits.Limits
) -> pd.DataFrame:
    """Checks and fixes every format shares, after its reader."""
    if frame.shape[1] == 0 or len(frame) == 0:
        raise InputError(text.no_rows_message(src.label, list(frame.columns), fmt))
    limits.check_width(frame.shape[1], lim.max_columns, src.label, "")  # JSON: keys of all rows
    info["big_integers_as_text"] = limits.big_ints_as_text(frame, objects=fmt not in ("csv", "tsv"))
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


def _read_csv(
    src: _Source, lim: limits.Limits, tsv: bool = False
) -> tuple[pd.DataFrame, dict[str, Any]]:
    limits.check_csv_header(src.head(text.PREFIX), src.size, src.label, lim.max_columns)
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
    facts = scan.check_nul(src, sniff.encoding)
    fast = arrow.read_csv(src, sniff, names, facts) if arrow.fast_path(src, sniff) else None
    if fast is not None:  # pyarrow refuses ragged rows itself
        frame, encoding, errors = fast, sniff.encoding, "strict"
    else:
        frame, encoding, errors = _parse_csv(src, sniff, kwargs)
        if not isinstance(frame.index, pd.RangeIndex):
            # pandas turns the first column into an index when data rows are one field longer.
            raise InputError(
                text.ragged_message(src.label, None, len(names), len(names) + 1, sniff.delimiter)
            )
        scan.check_short_rows(src, frame, sniff.delimiter, encoding, errors)
    frame = text.drop_blank_columns(frame, blanks, src.label, where, letters=True)
    info: dict[str, Any] = {
        "encoding": encoding if errors == "strict" else f"{encoding} (invalid bytes replaced)",
        "delimiter": sniff.delimiter,
        "decimal": sniff.decimal,
        "text_columns": [names[i] for i in sniff.text_columns],
        "dropped_unnamed_empty_columns": [i + 1 for i in blanks],
        "reader": "pyarrow" if fast is not None else "pandas",
    }
    if errors != "strict":
        info["first_replaced_byte_line"] = scan.first_invalid_line(src, encoding)
    return frame, info


def _parse_csv(
    src: _Source, sniff: text.Sniff, kwargs: dict[str, Any]
) -> tuple[pd.DataFrame, str, str]:
    """Parse with the sniffed encoding, retrying when a byte past the sniffed prefix disagrees.

    Returns the frame, the encoding and the error handling that read it.
    """
    for encoding, errors in sniff.encodings(lambda: scan.utf8_evidence(src)):
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
        return frame, encoding, errors
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


_READERS = {
    "csv": _read_csv,
    "tsv": lambda src, lim: _read_csv(src, lim, tsv=True),
    "parquet": formats.read_parquet,
    "xlsx": formats.read_xlsx,
    "jsonl": formats.read_json,
    "json": lambda src, lim: formats.read_json(src, lim, lines=False),
}
