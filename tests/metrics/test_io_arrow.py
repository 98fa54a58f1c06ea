"""metrics._io_arrow: pyarrow's reader gives read_table's pandas answer exactly, or steps aside."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas._libs.parsers import STR_NA_VALUES

from metrics import _io_arrow as arrow
from metrics.io import InputError, csv_to_parquet, read_table
from tests.bad_inputs import BAD_FILES


def _rows(n: int, line: str) -> str:
    return "".join(line.format(i=i, m=i % 7, z=i % 3) for i in range(n))


def _mixed(n: int = 3000) -> str:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "id": np.arange(n),
            "income": np.where(rng.random(n) < 0.1, np.nan, rng.lognormal(10, 1, n).round(2)),
            "precise": rng.normal(0, 1e5, n),  # 17-digit reprs: pandas' own parse
            "tiny": rng.random(n) / 1e5,  # exponents: 1.2e-06
            "city": rng.choice(["Paris", "Lyon", "", "NA", "Nîmes"], n),
            "member": rng.choice(["True", "False", ""], n),
            "flag": rng.choice(["true", "FALSE"], n),
            "signup": rng.choice(["2020-01-31", "2021-12-01 10:00:00", ""], n),
            "zip": [f"{v:05d}" for v in rng.integers(0, 99999, n)],
            "count": np.where(rng.random(n) < 0.05, "", rng.integers(0, 9, n).astype(str)),
            "empty": "",
        }
    )
    return frame.to_csv(index=False)


def _wide_late(late: str, n: int = 40_000) -> str:
    """16 columns, so pandas parses in chunks of 32,768 rows and ``late`` lands in the second."""
    row = ",".join(["{i}", *["{m}"] * 15]) + "\n"
    return ",".join(f"c{j}" for j in range(16)) + "\n" + _rows(n, row) + late + ",0" * 15 + "\n"


# name -> (text, whether pyarrow must have read it: False means pandas must have)
CORPUS: dict[str, tuple[str, bool]] = {
    "mixed.csv": (_mixed(), True),
    "na_strings.csv": (
        "a,b,c\n" + "".join(f"{v},x{i},{i}\n" for i, v in enumerate(sorted(STR_NA_VALUES))) + "1,,",
        True,
    ),
    "quoted.csv": ('id,text,n\n1,"a, b",2\n2,"say ""hi""",3\n3,"two\nlines",4\n4,"",5\n', True),
    "bom.csv": ("\ufeffname,value\nÉlodie,1.5\nZoë,2.25\n", True),
    "semicolon.csv": ("a;b;c\n1;x;0.5\n2;y;1.5\n", True),
    "tab.tsv": ("a\tb\n1\tp q\n2\tr\n", True),
    "pipe.txt": ("a|b\n1|x\n2|y\n", True),
    "crlf.csv": ("a,b\r\n1,x\r\n2,y\r\n", True),
    "cr_only.csv": ("a,b\r1,x\r2,y\r", True),
    "blank_lines.csv": ("a,b\n1,x\n\n2,y\n\n", True),
    "trailing_delimiter.csv": ("a,b,\n1,x,\n2,y,\n", True),
    "spaced_names.csv": (" a ,b \n1,2\n", True),
    "hex.csv": ("a,b\n0x10,1\n5,2\n", True),
    "int64_edges.csv": ("a,b\n9223372036854775807,1\n-9223372036854775808,2\n", True),
    "big_int_missing_small.csv": ("a,b\n9007199254740992,1\n,2\n", True),
    "late_text.csv": (_wide_late("oops"), True),
    "late_float.csv": (_wide_late("2.5"), True),
    "late_missing.csv": (_wide_late(""), True),
    "late_bool.csv": (_wide_late("True"), False),
    "bool_then_missing.csv": ("a,b\n" + _rows(40_000, "True,{m}\n") + ",1\n", True),
    "long_floats_late.csv": ("a,b\n" + ",x\n" * 30_000 + "0.12345678901234567,y\n", True),
    "odd_floats.csv": ("a\n1.\n5.e3\n-.5\n+.5e-3\n1E5\n00.5\n.5E+1\n001e3\n0.\n", True),
    "odd_text.csv": ("a\n0b1\n1_0\n1.5f\n1e5e5\n-\n0x1p3\n5\n", True),
    "numbers_padded.csv": ("a,b\n 5,x\n6 ,y\n", False),
    "plus_signed.csv": ("a,b\n+5,x\n6,y\n", False),
    "nan_word.csv": ("a,b\nNAN,x\n1.5,y\n", False),
    "infinity.csv": ("a,b\ninf,x\n1.5,y\n", False),
    "overflow.csv": ("a,b\n1e400,x\n1.5,y\n", False),
    "uint64.csv": ("a,b\n18446744073709551615,x\n1,y\n", False),
    "huge_int.csv": ("a,b\n123456789012345678901234567,x\n1,y\n", False),
    "big_int_missing.csv": ("a,b\n9007199254740993,1\n,2\n", False),
    "bool_and_int.csv": ("a,b\nTrue,x\n1,y\n", False),
    "quoted_no_final_newline.csv": ('a,b\n1,"x"', False),
    "decimal_comma.csv": ("a;b\n1,5;x\n2,25;y\n", False),
    "na_header.csv": ("NA,b\n1,x\n", True),
    "bare_quote.csv": ('a,b\nx"y"z,1\n"q"r,2\n', True),
}


def _both(data: bytes, name: str, monkeypatch: pytest.MonkeyPatch) -> tuple[pd.DataFrame, ...]:
    monkeypatch.setattr(arrow, "FAST_MIN_BYTES", 0)
    fast = read_table(data, name)
    monkeypatch.setattr(arrow, "FAST_MIN_BYTES", 1 << 60)
    slow = read_table(data, name)
    return fast, slow


def _same(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    info_fast, info_slow = dict(fast.attrs["synthlens_read"]), dict(slow.attrs["synthlens_read"])
    assert info_slow.pop("reader") == "pandas"
    info_fast.pop("reader")
    assert info_fast == info_slow


@pytest.mark.parametrize("name", CORPUS)
def test_fast_path_gives_pandas_frame_or_steps_aside(name, monkeypatch):
    content, fast_expected = CORPUS[name]
    fast, slow = _both(content.encode(), name, monkeypatch)
    _same(fast, slow)
    assert fast.attrs["synthlens_read"]["reader"] == ("pyarrow" if fast_expected else "pandas")


def test_cp1252_and_invalid_utf8_fall_back(monkeypatch):
    for data in ("a,b\nCafé,1\n".encode("cp1252"), b"a,b\n" + "é,1\n".encode() * 50 + b"\xff,2\n"):
        fast, slow = _both(data, "x.csv", monkeypatch)
        _same(fast, slow)
        assert fast.attrs["synthlens_read"]["reader"] == "pandas"


def test_float_values_match_pandas_bit_for_bit(monkeypatch):
    rng = np.random.default_rng(7)
    values = [repr(float(v)) for v in rng.normal(0, 1e3, 4000)]
    values += [
        f"{v:.{d}f}" for v, d in zip(rng.random(4000) * 1e6, rng.integers(0, 9, 4000), strict=False)
    ]
    values += [f"{v:.3e}" for v in rng.random(2000) * 10.0 ** rng.integers(-30, 30, 2000)]
    fast, slow = _both(("x\n" + "\n".join(values) + "\n").encode(), "f.csv", monkeypatch)
    assert fast.attrs["synthlens_read"]["reader"] == "pyarrow"
    assert (fast["x"].to_numpy().view(np.int64) == slow["x"].to_numpy().view(np.int64)).all()


def test_equal_text_cells_share_one_object_across_blocks(monkeypatch):
    # As pandas' parser boxes them: a str caches its hash, so encoding and grouping a column hash
    # each distinct value once (one object per cell made encoding 1M rows 3x slower).
    monkeypatch.setattr(arrow, "READ_BLOCK", 4 << 10)
    data = ("city,n\n" + _rows(5000, "c{m},{i}\n") + ",1\n").encode()
    fast, slow = _both(data, "cities.csv", monkeypatch)
    _same(fast, slow)
    assert fast.attrs["synthlens_read"]["reader"] == "pyarrow"
    cells = fast["city"].to_numpy()
    assert len({id(v) for v in cells[:-1]}) == 7 and np.isnan(cells[-1])


def test_na_strings_are_pandas_defaults():
    assert set(arrow.NA_VALUES) == set(STR_NA_VALUES)


@pytest.mark.parametrize("name", [n for n in BAD_FILES if n.endswith(".csv")])
def test_refusals_are_unchanged_with_the_fast_path(name, monkeypatch):
    monkeypatch.setattr(arrow, "FAST_MIN_BYTES", 0)
    data, words = BAD_FILES[name]
    with pytest.raises(InputError) as info:
        read_table(data, name)
    assert name in str(info.value) and words in str(info.value)


UNCLOSED = {
    "even.csv": b'a,b\nx"y,1\n1,"open\n',
    "no_newline.csv": b'a,b\nx"y,1\n1,"open',
    "swallows.csv": b'a,b\n1,"open\n2,3\n',
}


@pytest.mark.parametrize("name", UNCLOSED)
def test_unclosed_quote_is_refused_as_pandas_does(name, monkeypatch, tmp_path):
    monkeypatch.setattr(arrow, "FAST_MIN_BYTES", 0)
    with pytest.raises(InputError, match="never closed"):
        read_table(UNCLOSED[name], name)
    (tmp_path / name).write_bytes(UNCLOSED[name])
    with pytest.raises(InputError, match="never closed"):
        csv_to_parquet(tmp_path / name, tmp_path / "out.parquet")


# --- csv_to_parquet -----------------------------------------------------------------------------


def _round_trip(tmp_path, name: str, data: bytes) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    path = tmp_path / name
    path.write_bytes(data)
    info = csv_to_parquet(path, tmp_path / "out.parquet")
    back = read_table(tmp_path / "out.parquet")
    want = read_table(path)
    return info, back, want


def _equal_read_back(back: pd.DataFrame, want: pd.DataFrame) -> None:
    # Parquet's missing text reads back as None where CSV gives NaN; both are missing.
    pd.testing.assert_frame_equal(back, want, check_exact=True)


@pytest.mark.parametrize("name", CORPUS)
def test_csv_to_parquet_reads_back_as_read_table(name, tmp_path, monkeypatch):
    monkeypatch.setattr(arrow, "STREAM_BLOCK", 64 << 10)  # several batches
    content, fast_expected = CORPUS[name]
    info, back, want = _round_trip(tmp_path, name, content.encode())
    _equal_read_back(back, want)
    assert info["rows"] == len(want) and info["columns"] == want.shape[1]
    if fast_expected:
        assert info["reader"] == "pyarrow, streamed"
    assert not (tmp_path / "out.parquet.partial").exists()


@pytest.mark.parametrize(
    ("late", "dtype"), [("oops", object), ("2.5", np.float64), ("", np.float64), ("7", np.int64)]
)
def test_late_type_change_in_a_later_batch_is_typed_over_the_whole_file(
    late, dtype, tmp_path, monkeypatch
):
    monkeypatch.setattr(arrow, "STREAM_BLOCK", 16 << 10)
    data = ("a,b\n" + _rows(20_000, "{i},{m}\n") + f"{late},1\n").encode()
    info, back, want = _round_trip(tmp_path, "late.csv", data)
    assert info["reader"] == "pyarrow, streamed"
    assert back["a"].dtype == dtype
    _equal_read_back(back, want)


def test_csv_to_parquet_refuses_bad_rows_naming_the_line(tmp_path, monkeypatch):
    monkeypatch.setattr(arrow, "STREAM_BLOCK", 16 << 10)
    body = _rows(20_000, "{i},{m}\n")
    for tail, words in (
        ("1,2,3\n", "line 20002: expected 2 fields"),
        ("1,\x002\n", "line 20002 holds a NUL"),
    ):
        path = tmp_path / "bad.csv"
        path.write_bytes(("a,b\n" + body + tail).encode())
        with pytest.raises(InputError, match=words):
            csv_to_parquet(path, tmp_path / "out.parquet")
        assert not (tmp_path / "out.parquet").exists()


def test_csv_to_parquet_falls_back_whole_for_cp1252(tmp_path):
    path = tmp_path / "prix.csv"
    path.write_bytes("nom;prix\nCafé;1,5\nThé;2\n".encode("cp1252"))
    info = csv_to_parquet(path, tmp_path / "out.parquet")
    assert info["reader"] == "pandas, whole file" and info["encoding"] == "cp1252"
    _equal_read_back(read_table(tmp_path / "out.parquet"), read_table(path))


def test_csv_to_parquet_keeps_the_column_limit(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(30)) + "\n" + ",".join("1" * 30) + "\n")
    with pytest.raises(InputError, match="30 columns"):
        csv_to_parquet(path, tmp_path / "out.parquet", max_columns=10)
