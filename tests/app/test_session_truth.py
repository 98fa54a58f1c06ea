"""The review session tells the truth (issue 9, items 1-4): which data and which version of the
review are on screen, and what the user's own files replace."""

from __future__ import annotations

import io

import pandas as pd

from demo.make_demo import demo_csv_bytes
from review import Store
from tests.app.conftest import click, new_app, no_exceptions, schema_table, texts

UTILITY, REVIEW, SIGNOFF, DATA = ("pages/utility.py", "pages/review.py", "pages/signoff.py",
                                  "pages/data.py")  # fmt: skip
TARGET_KEY = "synthlens.w.utility_target"


def _loaded_names(at) -> str:
    # AppTest gives an empty sidebar after st.navigation: read the Data page's loaded cards.
    return "\n".join(str(c.value) for c in at.caption)


def test_own_files_replace_the_whole_demo_set_holdout_included():
    at = new_app()
    click(at, "Load demo data")
    assert "student_placements_holdout.csv" in _loaded_names(at)
    files = demo_csv_bytes()
    at.get("file_uploader")[0].set_value(("mine_real.csv", files["real"], "text/csv"))
    at.run()
    no_exceptions(at)
    names = _loaded_names(at)
    # The demo's synthetic and holdout files are gone with the demo: nothing foreign stays.
    assert "mine_real.csv" in names
    assert "student_placements" not in names
    assert "Still needed: synthetic data" in texts(at)


def test_each_loaded_input_can_be_removed():
    at = new_app()
    click(at, "Load demo data")
    removes = [b for b in at.button if b.label == "Remove"]
    assert len(removes) == 3
    removes[2].click().run()  # the holdout
    no_exceptions(at)
    assert "student_placements_holdout.csv" not in _loaded_names(at)
    assert "student_placements_real.csv" in _loaded_names(at)


def test_unrelated_files_are_not_called_loaded_and_comparable():
    at = new_app()
    ups = at.get("file_uploader")
    ups[0].set_value(("a.csv", b"x,y\n1,2\n3,4\n5,6\n", "text/csv"))
    ups[1].set_value(("b.csv", b"p,q\n1,2\n3,4\n", "text/csv"))
    at.run()
    no_exceptions(at)
    assert not at.success, [s.value for s in at.success]
    error = "\n".join(e.value for e in at.error).replace("\\", "")
    assert "Nothing can be compared" in error and "share no column" in error


def test_partly_shared_files_say_what_can_and_cannot_be_compared():
    at = new_app()
    ups = at.get("file_uploader")
    ups[0].set_value(("a.csv", b"x,y,z\n1,2,a\n3,4,b\n5,6,c\n", "text/csv"))
    ups[1].set_value(("b.csv", b"x,y,w\n1,2,q\n3,4,r\n", "text/csv"))
    at.run()
    warning = "\n".join(w.value for w in at.warning).replace("\\", "")
    assert "2 of 4 columns can be compared" in warning
    assert "'z'" in warning and "'w'" in warning


def test_changing_the_target_says_the_review_moved_and_what_carried_over():
    at = new_app()
    click(at, "Load demo data")
    at.switch_page(REVIEW).run()
    no_exceptions(at)
    body = texts(at)
    assert "version 1 of 1" in body
    at.switch_page(UTILITY).run()
    at.selectbox(key=TARGET_KEY).select("high_spec").run()
    no_exceptions(at)
    body = texts(at)
    assert "The review moved to version 2" in body and "target: high_spec" in body
    assert "carried over from run" in body
    at.switch_page(SIGNOFF).run()
    body = texts(at)
    assert "version 2 of 2" in body


def test_a_second_tab_on_another_version_sees_the_other_versions_sign_off():
    first = new_app()
    click(first, "Load demo data")
    first.switch_page(UTILITY).run()
    first.selectbox(key=TARGET_KEY).select("high_spec").run()
    first.switch_page(SIGNOFF).run()
    first.text_input(key="synthlens.w.signoff_name").input("Ana")
    first.text_area(key="synthlens.w.signoff_statement").input("Not fit yet")
    next(b for b in first.button if b.label == "Reject").click().run()
    no_exceptions(first)
    assert "REJECTED" in texts(first)

    second = new_app()  # another browser tab, on the default target
    click(second, "Load demo data")
    second.switch_page(SIGNOFF).run()
    no_exceptions(second)
    body = texts(second)
    assert "version 1 of 2" in body
    assert "Other versions of these files are signed" in body and "rejected by Ana" in body


def _open_signoff_with_rejected_copies(tmp_path, downloads):
    """The demo reviewed with its 'Exact copies of real rows' finding rejected."""
    at = new_app()
    click(at, "Load demo data")
    at.switch_page(REVIEW).run()
    with Store(f"sqlite:///{tmp_path / 'review.db'}") as store:
        run = store.runs()[0]
        copies = next(i for i in store.items(run.id) if i.kind == "exact_copies")
        n_rows = copies.evidence["n_rows"]
        store.decide(copies.id, "rejected", "Ana", expected_version=copies.version)
    at.switch_page(SIGNOFF).run()
    no_exceptions(at)
    return at, store, copies, n_rows


def _cleaned(downloads) -> pd.DataFrame:
    name = next(n for n in downloads if n.endswith("_cleaned.csv"))
    return pd.read_csv(io.BytesIO(downloads[name]()))


def test_rejecting_a_row_set_finding_removes_its_rows_and_undo_brings_them_back(
    tmp_path, downloads
):
    at, store, copies, n_rows = _open_signoff_with_rejected_copies(tmp_path, downloads)
    assert n_rows >= 10  # the demo plants 12 copied rows
    synthetic = pd.read_csv(io.BytesIO(demo_csv_bytes()["synthetic"]))
    assert len(_cleaned(downloads)) == len(synthetic) - n_rows
    assert f"keeps {len(synthetic) - n_rows:,} rows of {len(synthetic):,}" in texts(at)

    with Store(f"sqlite:///{tmp_path / 'review.db'}") as again:
        fresh = again.item(copies.id)
        again.decide(copies.id, "open", "Ana", expected_version=fresh.version)
    at.run()
    assert len(_cleaned(downloads)) == len(synthetic)


def test_the_cleaned_data_is_assessed_as_a_linked_review_whose_copies_gate_passes(
    tmp_path, downloads
):
    at, _, _, n_rows = _open_signoff_with_rejected_copies(tmp_path, downloads)
    copies_gate = next(m.value for m in at.markdown if "exact cop" in m.value.lower())
    assert "failed" in copies_gate
    click(at, f"Assess the cleaned data ({600 - n_rows} rows)")
    no_exceptions(at)
    body = texts(at)
    assert "You are reviewing the **cleaned data**" in body
    assert "cleaned from run 1" in body and "carried over from" in body
    copies_gate = next(m.value for m in at.markdown if "exact cop" in m.value.lower())
    assert "passed" in copies_gate, copies_gate
    click(at, "Back to the original synthetic data")
    assert "You are reviewing the **cleaned data**" not in texts(at)


def test_the_cleaned_csv_is_protected_by_default_and_raw_by_choice():
    from outputs.review_report import cleaned_csv

    frame = pd.DataFrame({"=name": ["=1+1", "@SUM(A1)", "plain"], "n": [-1, 2, 3]})
    safe = pd.read_csv(io.BytesIO(cleaned_csv(frame, [2])), dtype=str)
    assert list(safe.columns) == ["'=name", "n"]
    assert safe["'=name"].tolist() == ["'=1+1", "'@SUM(A1)"]
    assert safe["n"].tolist() == ["-1", "2"]  # numbers stay numbers, negative ones too
    raw = pd.read_csv(io.BytesIO(cleaned_csv(frame, [2], safe=False)), dtype=str)
    assert raw["=name"].tolist() == ["=1+1", "@SUM(A1)"]


def test_schema_reasons_fit_their_cells_and_long_ones_are_listed_in_full():
    from components.schema_editor import SHORT_REASON

    at = new_app()
    click(at, "Load demo data")
    at.switch_page("pages/schema.py").run()
    table = schema_table(at)
    assert table["Why"].str.len().max() <= SHORT_REASON + len(": see below")
    assert "kept numerical because their order matters" in texts(at)
