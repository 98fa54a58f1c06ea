"""The Data and Schema pages as a user meets them (AppTest on the real app.py)."""

from __future__ import annotations

import pytest

from tests.app.conftest import no_exceptions, schema_table, texts
from tests.bad_inputs import BAD_FILES

REAL_CSV = b"age,city,joined,member\n34,Paris,2021-01-04,yes\n51,Lyon,2020-11-30,no\n" + b"".join(
    f"{20 + i % 40},{['Paris', 'Lyon', 'Nice'][i % 3]},2021-02-{1 + i % 27:02d},{['yes', 'no'][i % 2]}\n".encode()
    for i in range(60)
)
SYNTH_CSV = b"age,city,joined,member,extra\n" + b"".join(
    f"{25 + i % 30},{['Paris', 'Lyon'][i % 2]},2021-03-{1 + i % 27:02d},{['yes', 'no'][i % 2]},x\n".encode()
    for i in range(50)
)


def test_opens_on_data_page_with_nothing_loaded(app):
    no_exceptions(app)
    assert app.title[0].value == "Data"
    assert "Nothing loaded yet" in "\n".join(c.value for c in app.sidebar.caption)
    assert [u.label for u in app.get("file_uploader")][:2] == ["Real data", "Synthetic data"]


def test_load_demo_in_one_click(demo_app):
    body = texts(demo_app)
    assert "student_placements_real.csv" in body
    assert "161 rows x 17 columns" in body
    assert "600 rows x 17 columns" in body
    assert "Both sides are loaded" in body


def test_upload_two_files_and_see_schema(app):
    uploaders = app.get("file_uploader")
    uploaders[0].set_value(("real.csv", REAL_CSV, "text/csv"))
    uploaders[1].set_value(("synth.csv", SYNTH_CSV, "text/csv"))
    app.run()
    no_exceptions(app)
    assert "62 rows x 4 columns" in texts(app)
    app.switch_page("pages/schema.py").run()
    no_exceptions(app)
    assert app.title[0].value == "Schema"
    table = schema_table(app)
    assert dict(zip(table["Column"], table["Kind"], strict=True)) == {
        "age": "numerical",
        "city": "categorical",
        "joined": "datetime",
        "member": "boolean",
    }
    # The synthetic side has a column the real side lacks: a visible warning, not a failure.
    assert "extra" in "\n".join(w.value for w in app.warning)


def test_bad_file_gets_a_message_not_a_traceback(app):
    app.get("file_uploader")[0].set_value(
        ("real.csv", b"\x00\x01\x02garbage\xff\xfe" * 50, "text/csv")
    )
    app.run()
    no_exceptions(app)
    assert app.error, "a bad file must produce a visible error"
    assert "real.csv" in app.error[0].value.replace("\\", "")  # shown escaped


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_each_bad_upload_is_a_message(app, name):
    data, expected = BAD_FILES[name]
    app.get("file_uploader")[1].set_value((name, data, "application/octet-stream"))
    app.run()
    no_exceptions(app)
    message = "\n".join(e.value for e in app.error).replace("\\", "")  # shown escaped
    assert name in message and expected.lower() in message.lower(), message


def test_a_bad_file_after_a_good_one_says_which_file_is_still_used(app):
    uploader = app.get("file_uploader")[0]
    uploader.set_value(("real.csv", REAL_CSV, "text/csv"))
    app.run()
    app.get("file_uploader")[0].set_value(("broken.csv", b"a,b\n1,2\n3,4,5\n", "text/csv"))
    app.run()
    no_exceptions(app)
    message = "\n".join(e.value for e in app.error).replace("\\", "")
    assert "broken.csv" in message
    assert "The real data in use is still real.csv, loaded earlier." in message


def test_schema_page_without_data_says_what_to_do(app):
    app.switch_page("pages/schema.py").run()
    no_exceptions(app)
    assert "Load a real and a synthetic table first" in texts(app)


def test_schema_of_demo_matches_its_metadata(demo_app):
    demo_app.switch_page("pages/schema.py").run()
    no_exceptions(demo_app)
    table = schema_table(demo_app)
    kinds = dict(zip(table["Column"], table["Kind"], strict=True))
    assert kinds["student_id"] == "id"
    assert kinds["placed"] == "boolean"
    assert kinds["start_date"] == "datetime"
    assert kinds["salary"] == "numerical"
    assert kinds["mba_spec"] == "categorical"


def test_sdv_metadata_loaded_on_the_schema_page_sets_the_kinds(demo_app):
    demo_app.switch_page("pages/schema.py").run()
    meta = b'{"columns": {"mba_perc": {"sdtype": "categorical"}, "gender": {"sdtype": "id"}}}'
    uploader = [u for u in demo_app.get("file_uploader") if "metadata" in u.label][0]
    uploader.set_value(("meta.json", meta, "application/json"))
    demo_app.run()
    no_exceptions(demo_app)
    kinds = dict(zip(*(schema_table(demo_app)[k] for k in ("Column", "Kind")), strict=True))
    assert kinds["mba_perc"] == "categorical" and kinds["gender"] == "id"
    assert kinds["salary"] == "numerical"  # columns the file leaves out keep the inferred kind
    assert "Using the kinds from `meta.json`." in "\n".join(s.value for s in demo_app.success)
    # A broken file is a message and the kinds stay.
    uploader = [u for u in demo_app.get("file_uploader") if "metadata" in u.label][0]
    uploader.set_value(("bad.json", b"{not json", "application/json"))
    demo_app.run()
    no_exceptions(demo_app)
    assert demo_app.error and schema_table(demo_app)["Kind"].tolist().count("id") >= 2
