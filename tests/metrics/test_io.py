"""metrics.io.read_table: every input a user can bring, read right or refused with a usable message."""

from __future__ import annotations

import hashlib
import io as stdio
import json

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from metrics import io
from metrics.io import InputError, file_sha256, read_table

PREFIX = 1 << 20  # what io sniffs; some tests put a problem just past it


def _xlsx(rows: list[list[object]], extra_sheet: bool = False) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    for row in rows:
        sheet.append(row)
    if extra_sheet:
        book.create_sheet("Other").append(["ignored"])
    buf = stdio.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _parquet(table: pa.Table | pd.DataFrame, **kwargs: object) -> bytes:
    buf = stdio.BytesIO()
    if isinstance(table, pd.DataFrame):
        table.to_parquet(buf, **kwargs)
    else:
        pq.write_table(table, buf)
    return buf.getvalue()


def _error(data: bytes, name: str, **kwargs: object) -> str:
    with pytest.raises(InputError) as info:
        read_table(data, name, **kwargs)
    return str(info.value)


# --- Delimiters and encodings ------------------------------------------------------------------


def test_comma_csv_gets_pandas_types():
    frame = read_table(b"age,income,city,member\n34,1200.5,Paris,True\n51,,Lyon,False\n", "a.csv")
    assert list(frame.columns) == ["age", "income", "city", "member"]
    assert frame["age"].tolist() == [34, 51] and frame["age"].dtype == np.int64
    assert frame["income"].iloc[0] == 1200.5 and np.isnan(frame["income"].iloc[1])
    assert frame["city"].tolist() == ["Paris", "Lyon"]
    assert frame["member"].tolist() == [True, False]
    assert isinstance(frame.index, pd.RangeIndex)


@pytest.mark.parametrize(("sep", "name"), [(";", "a.csv"), ("\t", "a.tsv"), ("|", "a.txt")])
def test_delimiter_is_sniffed(sep, name):
    data = f"id{sep}label{sep}score\n1{sep}a, b{sep}0.5\n2{sep}c{sep}1.5\n".encode()
    frame = read_table(data, name)
    assert frame["label"].tolist() == ["a, b", "c"]
    assert frame["score"].tolist() == [0.5, 1.5]
    assert frame.attrs["synthlens_read"]["delimiter"] == sep


def test_cp1252_file_with_semicolons_and_decimal_commas_reads_silently():
    data = "nom;prix;ville\nCafé;1,5;Besançon\nThé;2,25;Nîmes\n€uro;3;Sète\n".encode("cp1252")
    frame = read_table(data, "prix.csv")
    assert frame["nom"].tolist() == ["Café", "Thé", "€uro"]
    assert frame["prix"].tolist() == [1.5, 2.25, 3.0]
    assert frame.attrs["synthlens_read"]["encoding"] == "cp1252"


def test_latin1_bytes_undefined_in_cp1252_still_read():
    # 0x81 has no cp1252 character; Latin-1 maps every byte.
    frame = read_table(b"a,b\n1,x\x81y\n2,\xe9\n", "l1.csv")
    assert frame["b"].tolist() == ["x\x81y", "é"]


def test_utf8_bom_does_not_reach_the_first_column_name():
    frame = read_table("\ufeffname,n\nÅsa,1\n".encode(), "bom.csv")
    assert list(frame.columns) == ["name", "n"] and frame["name"].iloc[0] == "Åsa"


def test_utf16_with_bom_as_excel_unicode_text_export():
    frame = read_table("name\tn\nZoë\t1\n".encode("utf-16"), "export.txt")
    assert frame.to_dict("list") == {"name": ["Zoë"], "n": [1]}


def test_non_utf8_byte_past_the_sniffed_prefix_falls_back_to_cp1252():
    data = b"a,b\n" + b"1,plain\n" * (PREFIX // 8 + 10) + b"2,caf\xe9\n"
    frame = read_table(data, "late.csv")
    assert frame["b"].iloc[-1] == "café" and len(frame) == PREFIX // 8 + 11


def test_utf8_file_with_one_stray_byte_keeps_its_utf8_text():
    data = "a,b\n1,Zürich\n".encode() + b"1,plain\n" * (PREFIX // 8 + 10) + b"2,caf\xe9\n"
    frame = read_table(data, "mostly_utf8.csv")
    assert frame["b"].iloc[0] == "Zürich"  # not the cp1252 mojibake "ZÃ¼rich"
    assert frame["b"].iloc[-1] == "caf\ufffd"


# --- Refusals with messages --------------------------------------------------------------------


def test_empty_file():
    assert _error(b"", "real.csv") == (
        "'real.csv' is empty (0 bytes). Choose the file that holds the table, or export it again."
    )


def test_file_of_blank_lines_is_empty():
    assert "'blank.csv' is empty: it holds only blank lines" in _error(b"\n \r\n\n", "blank.csv")


def test_header_only():
    message = _error(b"age,city,joined\n", "real.csv")
    assert "'real.csv' has a header row (3 columns: age, city, joined) but no data rows" in message


@pytest.mark.parametrize(
    "data",
    [b"\x00\x01\x02garbage\xff\xfe" * 50, np.random.default_rng(0).bytes(4096)],
    ids=["nul-bytes", "random"],
)
def test_binary_garbage_named_csv(data):
    message = _error(data, "real.csv")
    assert message.startswith("'real.csv' is not a text table")
    assert "Choose the right file" in message


def test_parquet_named_csv_says_what_it_is():
    data = _parquet(pd.DataFrame({"a": [1, 2]}))
    assert "(it looks like a Parquet file (.parquet))" in _error(data, "real.csv")


def test_row_with_too_many_fields_names_the_line_and_counts():
    message = _error(b"a,b,c\n1,2,3\n4,5,6,7\n8,9,10\n", "r.csv")
    assert message.startswith("'r.csv', line 3: expected 3 fields (as many as the header has)")
    assert "but found 4, separated by commas" in message


def test_row_with_too_few_fields():
    assert "line 3: expected 3 fields" in _error(b"a,b,c\n1,2,3\n4,5\n", "r.csv")
    assert "but found 2" in _error(b"a,b,c\n1,2,3\n4,5\n", "r.csv")


def test_first_row_one_field_longer_is_ragged_not_an_index():
    # pandas alone would silently make column "a" the index here.
    assert "line 2: expected 2 fields" in _error(b"a,b\n1,2,3\n4,5,6\n", "r.csv")


def test_ragged_row_past_the_sniffed_prefix_still_found():
    rows = PREFIX // 6 + 100
    data = b"a,b\n" + b"11,22\n" * rows + b"1,2,3\n"
    message = _error(data, "big.csv")
    assert f"line {rows + 2}: expected 2 fields" in message and "found 3" in message


def test_ragged_semicolon_file_names_the_semicolon():
    assert "separated by semicolons" in _error(b"a;b\n1;2\n3;4;5\n", "r.csv")


def test_unclosed_quote_names_its_line():
    message = _error(b'a,b\n1,2\n3,4\n5,"6\n7,8\n', "q.csv")
    assert "a double quote opened on line 4 is never closed" in message


def test_duplicate_column_names_are_named():
    message = _error(b"id,age,city,age\n1,2,x,3\n", "d.csv")
    assert (
        "'d.csv' has two columns named 'age' in the header row: columns 2 (B) and 4 (D)" in message
    )
    assert "Rename one of them" in message


def test_names_equal_after_stripping_are_duplicates():
    message = _error(b"age, age \n1,2\n", "d.csv")
    assert "two columns named 'age' (ignoring spaces around them)" in message


def test_blank_column_name_with_values_gives_its_position():
    message = _error(b"a,,c\n1,2,3\n", "b.csv")
    assert message.startswith("'b.csv': column 2 (B) has values but no name in the header row")


def test_trailing_delimiter_column_without_name_or_values_is_dropped():
    frame = read_table(b"a,b,\n1,2,\n3,4,\n", "t.csv")
    assert list(frame.columns) == ["a", "b"]
    assert frame.attrs["synthlens_read"]["dropped_unnamed_empty_columns"] == [3]


def test_file_over_the_limit_gives_size_limit_and_what_to_do(tmp_path):
    data = b"a,b\n" + b"1,2\n" * 300_000  # 1.1 MB
    message = _error(data, "big.csv", max_bytes=2**20)
    assert "'big.csv' is 1.1 MB, over the 1.0 MB limit for one file" in message
    assert "Load a sample of its rows" in message
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    with pytest.raises(InputError, match="is 1.1 MB, over the 1.0 MB limit"):
        read_table(path, max_bytes=2**20)
    assert io.DEFAULT_MAX_BYTES == 500 * 2**20


# --- Shapes and content that must read ---------------------------------------------------------


def test_entirely_empty_named_column_is_kept_as_nan():
    frame = read_table(b"a,empty,c\n1,,x\n2,,y\n", "e.csv")
    assert list(frame.columns) == ["a", "empty", "c"] and frame["empty"].isna().all()


def test_single_data_row():
    frame = read_table(b"a,b\n1,x\n", "one.csv")
    assert frame.shape == (1, 2) and frame.iloc[0].tolist() == [1, "x"]


def test_two_thousand_columns():
    header = ",".join(f"c{i}" for i in range(2000))
    rows = "\n".join(",".join(str(r * 2000 + i) for i in range(2000)) for r in range(3))
    frame = read_table(f"{header}\n{rows}\n".encode(), "wide.csv")
    assert frame.shape == (3, 2000)
    assert frame.columns[-1] == "c1999" and frame["c1999"].tolist() == [1999, 3999, 5999]


HOSTILE = ["<script>alert(1)</script>", "名前 \u00e9\u0301", '<b>bold</b> & "q"', "Ω≈ç√ 🙂"]


def test_non_ascii_and_html_in_names_and_values_survive_unchanged():
    frame = pd.DataFrame({name: [name, "x"] for name in HOSTILE})
    data = frame.to_csv(index=False).encode()
    assert read_table(data, "h.csv").equals(frame)
    assert read_table(frame.to_json(orient="records", lines=True).encode(), "h.jsonl").equals(frame)
    assert read_table(_parquet(frame), "h.parquet").equals(frame)
    assert read_table(_xlsx([HOSTILE, HOSTILE, ["x"] * 4]), "h.xlsx").equals(frame)


def test_column_names_are_stripped_strings():
    frame = read_table(b" age ,\tcity\n1,x\n", "s.csv")
    assert list(frame.columns) == ["age", "city"]


def test_leading_zero_codes_stay_text_other_numbers_stay_numbers():
    frame = read_table(b"zip,n,x\n02134,0,0.5\n75001,7,1\n", "z.csv")
    assert frame["zip"].tolist() == ["02134", "75001"]
    assert frame["n"].dtype == np.int64 and frame["x"].dtype == np.float64
    assert frame.attrs["synthlens_read"]["text_columns"] == ["zip"]


def test_column_typed_differently_across_parser_chunks_is_all_text():
    # pandas' low-memory parser sees ints in the first chunk and text later; one pass of
    # inference would make the whole column text, and so must we (not ints mixed with str).
    data = b"code,n\n" + b"".join(b"%d,1\n" % i for i in range(270_000)) + b"x1,5\n"
    frame = read_table(data, "mixed.csv")
    assert frame["code"].map(type).eq(str).all()
    assert frame["code"].iloc[[0, -1]].tolist() == ["0", "x1"]
    assert frame["n"].dtype == np.int64


# --- Parquet, Excel, JSON Lines ----------------------------------------------------------------


def test_parquet_keeps_types_and_a_named_index_but_not_row_labels():
    frame = pd.DataFrame({"x": [1.5, None], "d": pd.to_datetime(["2020-01-01", "2021-06-30"])})
    out = read_table(_parquet(frame.set_axis([7, 9])), "p.parquet")
    assert list(out.columns) == ["x", "d"] and isinstance(out.index, pd.RangeIndex)
    assert out["d"].dtype.kind == "M" and np.isnan(out["x"].iloc[1])
    named = frame.set_axis(pd.Index(["p1", "p2"], name="patient"))
    out = read_table(_parquet(named), "p.parquet")
    assert list(out.columns) == ["patient", "x", "d"] and out["patient"].tolist() == ["p1", "p2"]


def test_parquet_with_repeated_names_is_refused():
    table = pa.table([pa.array([1]), pa.array([2])], names=["a", "a"])
    assert "two columns named 'a' in the Parquet schema: columns 1 and 2" in _error(
        _parquet(table), "p.parquet"
    )


def test_parquet_list_column_becomes_json_text():
    table = pa.table({"tags": pa.array([[1, 2], []]), "n": pa.array([1, 2])})
    assert read_table(_parquet(table), "p.parquet")["tags"].tolist() == ["[1, 2]", "[]"]


def test_xlsx_reads_first_sheet_with_excel_types():
    data = _xlsx([["code", "n", 2020], ["007", 1, 2.5], ["010", 2, 3.0]], extra_sheet=True)
    frame = read_table(data, "book.xlsx")
    assert list(frame.columns) == ["code", "n", "2020"]
    assert frame["code"].tolist() == ["007", "010"]  # text cells stay text
    assert frame["n"].dtype == np.int64 and frame["2020"].tolist() == [2.5, 3.0]
    assert frame.attrs["synthlens_read"]["sheet"] == "Data"


def test_xlsx_blank_and_repeated_header_cells():
    assert "column 2 (B) has values but no name in the first row of sheet 'Data'" in _error(
        _xlsx([["a", None], [1, 2]]), "b.xlsx"
    )
    assert "two columns named 'a' in the first row of sheet 'Data': columns 1 (A) and 3 (C)" in (
        _error(_xlsx([["a", "b", "a"], [1, 2, 3]]), "b.xlsx")
    )


def test_xlsx_with_empty_first_sheet():
    assert "The first sheet ('Data') of 'e.xlsx' is empty" in _error(_xlsx([]), "e.xlsx")


def test_jsonl_keeps_json_types_and_joins_keys():
    data = b'{"code": "007", "n": 1}\n\n{"code": "010", "n": 2.5, "extra": true}\n'
    frame = read_table(data, "r.jsonl")
    assert frame["code"].tolist() == ["007", "010"]
    assert frame["n"].tolist() == [1.0, 2.5]
    assert frame["extra"].iloc[1] is True or frame["extra"].iloc[1] == 1


def test_jsonl_bad_line_is_named():
    message = _error(b'{"a": 1}\n{"a": 2,}\n', "r.ndjson")
    assert message.startswith("'r.ndjson', line 2 is not valid JSON (Expecting property name")


def test_jsonl_bad_line_past_the_checked_prefix_is_named():
    rows = PREFIX // 9 + 50
    message = _error(b'{"a": 1}\n' * rows + b"{oops\n", "r.jsonl")
    assert message.startswith(f"'r.jsonl', line {rows + 1} is not valid JSON")


def test_jsonl_line_that_is_not_an_object():
    assert "line 2 holds a JSON array, not an object" in _error(b'{"a": 1}\n[1, 2]\n', "r.jsonl")


@pytest.mark.parametrize("name", ["bad.parquet", "bad.xlsx", "bad.jsonl"])
def test_malformed_binary_and_json_files_give_input_error(name):
    message = _error(b"PK\x03\x04 this is not what the name says \x00\x01", name)
    assert message.startswith(f"Could not read '{name}'") or f"'{name}', line 1" in message


def test_parquet_that_is_really_csv_says_so():
    message = _error(b"a,b\n1,2\n", "data.parquet")
    assert message.startswith("Could not read 'data.parquet' as Parquet:")
    assert "content looks like text (for example CSV or JSON)" in message


# --- Names, paths, sniffing, hashing -----------------------------------------------------------


@pytest.mark.parametrize("name", [None, "upload.dat"])
def test_unknown_extension_is_sniffed(name):
    assert read_table(b"a;b\n1;2\n", name).to_dict("list") == {"a": [1], "b": [2]}
    assert read_table(_parquet(pd.DataFrame({"a": [1]})), name)["a"].tolist() == [1]
    assert read_table(_xlsx([["a"], [1]]), name)["a"].tolist() == [1]
    assert read_table(b'[{"a": 1}, {"a": 2}]', name)["a"].tolist() == [1, 2]


def test_unknown_binary_lists_the_supported_formats():
    message = _error(b"%PDF-1.7\x00\x01\x02", "report.pdf")
    assert (
        "'report.pdf' is not a table SynthLens can read (it looks like a PDF document)" in message
    )
    assert ", ".join(io.SUPPORTED) in message


def test_old_excel_format_is_explained():
    assert "save it as .xlsx" in _error(b"\xd0\xcf\x11\xe0 old", "old.xls")


def test_path_reads_like_bytes_and_is_named_in_messages(tmp_path):
    path = tmp_path / "real.csv"
    path.write_bytes(b"a,b\n1,2\n")
    assert read_table(path).equals(read_table(str(path))) and read_table(path).shape == (1, 2)
    (tmp_path / "h.csv").write_bytes(b"a,b\n")
    with pytest.raises(InputError, match=r"h\.csv' has a header row"):
        read_table(tmp_path / "h.csv")
    with pytest.raises(InputError, match="does not exist"):
        read_table(tmp_path / "missing.csv")
    with pytest.raises(InputError, match="is a folder, not a file"):
        read_table(tmp_path)


def test_file_sha256_streams_paths_and_matches_bytes(tmp_path):
    data = b"a,b\n" + b"1,2\n" * 600_000  # more than one 1 MB chunk
    path = tmp_path / "x.csv"
    path.write_bytes(data)
    expected = hashlib.sha256(data).hexdigest()
    assert file_sha256(data) == file_sha256(path) == file_sha256(str(path)) == expected


def test_attrs_record_how_the_file_was_read():
    info = read_table(b"a;b\n1;2\n", "a.csv").attrs["synthlens_read"]
    assert json.loads(json.dumps(info)) == info  # plain data, safe to show or cache
    assert info["format"] == "csv" and info["encoding"] == "utf-8" and info["delimiter"] == ";"


def test_freed_memory_is_kept_for_the_next_table_on_linux():
    # Faulting pages back in cost a third of a 1M-row report's CPU on this VM (bench/RESULTS.md).
    import sys

    import pyarrow as pa

    from metrics._memory import retain_freed_memory

    took = retain_freed_memory()
    assert pa.default_memory_pool().backend_name == "system"
    assert took == sys.platform.startswith("linux")
    assert read_table(b"a,b\n1,x\n", "t.csv").shape == (1, 2)
