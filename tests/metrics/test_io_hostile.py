"""Issue 10, the input side: hostile or damaged files are read right or refused, never misread."""

from __future__ import annotations

import io as stdio
import time
import warnings
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from metrics import encode, schema
from metrics.io import InputError, read_table
from metrics.schema import Kind
from tests.bad_inputs import zip_claiming

PREFIX = 1 << 20
N = 40


def _error(data: bytes, name: str, **kwargs: object) -> str:
    with pytest.raises(InputError) as info:
        read_table(data, name, **kwargs)
    return str(info.value)


def _csv(column: list[str], name: str = "t") -> bytes:
    return (f"{name},x\n" + "".join(f"{v},{i % 3}\n" for i, v in enumerate(column))).encode()


def _parquet(**columns: pa.Array) -> bytes:
    buf = stdio.BytesIO()
    pq.write_table(pa.table(columns), buf)
    return buf.getvalue()


def _xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buf = stdio.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _pair(real: bytes, synthetic: bytes, name: str = "x.csv"):
    r, s = read_table(real, "r" + name), read_table(synthetic, "s" + name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pandas' mixed-offset FutureWarning included
        sc = schema.infer(r, s)
        return sc, encode.encode(r, s, sc)


DAYS = [f"2021-03-{1 + i % 28:02d}" for i in range(N)]
UTC_NS = pd.to_datetime([f"{d}T10:00:00" for d in DAYS]).asi8.astype(float)


# --- 1. Datetimes with offsets and zones -------------------------------------------------------


def test_mixed_utc_offsets_are_compared_in_utc():
    mixed = [f"{d}T{10 + i % 3}:00:00+0{i % 3}:00" for i, d in enumerate(DAYS)]  # all 10:00 UTC
    naive = [f"{d}T10:00:00" for d in DAYS]
    sc, enc = _pair(_csv(mixed), _csv(naive))
    assert sc.kind_of("t") is Kind.DATETIME
    assert np.array_equal(enc.real.numeric["t"], UTC_NS)
    assert np.array_equal(enc.synthetic.numeric["t"], UTC_NS)  # naive side taken as UTC
    assert enc.real.unparsed["t"] == enc.synthetic.unparsed["t"] == 0


def test_aware_side_against_naive_side_and_back():
    aware = [f"{d}T12:00:00+02:00" for d in DAYS]
    naive = [f"{d}T10:00:00" for d in DAYS]
    for real, synthetic in ((aware, naive), (naive, aware)):
        _, enc = _pair(_csv(real), _csv(synthetic))
        assert np.array_equal(enc.real.numeric["t"], enc.synthetic.numeric["t"])


@pytest.mark.parametrize("every", [2, 10], ids=["half", "one-in-ten"])
def test_column_mixing_aware_and_naive_values_is_a_datetime(every):
    values = [f"{d}T10:00:00" + ("+00:00" if i % every == 0 else "") for i, d in enumerate(DAYS)]
    sc, enc = _pair(_csv(values), _csv(values))
    assert sc.kind_of("t") is Kind.DATETIME
    assert np.array_equal(enc.real.numeric["t"], UTC_NS)


def test_parquet_timestamps_with_zones_compare_in_utc():
    stamps = pd.to_datetime([f"{d}T10:00:00" for d in DAYS])
    paris = _parquet(t=pa.array(stamps.tz_localize("UTC").tz_convert("Europe/Paris")))
    naive = _parquet(t=pa.array(stamps))
    _, enc = _pair(paris, naive, ".parquet")
    assert np.array_equal(enc.real.numeric["t"], enc.synthetic.numeric["t"])


def test_microsecond_timestamps_beyond_2262_do_not_wrap_around():
    stamps = np.array(["2500-01-01", "2021-01-01", "1500-01-01", "NaT"], dtype="datetime64[us]")
    values = encode.to_float(pd.Series(stamps), Kind.DATETIME)
    assert values[0] > values[1] > values[2] and np.isnan(values[3])
    assert values[1] == pd.Timestamp("2021-01-01").value


# --- 2. Binary Parquet columns ----------------------------------------------------------------


def test_parquet_binary_with_invalid_utf8_reads_as_text():
    data = _parquet(
        raw=pa.array([b"\xff\xfe" + bytes([65 + i % 5]) for i in range(N)], pa.binary()),
        big=pa.array([b"caf\xe9"] * N, pa.large_binary()),
        ok=pa.array([f"v{i % 3}".encode() for i in range(N)], pa.binary()),
    )
    frame = read_table(data, "b.parquet")
    assert frame["raw"].iloc[0] == "\ufffd\ufffdA" and frame["big"].iloc[0] == "caf\ufffd"
    assert frame["ok"].iloc[1] == "v1"
    assert frame.attrs["synthlens_read"]["binary_columns_as_text"] == ["raw", "big", "ok"]
    sc = schema.infer(frame, frame)
    encode.encode(frame, frame, sc)
    assert sc.kind_of("ok") is Kind.CATEGORICAL


# --- 3. A holdout without a compared column ----------------------------------------------------


def test_holdout_missing_a_compared_column_is_named():
    real = pd.DataFrame({"a": range(30), "b": [i % 3 for i in range(30)]})
    sc = schema.infer(real, real)
    holdout = real.drop(columns=["b"])
    assert sc.missing_from(holdout.columns) == ["b"]
    with pytest.raises(encode.MissingColumnsError, match="lacks 1 compared column: 'b'"):
        encode.encode(real, real, sc, holdout)


# --- 4. Too many columns -----------------------------------------------------------------------


def test_huge_header_is_refused_fast_and_names_the_limit():
    data = ",".join(f"c{i}" for i in range(300_000)).encode() + b"\n"
    start = time.perf_counter()
    message = _error(data, "wide.csv")
    assert time.perf_counter() - start < 5  # pandas alone never finishes
    # The header runs past the first megabyte: the count there is a lower bound.
    assert (
        "has at least 1" in message
        and "columns in the header row, over the limit of 20,000" in message
    )
    assert "SYNTHLENS_MAX_COLUMNS" in message and "--max-columns" in message


def test_column_limit_from_the_environment_and_the_argument(monkeypatch):
    data = b"a,b,c\n1,2,3\n"
    monkeypatch.setenv("SYNTHLENS_MAX_COLUMNS", "2")
    assert "over the limit of 2 columns" in _error(data, "r.csv")
    assert read_table(data, "r.csv", max_columns=3).shape == (1, 3)
    monkeypatch.setenv("SYNTHLENS_MAX_COLUMNS", "many")
    assert "SYNTHLENS_MAX_COLUMNS is set to 'many'" in _error(data, "r.csv")


@pytest.mark.parametrize("name", ["w.parquet", "w.jsonl", "w.xlsx", "w.tsv", "w.json"])
def test_every_format_checks_the_width(name):
    frame = pd.DataFrame([range(6)], columns=[f"c{i}" for i in range(6)])
    if name.endswith(".parquet"):
        data = _parquet(**{c: pa.array(frame[c]) for c in frame})
    elif name.endswith(".xlsx"):
        data = _xlsx([list(frame.columns), list(frame.iloc[0])])
    elif name.endswith(".tsv"):
        data = frame.to_csv(sep="\t", index=False).encode()
    else:
        lines = name.endswith("jsonl")
        data = frame.to_json(orient="records", lines=lines).encode()
    assert "6 columns" in _error(data, name, max_columns=5)


# --- 5. Archives and Parquet that unpack to too much ------------------------------------------


def test_xlsx_whose_directory_claims_gigabytes_is_refused_unread():
    data = zip_claiming(_xlsx([["a"], [1]]), "xl/worksheets/sheet1.xml", 3 << 30)
    assert "unpacks to 3,072.0 MB, over the 500.0 MB limit" in _error(data, "bomb.xlsx")


def test_xlsx_with_a_highly_compressible_member_is_refused():
    buf = stdio.BytesIO()
    with zipfile.ZipFile(_xlsx_buffer := stdio.BytesIO(_xlsx([["a"], [1]]))) as src, \
            zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:  # fmt: skip
        for info in src.infolist():
            out.writestr(info.filename, src.read(info))
        out.writestr("xl/padding.xml", b" " * (4 << 20))  # 4 MB of spaces: a few KB packed
    assert _xlsx_buffer and len(buf.getvalue()) < 64_000
    assert "unpacks to" in _error(buf.getvalue(), "bomb.xlsx", max_bytes=2 << 20)


def test_parquet_declaring_more_data_than_the_limit_is_refused():
    buf = stdio.BytesIO()  # 1.6 MB of doubles that pack to a few KB
    pq.write_table(pa.table({"a": np.zeros(200_000)}), buf, use_dictionary=False)
    data = buf.getvalue()
    assert len(data) < 100_000
    assert "once decompressed, over the 1.0 MB limit" in _error(
        data, "z.parquet", max_bytes=1 << 20
    )


# --- 6. Problems past the sniffed first megabyte ----------------------------------------------


def _big_csv(row: bytes, quoted: bool = False) -> tuple[bytes, int]:
    city = b'"Paris, FR"' if quoted else b"Paris"
    rows = PREFIX // 12 + 1_000  # about 1.2 MB: the last rows come after the first megabyte
    body = b"".join(b"%d,%s,%d\n" % (i, city, i % 7) for i in range(rows))
    return b"id,city,n\n" + body + row + b"1,Lyon,2\n", rows + 2


@pytest.mark.parametrize("quoted", [False, True], ids=["plain", "quoted"])
def test_short_row_past_the_prefix_names_its_line(quoted):
    data, line = _big_csv(b"5,Nice\n", quoted)
    message = _error(data, "late.csv")
    assert f"line {line}: expected 3 fields" in message and "found 2" in message


@pytest.mark.parametrize("quoted", [False, True], ids=["plain", "quoted"])
def test_empty_last_values_are_not_short_rows(quoted):
    data, _ = _big_csv(b"5,Nice,\n", quoted)
    frame = read_table(data, "late.csv")
    assert frame["n"].isna().sum() == 1 and frame.shape[1] == 3


def test_nul_byte_past_the_prefix_names_its_line():
    data, line = _big_csv(b"5,Ni\x00ce,3\n")
    assert f"line {line} holds a NUL byte" in _error(data, "late.csv")


@pytest.mark.parametrize("late", [True, False], ids=["past-the-prefix", "in-the-prefix"])
def test_utf8_text_with_a_stray_byte_stays_utf8(late):
    letters = "5,Zürich,3\n6,Genève,4\n".encode()
    data, line = _big_csv(letters + b"7,caf\xe9,4\n")
    if not late:  # the same rows at the top, so the sniffed first megabyte sees them
        data = b"id,city,n\n" + letters + b"7,caf\xe9,4\n" + b"8,Nice,1\n"
        line = 2  # the first of the appended rows, as _big_csv counts
    frame = read_table(data, "late.csv")
    assert {"Zürich", "Genève", "caf\ufffd"} <= set(frame["city"])  # not "ZÃ¼rich"
    info = frame.attrs["synthlens_read"]
    assert info["encoding"] == "utf-8 (invalid bytes replaced)"
    assert info["first_replaced_byte_line"] == line + 2


def test_cp1252_file_is_still_cp1252_past_the_prefix():
    data, _ = _big_csv("5,Genève,3\n6,Besançon,4\n".encode("cp1252"))
    frame = read_table(data, "late.csv")
    assert {"Genève", "Besançon"} <= set(frame["city"])
    assert frame.attrs["synthlens_read"]["encoding"] == "cp1252"


# --- 11. Integers beyond int64 -----------------------------------------------------------------

IDS = [str(10**25 + i * 7919) for i in range(N)]


def _xlsx_with_raw_numbers(values: list[str]) -> bytes:
    """A workbook whose cells hold ``values`` as written (openpyxl would write floats)."""
    data = _xlsx([["acct", "x"]] + [[f"@{i}", i % 3] for i in range(len(values))])
    buf = stdio.BytesIO()
    with zipfile.ZipFile(stdio.BytesIO(data)) as src, zipfile.ZipFile(buf, "w") as out:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = body.decode()
                for i, v in enumerate(values):
                    text = text.replace(
                        f'<c r="A{i + 2}" t="inlineStr"><is><t>@{i}</t></is></c>',
                        f'<c r="A{i + 2}" t="n"><v>{v}</v></c>',
                    )
                body = text.encode()
            out.writestr(info, body)
    return buf.getvalue()


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "xlsx", "csv-uint64"])
def test_long_integer_ids_stay_exact_text_and_are_ids(fmt):
    ids = [str(2**63 + i * 7) for i in range(N)] if fmt == "csv-uint64" else IDS
    if fmt.startswith("csv"):
        data, name = _csv(ids, "acct"), "a.csv"
    elif fmt == "jsonl":
        data = "".join(f'{{"acct": {v}, "x": {i % 3}}}\n' for i, v in enumerate(ids)).encode()
        name = "a.jsonl"
    else:
        data, name = _xlsx_with_raw_numbers(ids), "a.xlsx"
    frame = read_table(data, name)
    assert list(frame["acct"]) == ids
    sc = schema.infer(frame, frame)
    assert sc.kind_of("acct") is Kind.ID
    assert list(encode.encode(frame, frame, sc).real.strings["acct"]) == ids


def test_infinities_are_unreadable_values_not_numbers():
    real = pd.DataFrame({"v": [1.0, 2.0, np.inf, -np.inf] * 10})
    sc = schema.infer(real, real)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        enc = encode.encode(real, real, sc)
    assert enc.real.unparsed["v"] == 20
    assert np.isnan(enc.real.numeric["v"][2]) and list(enc.real.unparsed_rows["v"][:2]) == [2, 3]
