"""The Data page's server data folder (SYNTHLENS_DATA_DIR): off by default, refused to roles
that may not use it, and for an approver a Parquet pair assessed on DuckDB whose samples the
rest of the app uses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engines import assess
from metrics.schema import Kind
from tests.app.conftest import click, new_app, no_exceptions, texts

W = "synthlens.w.folder."  # components.state.widget_key("folder", ...)


def _pair(folder) -> None:
    rng = np.random.default_rng(7)

    def table(n: int, shift: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "age": rng.normal(40 + shift, 10, n).round(),
                "income": rng.lognormal(10, 0.5, n).round(2),
                "city": rng.choice(["Paris", "Lyon", "Nice", "Lille"], n),
                "member": rng.choice([True, False], n),
            }
        )

    table(3000, 0).to_parquet(folder / "real.parquet", index=False)
    table(2500, 2).to_parquet(folder / "syn.parquet", index=False)


@pytest.fixture
def folder(tmp_path, monkeypatch):
    path = tmp_path / "server data"
    path.mkdir()
    _pair(path)
    monkeypatch.setenv("SYNTHLENS_DATA_DIR", str(path))
    return path


def test_the_section_is_absent_without_the_variable(monkeypatch):
    monkeypatch.delenv("SYNTHLENS_DATA_DIR", raising=False)
    at = new_app()
    no_exceptions(at)
    assert "Large files on the server" not in [s.value for s in at.subheader]
    assert not [b for b in at.button if b.label == "Assess on DuckDB"]


def test_a_viewer_is_told_which_role_is_needed(folder, roles_file):
    roles_file('default = "viewer"\n')
    at = new_app()
    no_exceptions(at)
    body = texts(at)
    assert "Large files on the server" in body
    assert "needs the approver or admin role" in body and "Ask a SynthLens admin" in body
    assert not [b for b in at.button if b.label == "Assess on DuckDB"]
    assert not at.selectbox


def test_an_approver_assesses_a_parquet_pair_and_the_overview_shows_scores(folder, monkeypatch):
    calls: list[dict] = []
    original = assess.assess_files

    def counted(paths, **kw):
        calls.append(kw)
        return original(paths, **kw)

    monkeypatch.setattr(assess, "assess_files", counted)
    at = new_app()  # no roles file: everyone is an approver
    no_exceptions(at)
    at.selectbox(key=W + "real").select("real.parquet")
    at.selectbox(key=W + "synthetic").select("syn.parquet")
    at.number_input(key=W + "sample").set_value(1000)
    click(at, "Assess on DuckDB")
    no_exceptions(at)
    body = texts(at)
    said = "Read from the server's data folder on DuckDB: 3,000 rows real, 2,500 rows synthetic"
    assert said in body and "sample of 1,000 rows" in body
    assert "3,000 rows x 4 columns (a sample of 1,000 in use)" in body
    at.switch_page("pages/overview.py").run()
    no_exceptions(at)
    assert at.metric, "the Overview shows its scores"
    assert "Overall" in [m.label for m in at.metric]
    assert len(calls) == 1, "the Overview uses the run the Data page made"
    # A corrected schema (the Schema page's table sets it) re-runs the files with it.
    schema = at.session_state["synthlens.schema"]
    at.session_state["synthlens.schema"] = schema.with_kind("age", Kind.CATEGORICAL)
    at.run()
    no_exceptions(at)
    assert len(calls) == 2 and calls[-1]["schema"].kind_of("age") is Kind.CATEGORICAL
    assert calls[-1]["sample_rows"] == 1000 and calls[-1]["engine"] == "duckdb"


def test_a_broken_file_is_a_message_and_the_same_file_twice_is_refused(folder):
    (folder / "broken.parquet").write_bytes(b"not parquet at all" * 20)
    at = new_app()
    at.selectbox(key=W + "real").select("real.parquet")
    at.selectbox(key=W + "synthetic").select("real.parquet")
    click(at, "Assess on DuckDB")
    no_exceptions(at)
    assert "Choose two different files" in texts(at)
    at.selectbox(key=W + "synthetic").select("broken.parquet")
    click(at, "Assess on DuckDB")
    no_exceptions(at)
    errors = "\n".join(e.value for e in at.error).replace("\\", "")
    assert "broken.parquet" in errors or "could not read" in errors, errors
    assert "Read from the server's data folder" not in texts(at)
