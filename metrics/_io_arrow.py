"""Large delimited text through pyarrow's multi-threaded CSV reader, with pandas' exact answer.

pyarrow tokenises the file on every core and hands every column over as text; each column then
gets the type pandas' C engine infers, decided over all its values, so the frame equals what
``read_table``'s pandas path returns (dtypes and values). Where that cannot be shown, pandas reads
the file: :func:`read_csv` returns ``None``.

Fast (``read_table``: files of ``FAST_MIN_BYTES`` or more): UTF-8 (BOM or not), any sniffed
delimiter, decimal point. Missing: pandas' default NA strings, quoted or not. Integers (no ``0x``
hex, text to pandas): ``int64``, ``float64`` when some are missing (exact to 2**53). Decimals:
pyarrow's correctly rounded parse when every value has at most 15 characters and an exponent
below 10, where pandas' ``precise_xstrtod`` (an exact integer times or divided by an exact power
of ten) rounds once too; longer ones through ``pd.to_numeric`` (the same ``precise_xstrtod``).
``True``/``TRUE``/``true`` and ``False`` forms: ``bool`` (``object`` with NaN when some are
missing). Anything else, dates included: text (``object``, NaN missing), as leading-zero columns.

Falls back to pandas: cp1252, Latin-1, UTF-16 or any invalid UTF-8 byte; decimal comma; a row
pyarrow refuses (ragged, whitespace only); a header it splits unlike the sniff; a quote that may
be left open at the end (an odd number of quotes, no final line break, a line break in the last
row); non-finite or overflowing numbers; ``+5``-style or beyond-int64 integers (uint64 and
big-integer-as-text rules); a text column whose every value pandas might read as a number.

:func:`metrics._io_arrow_stream.csv_to_parquet` streams any size to Parquet with the same
typing (``STREAM_BLOCK`` bytes a batch). Private to metrics.io.
"""

from __future__ import annotations

import io
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from metrics import _io_scan as scan
from metrics import _io_text as text

FAST_MIN_BYTES = 4 << 20
STREAM_BLOCK = 16 << 20  # bytes per streamed batch
READ_BLOCK = 4 << 20  # bytes per block read_csv tokenises on one core
# pandas' default na_values (pandas._libs.parsers.STR_NA_VALUES; a test pins the equality).
NA_VALUES = (
    *("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN"),
    *("<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"),
)
_TRUE = ("True", "TRUE", "true")
_BOOLS = (*_TRUE, "False", "FALSE", "false")
_EXACT = 2**53
_SPACE = r"[ \t\n\v\f\r]*"
# Beyond what pandas reads as a number or boolean: a text column needs a value outside it.
_MAYBE_TYPED = (
    rf"(?i)^{_SPACE}[+-]?(\d[\d.]*|\.\d[\d.]*)(e[+-]?\d*)?{_SPACE}$"
    rf"|^{_SPACE}[+-]?(inf|infinity|nan){_SPACE}$|^{_SPACE}(true|false){_SPACE}$"
)


class _Fallback(Exception):
    """The fast path cannot show it equals pandas' answer."""


def _cast(col: Any, to: Any) -> Any:
    """``col`` cast to ``to``, or None when a value does not convert (the head tried first)."""
    try:
        pc.cast(col.slice(0, 4096), to)
        return pc.cast(col, to)
    except pa.ArrowInvalid:
        return None


def _has(
    col: Any, pattern: Any, regex: bool = False, negate: bool = False, member: bool = False
) -> bool:
    """Whether a value contains (``member``: is in) ``pattern``, or ``negate``: does not."""
    if isinstance(pattern, str) and len(pattern) == 1 and not (regex or negate or member):
        found = _byte_in(col, pattern.encode())
        if found is not None:
            return found
    for part in (col.slice(0, 4096), col):
        if member:
            found = pc.if_else(pc.is_valid(part), pc.is_in(part, value_set=pattern), None)
        else:
            found = (pc.match_substring_regex if regex else pc.match_substring)(part, pattern)
        if pc.any(pc.invert(found) if negate else found).as_py():
            return True
        if len(part) == len(col):
            break
    return False


def _byte_in(col: Any, byte: bytes) -> bool | None:
    """Whether ``byte`` occurs in the values: one ``memchr`` over each chunk's character data
    (a 1M-row column in well under 1 ms, where ``match_substring`` takes ~12 ms). None when a
    chunk's data holds bytes outside its values (missing slots that kept characters)."""
    chunks = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
    for chunk in chunks:
        if not pa.types.is_string(chunk.type):
            return None
        if chunk.null_count == len(chunk):
            continue
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)
        start, end = int(offsets[chunk.offset]), int(offsets[chunk.offset + len(chunk)])
        if end - start != (pc.sum(pc.binary_length(chunk)).as_py() or 0):
            return None
        data = chunk.buffers()[2]
        if end > start and memoryview(data)[start:end].tobytes().find(byte) >= 0:
            return True
    return False


class _Profile:
    """What one column's values allow, merged over batches (pandas infers over the whole file)."""

    def __init__(self, text_only: bool) -> None:
        self.text_only = text_only
        self.values = self.nulls = self.int_max = 0
        self.int_ok = self.float_ok = self.bool_ok = self.maybe_typed = True
        self.hex = self.nonfinite = self.fraction = self.long = self.long_int = False
        self.cast: Any = None  # the last batch converted by the chosen cast, for reuse

    def update(self, col: Any) -> None:
        self.cast, n = None, len(col) - col.null_count
        self.nulls, self.values = self.nulls + col.null_count, self.values + n
        if self.text_only or n == 0:
            return
        if self.int_ok:
            ints = _cast(col, pa.int64())
            if ints is None:
                self._lose_int()
            else:
                self.cast = ints
                hexa = _has(col, "x") or _has(col, "X")
                self.hex |= hexa
                self.maybe_typed &= not hexa
                bounds = pc.min_max(ints)
                self.int_max = max(self.int_max, abs(bounds["min"].as_py()), bounds["max"].as_py())
                self.bool_ok = False
                return
        if self.float_ok:
            floats = _cast(col, pa.float64())
            if floats is None:
                self.float_ok = False
            else:
                self.cast = floats
                self.bool_ok = False
                self.nonfinite |= not pc.all(pc.is_finite(floats)).as_py()
                self.fraction = self.fraction or any(_has(col, c) for c in ".eE")
                long = pc.max(pc.binary_length(col)).as_py() > 15
                if not long and (_has(col, "e") or _has(col, "E")):  # an exponent of 10+
                    long = _has(col, r"[eE][+-]?0*[1-9]\d", regex=True)
                if long:
                    self.long = True
                    # Only a whole number can be written as 16+ digits: look at those alone.
                    whole = pc.filter(col, pc.equal(floats, pc.floor(floats)))
                    self.long_int |= _has(whole, r"^[+-]?\d{16,}$", regex=True)
                return
        if self.bool_ok:
            self.bool_ok = not _has(col, pa.array(_BOOLS), negate=True, member=True)
            if self.bool_ok:
                return  # booleans match _MAYBE_TYPED: the check would change nothing
        if self.maybe_typed:
            self.maybe_typed = not _has(col, _MAYBE_TYPED, regex=True, negate=True)

    def _lose_int(self) -> None:
        """Earlier batches were all integers; what they mean for the decimal checks."""
        self.int_ok, self.float_ok = False, self.float_ok and not self.hex
        if self.int_max >= 10**14:  # may have had 15+ characters: pandas' own parse decides
            self.long = self.long_int = True

    def kind(self) -> str:
        """How pandas would type the column, or raise :class:`_Fallback`."""
        if self.text_only:
            return "text"
        if self.values == 0:
            return "null"
        if self.int_ok and not self.hex:
            if self.nulls and self.int_max > _EXACT:
                raise _Fallback
            return "int"
        if self.float_ok and not self.int_ok:
            if self.nonfinite or not self.fraction or self.long_int:
                raise _Fallback
            return "float_pandas" if self.long else "float"
        if self.bool_ok:
            return "bool"
        if self.maybe_typed:
            raise _Fallback
        return "text"


def _convert(col: Any, kind: str, nulls: bool, cast: Any = None) -> Any:
    """The type pandas gives (int with missing values: float64); ``cast``: the profile's cast."""
    if kind in ("int", "float"):
        cast = pc.cast(col, pa.int64() if kind == "int" else pa.float64()) if cast is None else cast
        return pc.cast(cast, pa.float64()) if kind == "int" and nulls else cast
    if kind in ("text", "null"):
        return col if kind == "text" else pa.nulls(len(col), pa.float64())
    if kind == "float_pandas" and col.null_count == len(col):
        return pa.nulls(len(col), pa.float64())
    if kind == "float_pandas":  # pandas' own parser on the column's text, a value a line
        lines = pc.binary_join_element_wise(pc.fill_null(col, ""), "", "\n")
        lines = lines.combine_chunks() if isinstance(lines, pa.ChunkedArray) else lines
        ends = np.frombuffer(lines.buffers()[1], dtype=np.int32)
        data = memoryview(lines.buffers()[2])[ends[lines.offset] : ends[lines.offset + len(lines)]]
        # Missing values are the empty lines: pyarrow already turned pandas' NA strings into them.
        kw = {"header": None, "names": ["v"], "dtype": np.float64, "skip_blank_lines": False,
              "na_values": [""], "keep_default_na": False}  # fmt: skip
        return pa.array(pd.read_csv(io.BytesIO(data), **kw)["v"].to_numpy(), from_pandas=True)
    return pc.if_else(pc.is_valid(col), pc.is_in(col, value_set=pa.array(_TRUE)), None)


def _to_numpy(arr: Any, kind: str) -> np.ndarray:
    """pandas' values: missing text and booleans are NaN in object arrays."""
    if kind == "text" and _repeats(arr):
        return _shared_text(arr)
    out = np.asarray(arr.to_numpy(zero_copy_only=False))
    if kind in ("text", "bool") and arr.null_count:
        out = out.astype(object)
        out[np.asarray(arr.is_null().to_numpy(zero_copy_only=False))] = np.nan
    return out


def _repeats(arr: Any, head: int = 20_000) -> bool:
    """Whether values repeat enough that sharing them pays for hashing every cell (not ids)."""
    part = arr.slice(0, head)
    return len(pc.unique(part)) <= len(part) // 2


def _shared_text(arr: Any) -> np.ndarray:
    """Text as pandas' parser boxes it: one ``str`` per distinct value, shared by its cells.

    A ``str`` caches its hash, so shared values make every later hash of the column (encoding,
    grouping, copies) cheap; one object per cell made encoding a 1M-row file 3x slower."""
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    coded = pc.dictionary_encode(arr)
    values = np.empty(len(coded.dictionary) + 1, dtype=object)
    values[:-1] = coded.dictionary.to_pylist()
    values[-1] = np.nan
    return values[pc.fill_null(coded.indices, len(values) - 1).to_numpy()]


def _options(sniff: text.Sniff, width: int, block: int, ascii: bool = False) -> dict[str, Any]:
    """Every column as text, the header as the first row, pandas' NA strings as missing.

    ``ascii``: the bytes are known to be ASCII, so pyarrow need not check them as UTF-8."""
    names = [f"f{i}" for i in range(width)]
    types, na = dict.fromkeys(names, pa.string()), list(NA_VALUES)
    parse = pacsv.ParseOptions(delimiter=sniff.delimiter, quote_char='"', newlines_in_values=True)
    return {
        "read_options": pacsv.ReadOptions(column_names=names, block_size=block),
        "parse_options": parse,
        "convert_options": pacsv.ConvertOptions(
            column_types=types, null_values=na, strings_can_be_null=True, check_utf8=not ascii
        ),
    }


def fast_path(src: Any, sniff: text.Sniff, stream: bool = False) -> bool:
    """Whether to try pyarrow on this file (``stream``: for Parquet, at any size)."""
    if not stream and src.size < FAST_MIN_BYTES:
        return False
    utf8 = sniff.encoding in ("utf-8", "utf-8-sig") and "\ufffd" not in "".join(sniff.header)
    return utf8 and sniff.decimal == "."


def _input(src: Any) -> Any:
    return pa.BufferReader(src.data) if src.data is not None else str(src.path)


def _closed(last: Any, facts: scan.ByteFacts | None) -> bool:
    """False when a quote may be open at the end (pandas refuses; pyarrow reads on): it would
    swallow the final line break into the last row (see the module docstring for the rest).
    ``facts``: the file's byte scan (None, for UTF-16, never reaches pyarrow: not shown closed)."""
    if facts is None:
        return False
    quotes, tail = facts.quotes, facts.last
    if not quotes:
        return True
    if quotes % 2 or tail not in (b"\n", b"\r") or last.num_rows == 0:
        return False
    row = last.slice(last.num_rows - 1).to_pylist()[0].values()
    return not any(isinstance(v, str) and ("\n" in v or "\r" in v) for v in row)


def _header_ok(batch: Any, header: list[str]) -> bool:
    row = [batch.column(i)[0].as_py() for i in range(batch.num_columns)] if batch.num_rows else []
    return bool(row) and all(
        v == h or (v is None and h in NA_VALUES) for v, h in zip(row, header, strict=True)
    )


def read_csv(
    src: Any, sniff: text.Sniff, names: list[str], facts: scan.ByteFacts | None
) -> pd.DataFrame | None:
    """The frame pandas would read (names as given, nothing dropped), or None to use pandas.

    ``facts``: what ``scan.check_nul`` found (quotes, last byte, ASCII), so the bytes are read
    once."""
    ascii = facts is not None and facts.ascii
    try:
        table = pacsv.read_csv(_input(src), **_options(sniff, len(names), READ_BLOCK, ascii))
    except (pa.ArrowException, OSError, ValueError):
        return None
    if not _header_ok(table, sniff.header) or not _closed(table, facts):
        return None
    # Each column's text is let go once typed, so its memory serves the next column's arrays.
    columns: list[Any] = table.slice(1).columns
    del table
    text_columns = set(sniff.text_columns)

    def typed(i: int) -> np.ndarray:
        col, columns[i] = columns[i], None
        profile = _Profile(i in text_columns)
        profile.update(col)
        kind = profile.kind()
        return _to_numpy(_convert(col, kind, bool(profile.nulls), profile.cast), kind)

    try:  # arrow's kernels release the GIL: columns in parallel
        with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
            arrays = list(pool.map(typed, range(len(names))))
    except (_Fallback, pa.ArrowException, ValueError):
        return None
    return pd.DataFrame(dict(zip(names, arrays, strict=True)), copy=False)  # a RangeIndex
