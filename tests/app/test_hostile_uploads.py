"""Issue 10 in the browser's uploader (AppTest on the real app.py): hostile files are read
right or refused with a message, never an error box from a crash."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.parquet as pq

from tests.app.conftest import no_exceptions, schema_table, texts

N = 60
DAYS = [f"2021-03-{1 + i % 28:02d}" for i in range(N)]


def _csv(header: str, rows: list[str]) -> bytes:
    return (header + "\n" + "\n".join(rows) + "\n").encode()


def _upload(app, files: dict[int, tuple[str, bytes]]):
    for index, (name, data) in files.items():
        app.get("file_uploader")[index].set_value((name, data, "application/octet-stream"))
        app.run()
    no_exceptions(app)
    return app


def _no_error_boxes(app) -> None:
    no_exceptions(app)
    assert not app.error, [e.value for e in app.error]


def test_mixed_utc_offsets_are_a_datetime_and_assessed(app):
    real = _csv("t,n", [f"{d}T10:00:00+0{i % 3}:00,{i % 7}" for i, d in enumerate(DAYS)])
    synthetic = _csv("t,n", [f"{d}T08:00:00Z,{i % 5}" for i, d in enumerate(DAYS)])
    _upload(app, {0: ("real.csv", real), 1: ("synth.csv", synthetic)})
    _no_error_boxes(app)
    app.switch_page("pages/schema.py").run()
    table = schema_table(app)
    assert dict(zip(table["Column"], table["Kind"], strict=True))["t"] == "datetime"
    app.switch_page("pages/overview.py").run()
    _no_error_boxes(app)


def test_parquet_with_non_utf8_bytes_is_read_as_text(app):
    buf = io.BytesIO()
    values = [b"\xff\xfe" + bytes([65 + i % 4]) for i in range(N)]
    pq.write_table(pa.table({"code": pa.array(values, pa.binary()), "n": list(range(N))}), buf)
    _upload(app, {0: ("real.parquet", buf.getvalue()), 1: ("synth.parquet", buf.getvalue())})
    _no_error_boxes(app)
    assert f"{N} rows x 2 columns" in texts(app)
    app.switch_page("pages/schema.py").run()
    _no_error_boxes(app)


def test_holdout_lacking_a_compared_column_is_named_on_the_data_page(app):
    rows = [f"{i},{['a', 'b'][i % 2]}" for i in range(N)]
    files = {
        0: ("real.csv", _csv("n,kind", rows)),
        1: ("synth.csv", _csv("n,kind", rows)),
        2: ("hold.csv", _csv("n", [str(i) for i in range(10)])),
    }
    _upload(app, files)
    shown = "\n".join(str(el.value) for el in [*app.error, *app.warning])
    assert "holdout" in shown.lower() and "kind" in shown, shown
    app.switch_page("pages/overview.py").run()
    _no_error_boxes(app)  # the assessment runs without the holdout rather than crashing


def test_column_limit_from_the_environment_refuses_the_upload(app, monkeypatch):
    monkeypatch.setenv("SYNTHLENS_MAX_COLUMNS", "2")
    _upload(app, {0: ("wide.csv", _csv("a,b,c", ["1,2,3"]))})
    message = "\n".join(e.value for e in app.error).replace("\\", "")  # shown escaped
    assert "wide.csv" in message and "over the limit of 2 columns" in message


def test_a_stray_byte_is_read_as_utf8_and_the_page_says_where(app):
    data = ("a,b\n" + "".join(f"{i},caf\u00e9\n" for i in range(50))).encode() + b"99,bad\xff\n"
    _upload(app, {0: ("stray.csv", data)})
    warning = "\n".join(w.value for w in app.warning).replace("\\", "")
    assert "not valid text" in warning and "line 52" in warning, warning
