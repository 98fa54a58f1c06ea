"""Rules: declared constraints (SDV 2's sdv.cag classes) and rules discovered from real data,
checked row by row on the synthetic rows."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn import datasets

from metrics.encode import encode
from metrics.options import Options
from metrics.results import no_progress
from metrics.rules import info, rules, rules_json
from metrics.rules_core import broken
from metrics.rules_declared import ConstraintError, read_constraints
from metrics.rules_discover import discover
from metrics.schema import infer
from tests.demo_pair import frames

ORDER = "order:start_date<=end_date"


def _constraint(cls: str, **params) -> str:
    return json.dumps({"constraint_class": cls, "parameters": params})


def _run(real: pd.DataFrame, synthetic: pd.DataFrame, *constraints: str, **options):
    schema = infer(real, synthetic)
    declared = read_constraints(json.dumps([json.loads(c) for c in constraints]),
                                {c.name: c.kind for c in schema.columns})  # fmt: skip
    enc = encode(real, synthetic, schema)
    return rules(enc, Options(constraints=declared, **options), no_progress)


def _check(result, prefix: str):
    return next(c for c in info(result).checks if c.rule_id.startswith(prefix))


def _halves(frame: pd.DataFrame, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    order = np.random.default_rng(seed).permutation(len(frame))
    half = len(frame) // 2
    return (frame.iloc[order[:half]].reset_index(drop=True),
            frame.iloc[order[half:]].reset_index(drop=True))  # fmt: skip


def _sklearn(name: str) -> pd.DataFrame:
    return getattr(datasets, name)(as_frame=True).frame


# --------------------------------------------------------------------------- discovered: demo
def test_demo_order_of_dates_is_discovered_and_planted_swaps_are_found():
    f = frames()
    synthetic = f["synthetic"].copy()
    dated = synthetic.index[synthetic["start_date"].notna() & (synthetic["start_date"]
                                                               < synthetic["end_date"])]  # fmt: skip
    planted = np.sort(np.random.default_rng(3).choice(dated, 15, replace=False))
    synthetic.loc[planted, ["start_date", "end_date"]] = synthetic.loc[
        planted, ["end_date", "start_date"]
    ].to_numpy()
    enc = encode(f["real"], synthetic, infer(f["real"], synthetic), f["holdout"])
    result = rules(enc, Options(), no_progress)
    found = info(result)
    assert ORDER in {c.rule_id for c in found.discovered}
    check = _check(result, ORDER)
    assert check.real_violations == 0
    assert check.rows.tolist() == planted.tolist()
    row = int(planted[0])
    start, end = synthetic.loc[row, "start_date"], synthetic.loc[row, "end_date"]
    assert check.row_words[0] == f"row {row}: start_date {start} is after end_date {end}"
    finding = next(f for f in result.findings if f.columns == ("start_date", "end_date"))
    assert finding.kind == "broken_rule" and list(finding.rows) == planted.tolist()
    assert "15 synthetic rows (2.5%)" in finding.message and finding.severity == "medium"
    assert found.searched.startswith("Searched all 161 real rows")


def test_dropped_rule_is_not_checked_and_ids_are_stable():
    f = frames()
    enc = encode(f["real"], f["synthetic"], infer(f["real"], f["synthetic"]))
    first = rules(enc, Options(), no_progress)
    again = rules(enc, Options(), no_progress)
    assert [c.rule_id for c in info(first).checks] == [c.rule_id for c in info(again).checks]
    dropped = rules(enc, Options(dropped_rules=frozenset({ORDER})), no_progress)
    assert ORDER not in {c.rule_id for c in info(dropped).checks}
    assert ORDER in {c.rule_id for c in info(dropped).discovered}  # still listed for the page
    assert ORDER not in set(dropped.details["rule_id"])


def test_declared_inequality_that_says_the_discovered_order_is_checked_once():
    f = frames()
    same = _constraint("Inequality", low_column_name="start_date", high_column_name="end_date")
    result = _run(f["real"], f["synthetic"], same)
    ids = [c.rule_id for c in info(result).checks]
    assert "declared:Inequality:start_date<=end_date" in ids and ORDER not in ids


# ------------------------------------------------------------------- discovered: real tables
@pytest.mark.parametrize("name", ["load_diabetes", "load_wine", "load_breast_cancer", "load_iris"])
def test_discovered_rules_hold_on_the_real_data_and_mostly_on_an_independent_half(name):
    first, second = _halves(_sklearn(name))
    enc = encode(first, second, infer(first, second))
    found = discover(enc)
    for rule in found.rules:
        assert broken(enc, rule, enc.real).sum() <= 0.001 * len(first), rule.rule_id
        # An independent real half obeys them too, up to a small share of rows.
        assert broken(enc, rule, enc.synthetic).mean() <= 0.01, rule.rule_id


def test_breast_cancer_mean_is_at_most_worst():
    first, second = _halves(_sklearn("load_breast_cancer"))
    ids = {r.rule_id for r in discover(encode(first, second, infer(first, second))).rules}
    assert {"order:mean radius<=worst radius", "order:mean area<=worst area"} <= ids


def test_planted_sum_in_diabetes_is_discovered_and_its_breaks_found():
    frame = _sklearn("load_diabetes")
    frame["bmi_bp"] = frame["bmi"] + frame["bp"]
    real, synthetic = _halves(frame)
    synthetic.loc[[4, 9, 30], "bmi_bp"] += 0.05
    result = _run(real, synthetic)
    check = _check(result, "sum:bmi_bp=bmi+bp")
    assert check.rows.tolist() == [4, 9, 30] and check.real_violations == 0
    assert check.row_words[0].startswith("row 4: bmi_bp ") and "off by 0.05" in check.row_words[0]
    # Without the planted column nothing adds up.
    first, second = _halves(_sklearn("load_diabetes"))
    plain = discover(encode(first, second, infer(first, second)))
    assert not [r for r in plain.rules if r.kind == "sum"]


def test_determined_and_combination_and_increment_rules_on_a_built_table():
    rng = np.random.default_rng(0)
    n = 3_000
    city = rng.choice([f"c{i}" for i in range(30)], n)
    state_of = {f"c{i}": f"s{i % 6}" for i in range(30)}
    plan = rng.choice(["basic", "plus", "pro"], n)
    frame = pd.DataFrame({
        "city": city, "state": [state_of[c] for c in city], "plan": plan,
        "tier": np.where(plan == "pro", rng.choice(["gold", "silver"], n), "none"),
        "price": rng.integers(1, 200, n) * 25, "noise": rng.normal(size=n),
    })  # fmt: skip
    real, synthetic = _halves(frame)
    synthetic.loc[[0, 1], "state"] = "s_nowhere"  # an unseen state breaks city -> state
    synthetic.loc[2, "price"] = 1_010  # not a multiple of 25
    synthetic.loc[3, ["plan", "tier"]] = ["basic", "gold"]  # a combination no real row has
    result = _run(real, synthetic)
    ids = {c.rule_id for c in info(result).checks}
    assert {"determined:city->state", "increment:price%25"} <= ids, ids
    assert _check(result, "determined:city->state").rows.tolist() == [0, 1]
    assert _check(result, "increment:price%25").rows.tolist() == [2]
    tier = [c for c in info(result).checks if set(c.columns) == {"plan", "tier"}]
    assert tier and tier[0].rows.tolist() == [3], ids
    assert "'basic'" in tier[0].row_words[0] and "'gold'" in tier[0].row_words[0]
    assert not any("noise" in c.columns for c in info(result).checks)


# --------------------------------------------------------------------------- declared classes
def _small() -> tuple[pd.DataFrame, pd.DataFrame]:
    real = pd.DataFrame({
        "lo": [1.0, 2, 3, 4] * 10, "mid": [2.0, 3, 4, 5] * 10, "hi": [3.0, 4, 5, 6] * 10,
        "step": [10, 20, 30, 40] * 10, "colour": ["red", "blue"] * 20,
        "size": ["S", "L"] * 20, "a": [1, 0, 0, 1] * 10, "b": [0, 1, 0, 0] * 10,
        "c": [0, 0, 1, 0] * 10,
        "d1": pd.to_datetime(["2021-01-01", "2021-02-01"] * 20).strftime("%Y-%m-%d"),
        "d2": pd.to_datetime(["2021-01-05", "2021-02-03"] * 20).strftime("%Y-%m-%d"),
    })  # fmt: skip
    synthetic = real.head(8).copy()
    synthetic.loc[0, "hi"] = 0.5  # lo 1 > hi 0.5; also mid outside
    synthetic.loc[1, "hi"] = np.nan  # missing breaks nothing
    synthetic.loc[2, "mid"] = 5.0  # mid == hi: breaks the strict Range only
    synthetic.loc[3, "step"] = 45  # not a multiple of 10
    synthetic.loc[4, ["colour", "size"]] = ["red", "L"]  # never together in the real rows
    synthetic.loc[5, ["a", "b", "c"]] = [1, 1, 0]  # two 1s
    synthetic.loc[6, ["a", "b", "c"]] = [0, 0, 0]  # no 1
    synthetic.loc[7, "d2"] = "2020-12-31"  # before d1
    return real, synthetic


def test_each_declared_class_finds_its_planted_rows():
    real, synthetic = _small()
    result = _run(
        real, synthetic,
        _constraint("Inequality", low_column_name="lo", high_column_name="hi"),
        _constraint("Range", low_column_name="lo", middle_column_name="mid",
                    high_column_name="hi"),
        _constraint("FixedIncrements", column_name="step", increment_value=10),
        _constraint("FixedCombinations", column_names=["colour", "size"]),
        _constraint("OneHotEncoding", column_names=["a", "b", "c"]),
        _constraint("Inequality", low_column_name="d1", high_column_name="d2",
                    strict_boundaries=True),
    )  # fmt: skip
    rows = {c.rule_id: c.rows.tolist() for c in info(result).checks if c.source == "declared"}
    assert rows["declared:Inequality:lo<=hi"] == [0]
    assert rows["declared:Range:lo<mid<hi"] == [0, 2]
    assert rows["declared:FixedIncrements:step%10"] == [3]
    assert rows["declared:FixedCombinations:colour,size"] == [4]
    assert rows["declared:OneHotEncoding:a,b,c"] == [5, 6]
    assert rows["declared:Inequality:d1<d2"] == [7]
    words = {c.rule_id: c.row_words for c in info(result).checks}
    assert words["declared:Inequality:d1<d2"] == ("row 7: d1 2021-02-01 is after d2 2020-12-31",)
    assert words["declared:FixedIncrements:step%10"] == ("row 3: step 45 is not a multiple of 10",)
    assert words["declared:OneHotEncoding:a,b,c"][0].startswith("row 5: a, b, c hold ")
    declared = [f for f in result.findings if f.message.startswith("Rule broken (declared)")]
    assert len(declared) == 6 and all(f.kind == "broken_rule" for f in declared)
    assert all(f.severity == "high" for f in declared)  # 1 or 2 of 8 rows: 12.5% or more
    assert rules_json(result)[0] == {
        "id": "declared:Inequality:lo<=hi", "rule": "lo is at most hi",
        "source": "declared", "columns": ["lo", "hi"], "violations": 1, "real_violations": 0,
        "examples": ["row 0: lo 1 is above hi 0.5"],
    }  # fmt: skip


def test_one_hot_with_a_missing_cell_is_judged_on_the_cells_present():
    real, synthetic = _small()
    synthetic = synthetic.astype({"a": "float", "b": "float", "c": "float"})
    synthetic.loc[0, ["a", "b", "c"]] = [1, np.nan, 0]  # could be right: not broken
    synthetic.loc[1, ["a", "b", "c"]] = [1, 1, np.nan]  # two 1s already: broken
    result = _run(real, synthetic, _constraint("OneHotEncoding", column_names=["a", "b", "c"]))
    assert _check(result, "declared:OneHot").rows.tolist() == [1, 5, 6]


def test_score_is_the_share_of_rows_breaking_no_rule_with_an_interval():
    real, synthetic = _small()
    result = _run(real, synthetic,
                  _constraint("FixedIncrements", column_name="step", increment_value=10))  # fmt: skip
    broke = set().union(*(set(c.rows.tolist()) for c in info(result).checks))
    assert result.score == pytest.approx(1 - len(broke) / 8)
    low, high = result.interval
    assert low < result.score < high and result.floor == 1.0


# ------------------------------------------------------------------------- hostile constraints
COLUMNS = {"lo": "numerical", "hi": "numerical", "colour": "categorical"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{not json", "not valid JSON"),
        ('{"constraint_class": "Inequality"}', "must be a list"),
        ('[{"constraint_class": "Positive", "parameters": {}}]', "'Positive' is not a constraint"),
        (
            '[{"constraint_class": "Inequality", "parameters": {"low_column_name": "lo"}}]',
            "'high_column_name' is missing",
        ),
        (
            '[{"constraint_class": "Inequality", "parameters": {"low_column_name": "lo", '
            '"high_column_name": "nope"}}]',
            "'nope' is not a compared column",
        ),
        (
            '[{"constraint_class": "Inequality", "parameters": {"low_column_name": "lo", '
            '"high_column_name": "colour"}}]',
            "'colour' is not numerical or datetime",
        ),
        (
            '[{"constraint_class": "Inequality", "parameters": {"low_column_name": "lo", '
            '"high_column": "hi"}}]',
            "unknown parameter 'high_column'",
        ),
        (
            '[{"constraint_class": "FixedIncrements", "parameters": {"column_name": "lo", '
            '"increment_value": -5}}]',
            "above 0",
        ),
        ("[" + "[" * 100_000 + "]" * 100_000 + "]", "nested too deeply"),
        ("[" + ",".join(['{"constraint_class": "Range"}'] * 600) + "]", "up to 500"),
        (" " * 1_000_001, "up to 1 MB"),
        (b"\xff\xfe\x00garbage", "not text"),
    ],
)
def test_hostile_constraint_files_are_one_clear_sentence(text, expected):
    from metrics.schema import Kind

    with pytest.raises(ConstraintError) as err:
        read_constraints(text, {k: Kind(v) for k, v in COLUMNS.items()})
    assert expected in str(err.value)


def test_constraints_file_in_sdv1_shape_and_wrapped_is_read_with_defaults():
    from metrics.schema import Kind

    text = json.dumps({"constraints": [{"constraint_class": "Inequality", "table_name": "t",
                       "constraint_parameters": {"low_column_name": "lo",
                                                 "high_column_name": "hi"}}]})  # fmt: skip
    (one,) = read_constraints(text, {"lo": Kind.NUMERICAL, "hi": Kind.NUMERICAL})
    assert json.loads(one) == {
        "constraint_class": "Inequality",
        "parameters": {
            "low_column_name": "lo",
            "high_column_name": "hi",
            "strict_boundaries": False,
        },
    }
