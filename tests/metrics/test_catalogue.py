"""The metric catalogue: run order by what each metric needs, and the extension point."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metrics import catalogue, suite
from metrics.catalogue import CatalogueError, Entry, run_order
from metrics.encode import encode
from metrics.options import Options
from metrics.schema import infer
from metrics.wasserstein import column_similarity

ROOT = Path(__file__).resolve().parents[2]


def _entry(name: str, *needs: str) -> Entry:
    return Entry(name, "fidelity", "", "x:y", "columns", needs=needs)


def test_a_metric_runs_after_what_it_needs_whatever_the_listing_order():
    order = [e.name for e in run_order([_entry("flags", "detection"), _entry("detection")])]
    assert order == ["detection", "flags"]
    real = [e.name for e in run_order()]
    assert real.index("row_flags") > max(real.index("detection"), real.index("privacy"))


def test_a_cycle_or_an_unknown_need_is_refused():
    with pytest.raises(CatalogueError, match="cycle"):
        run_order([_entry("a", "b"), _entry("b", "a")])
    with pytest.raises(CatalogueError, match="not a metric"):
        run_order([_entry("a", "nothing")])


def test_every_entry_names_a_function_a_family_and_a_shape():
    for e in catalogue.CATALOGUE:
        assert callable(e.fn), e.name
        assert e.family in (*catalogue.FAMILIES, "rows"), e.name
        assert e.result in catalogue.SHAPES, e.name
        assert e.info_type is None or dataclasses.is_dataclass(e.info_type), e.name


def test_a_result_carries_the_typed_values_its_entry_declares():
    from tests.demo_pair import assessment

    a = assessment()
    for e in catalogue.CATALOGUE:
        res = a.result(e.name)
        if res is not None and e.info_type is not None and res.error is None:
            assert isinstance(res.extra, e.info_type), e.name


REPORT_IN_ORDER = """
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
import io
import pandas as pd
from demo.make_demo import demo_csv_bytes
from metrics.suite import assess
from outputs.json_report import to_json
frames = {k: pd.read_csv(io.BytesIO(v)) for k, v in demo_csv_bytes().items()}
report = json.loads(to_json(assess(frames["real"], frames["synthetic"], frames["holdout"])))
report.pop("timings_seconds")
print(json.dumps(report, sort_keys=True))
"""


@pytest.mark.slow
def test_importing_the_metric_modules_in_another_order_gives_the_identical_report():
    modules = sorted({e.target.partition(":")[0] for e in catalogue.CATALOGUE})
    reports = [
        subprocess.run(
            [sys.executable, "-c", REPORT_IN_ORDER, *order],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout  # fmt: skip
        for order in (modules, modules[::-1])
    ]
    assert json.loads(reports[0]) == json.loads(reports[1])
    # Row flags ran after detection: the obviously-synthetic check is there (said once on
    # the demo, where the classifier is sure of too many rows to flag them one by one).
    found = json.loads(reports[1])["findings"]
    assert any(f["kind"] == "obviously_synthetic_rows" for f in found)


def test_wasserstein_similarity_known_values():
    a = np.array([0.0, 1.0, 2.0, 3.0, np.nan])
    assert column_similarity(a, a) == 1.0
    assert column_similarity(np.array([0.0, 1.0]), np.array([5.0, 6.0])) == 0.0
    assert column_similarity(np.array([0.0, 10.0]), np.array([1.0, 11.0])) == pytest.approx(0.9)
    assert column_similarity(np.array([4.0, 4.0]), np.array([4.0])) == 1.0  # constant, equal
    assert np.isnan(column_similarity(np.array([np.nan]), np.array([1.0])))


def test_a_new_metric_is_reported_but_not_counted_when_the_catalogue_says_so():
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.normal(0, 1, 300), "c": rng.choice(["a", "b"], 300)})
    synthetic = pd.DataFrame({"x": rng.normal(0.5, 1, 300), "c": rng.choice(["a", "b"], 300)})
    a = suite.run(encode(real, synthetic, infer(real, synthetic)),
                  Options(skip=frozenset({"detection", "privacy", "utility", "row_flags"})))  # fmt: skip
    res = a.result("wasserstein_similarity")
    assert res is not None and 0.0 < res.score < 1.0
    assert list(res.details["column"]) == ["x"]
    counted = [a.results[n].score for n in ("column_shapes", "pair_trends")]
    assert a.scores["fidelity"] == pytest.approx(np.nanmean(counted))


def test_a_new_metric_reaches_the_json_report_by_its_shape():
    from outputs.json_report import to_dict

    rng = np.random.default_rng(1)
    real = pd.DataFrame({"x": rng.normal(0, 1, 200), "y": rng.normal(0, 1, 200)})
    synthetic = pd.DataFrame({"x": rng.normal(0.3, 1, 200), "y": rng.normal(0, 1, 200)})
    a = suite.run(encode(real, synthetic, infer(real, synthetic)),
                  Options(skip=frozenset({"detection", "privacy", "utility", "row_flags"})))  # fmt: skip
    shown = {m["name"]: m for m in to_dict(a)["metrics"]}
    w = shown["wasserstein_similarity"]
    assert w["counts"] is False and w["shape"] == "columns"
    assert [d["column"] for d in w["details"]] == ["x", "y"]
    assert w["details"][0]["score"] < w["details"][1]["score"]  # x moved, y did not


def test_wasserstein_on_large_columns_stays_within_1e_3_of_the_exact_similarity(monkeypatch):
    import metrics.wasserstein as w

    rng = np.random.default_rng(2)
    r, s = rng.lognormal(0, 1, 50_000), rng.lognormal(0.2, 1.2, 40_000)
    exact = column_similarity(r, s)
    monkeypatch.setattr(w, "EXACT_LIMIT", 10_000)  # take the quantile path on this size
    assert abs(column_similarity(r, s) - exact) < 1e-3
