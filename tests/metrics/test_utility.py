"""Utility: TSTR against TRTR must reward good synthetic data and expose broken labels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine

from metrics import catalogue
from metrics.encode import encode
from metrics.options import Options
from metrics.results import MetricResult
from metrics.schema import ColumnSpec, Kind, Schema
from metrics.utility import UtilityInfo, default_target, evaluate, info, task_of, utility_json

DEMO = Path(__import__("sdmetrics").__file__).parent / "demos" / "single_table"


def schema_for(df: pd.DataFrame, kinds: dict[str, Kind] | None = None) -> Schema:
    kinds = kinds or {}
    return Schema([ColumnSpec(c, kinds.get(c, Kind.NUMERICAL)) for c in df.columns])


def halves(df: pd.DataFrame, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Real = half the rows; synthetic = the other half with 5% noise on every number."""
    real = df.sample(frac=0.5, random_state=seed)
    syn = df.drop(real.index).copy()
    num = [c for c in syn.columns if c != "target" and pd.api.types.is_float_dtype(syn[c])]
    noise = np.random.default_rng(seed).normal(0, 0.05, size=(len(syn), len(num)))
    syn[num] = syn[num] + noise * syn[num].std().to_numpy()
    return real.reset_index(drop=True), syn.reset_index(drop=True)


def shuffled(df: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return df.assign(target=rng.permutation(df["target"].to_numpy()))


@pytest.fixture(scope="module")
def cancer() -> tuple[pd.DataFrame, pd.DataFrame, Schema]:
    df = load_breast_cancer(as_frame=True).frame
    df["target"] = df["target"].map({0: "malignant", 1: "benign"})
    real, syn = halves(df)
    return real, syn, schema_for(df, {"target": Kind.CATEGORICAL})


@pytest.fixture(scope="module")
def cancer_good(cancer):
    real, syn, schema = cancer
    return evaluate(encode(real, syn, schema))


def test_registered() -> None:
    entry = catalogue.entry("utility")
    assert (entry.family, entry.result) == ("utility", "table")


def test_good_synthetic_scores_near_one(cancer_good) -> None:
    res = cancer_good
    assert res.error is None
    assert info(res).target == "target" and info(res).task == "classification"
    assert res.score > 0.9
    found = info(res)
    assert found.formula is not None and "ROC AUC" in found.formula and "TSTR" in found.formula
    assert "(TSTR - B) / (TRTR - B)" in found.formula
    assert found.measurable and found.reason is None and not found.trivial
    assert res.excluded is None and res.floor == 1.0
    assert res.interval is not None and res.interval[0] <= res.score <= res.interval[1]
    assert found.holdout is not None and "split of the real rows" in found.holdout
    assert not [f for f in res.findings if f.kind in ("utility_drop", "lost_class")]
    assert not [f for f in res.findings if f.kind == "easy_target"]  # F1 about 0.95, not 0.99
    details = res.details.set_index(["model", "train"])
    assert set(details.index) == {
        (m, s) for m in ("linear", "boosting") for s in ("trtr", "tstr", "augmented")
    }
    assert details.loc[("linear", "trtr"), "f1_macro"] > 0.9
    assert {"accuracy", "f1_macro", "roc_auc", "n_train", "error"} <= set(res.details.columns)


def test_score_is_the_documented_ratio(cancer_good) -> None:
    d = cancer_good.details.set_index(["model", "train"])["roc_auc"]
    expected = np.mean(
        [
            np.clip((d[(m, "tstr")] - 0.5) / (d[(m, "trtr")] - 0.5), 0, 1)
            for m in ("linear", "boosting")
        ]
    )
    assert cancer_good.score == pytest.approx(expected, abs=1e-12)
    assert info(cancer_good).baseline == 0.5 and info(cancer_good).counted_models == [
        "linear",
        "boosting",
    ]


def test_shuffled_target_scores_clearly_lower(cancer, cancer_good) -> None:
    real, syn, schema = cancer
    res = evaluate(encode(real, shuffled(syn), schema))
    assert res.score < cancer_good.score - 0.2
    drops = [f for f in res.findings if f.kind == "utility_drop"]
    assert drops and drops[0].columns == ("target",)
    assert f"{res.score:.2f}" in drops[0].message


def test_json_section(cancer_good) -> None:
    out = utility_json(cancer_good)
    assert out["target"] == "target" and out["task"] == "classification"
    assert out["score"] == cancer_good.score
    for side in ("tstr", "trtr"):
        assert {"accuracy", "f1_macro", "roc_auc", "score"} <= set(out[side])
        assert set(out[side]["models"]) == {"linear", "boosting"}
    assert out["trtr"]["score"] == pytest.approx(out["trtr"]["roc_auc"])
    assert out["metric"] == "roc_auc" and out["baseline"] == 0.5 and out["floor"] == 1.0
    assert out["measurable"] is True and out["reason"] is None and out["excluded"] is False
    assert out["interval"] == list(cancer_good.interval)
    assert out["primary"]["trtr"] == pytest.approx(out["trtr"]["roc_auc"])
    assert out["f1"]["baseline"] < out["f1"]["trtr"]
    assert set(out["per_class_recall"]["linear"]["tstr"]) == {"benign", "malignant"}
    assert set(out["augmentation"]["boosting"]) == {"real", "real+synthetic", "gain"}
    agreement = out["importance_agreement"]["linear"]
    assert -1.0 <= agreement <= 1.0


def test_deterministic(cancer, cancer_good) -> None:
    real, syn, schema = cancer
    again = evaluate(encode(real, syn, schema))
    assert again.score == cancer_good.score
    pd.testing.assert_frame_equal(again.details, cancer_good.details)


def test_regression_on_diabetes() -> None:
    df = load_diabetes(as_frame=True).frame
    real, syn = halves(df)
    schema = schema_for(df)
    opts = Options(target="target")
    good = evaluate(encode(real, syn, schema), opts)
    assert info(good).task == "regression" and good.error is None
    assert good.score > 0.8
    assert {"r2", "mae"} <= set(good.details.columns)
    assert "R2" in str(info(good).formula)
    bad = evaluate(encode(real, shuffled(syn), schema), opts)
    assert bad.score < good.score - 0.3
    assert utility_json(bad)["tstr"]["r2"] < utility_json(good)["tstr"]["r2"]


def test_lost_class_shows_recall_zero() -> None:
    df = load_wine(as_frame=True).frame  # numeric target 0/1/2: classification by few levels
    real, syn = halves(df)
    syn = syn[syn["target"] != 2].reset_index(drop=True)
    res = evaluate(encode(real, syn, schema_for(df)), Options(target="target"))
    assert info(res).task == "classification"
    recall = info(res).per_class_recall
    for model in ("linear", "boosting"):
        assert recall[model]["tstr"]["2"] == 0.0
        assert recall[model]["trtr"]["2"] > 0.8
    (lost,) = [f for f in res.findings if f.kind == "lost_class"]
    assert lost.severity == "high" and "'2'" in lost.message


def test_holdout_is_used_when_given(cancer) -> None:
    real, syn, schema = cancer
    train, hold = real.iloc[:200], real.iloc[200:].reset_index(drop=True)
    res = evaluate(encode(train, syn, schema, holdout=hold))
    assert info(res).holdout == "the uploaded holdout"
    assert info(res).n_rows["test"] == len(hold)
    assert info(res).n_rows["train_real"] == 200


def test_rows_are_capped_and_stated(cancer) -> None:
    real, syn, schema = cancer
    res = evaluate(encode(real, syn, schema), Options(max_model_rows=100))
    assert info(res).n_rows["synthetic"] == 100 and info(res).n_rows["train_real"] == 100
    assert "capped at 100" in info(res).message


def test_default_target() -> None:
    real = pd.read_csv(DEMO / "student_placements_real.csv")
    kinds = {c: Kind.CATEGORICAL for c in ("gender", "high_spec", "degree_type", "mba_spec")}
    kinds |= {"work_experience": Kind.BOOLEAN, "placed": Kind.BOOLEAN, "student_id": Kind.ID}
    kinds |= {"start_date": Kind.TEXT, "end_date": Kind.TEXT}
    enc = encode(real, real, schema_for(real, kinds))
    assert default_target(enc) == "placed"

    def pick(columns: dict[str, Kind]) -> str | None:
        df = pd.DataFrame(
            {
                c: ["a", "b"] * 5 if k is not Kind.NUMERICAL else range(10)
                for c, k in columns.items()
            }
        )
        return default_target(encode(df, df, schema_for(df, columns)))

    assert pick({"isChurn": Kind.BOOLEAN, "colour": Kind.CATEGORICAL}) == "isChurn"
    assert (
        pick({"colour": Kind.CATEGORICAL, "size": Kind.CATEGORICAL, "v": Kind.NUMERICAL}) == "size"
    )
    assert pick({"v": Kind.NUMERICAL, "label": Kind.NUMERICAL}) == "label"
    assert pick({"v": Kind.NUMERICAL}) is None


def test_task_detection() -> None:
    df = pd.DataFrame({"few": [0, 1, 2] * 10, "many": np.linspace(0, 1, 30), "c": ["x", "y"] * 15})
    enc = encode(df, df, schema_for(df, {"c": Kind.CATEGORICAL}))
    assert task_of(enc, "few") == "classification"
    assert task_of(enc, "many") == "regression"
    assert task_of(enc, "c") == "classification"


def test_student_placements_demo() -> None:
    real = pd.read_csv(DEMO / "student_placements_real.csv")
    syn = pd.read_csv(DEMO / "student_placements_synthetic.csv")
    kinds = {c: Kind.CATEGORICAL for c in ("gender", "high_spec", "degree_type", "mba_spec")}
    kinds |= {"work_experience": Kind.BOOLEAN, "placed": Kind.BOOLEAN, "student_id": Kind.ID}
    kinds |= {"start_date": Kind.DATETIME, "end_date": Kind.DATETIME}
    res = evaluate(encode(real, syn, schema_for(real, kinds)))
    assert res.error is None and info(res).target == "placed"
    assert 0.0 <= res.score <= 1.0
    # salary and dates only exist for placed students: TRTR finds the label almost perfectly.
    assert res.details.set_index(["model", "train"]).loc[("boosting", "trtr"), "accuracy"] > 0.9


def test_leaked_target_is_called_easy_and_the_leak_named() -> None:
    # 'code' is the label spelled as a number: real-trained models are perfect through it alone.
    rng = np.random.default_rng(3)
    n = 400
    label = rng.choice(["yes", "no"], n)
    df = pd.DataFrame({"noise": rng.normal(0, 1, n), "other": rng.normal(0, 1, n),
                       "code": np.where(label == "yes", 1.0, 0.0) + rng.normal(0, 0.01, n),
                       "target": label})  # fmt: skip
    real, syn = df.iloc[:200].reset_index(drop=True), df.iloc[200:].reset_index(drop=True)
    res = evaluate(encode(real, syn, schema_for(df, CAT)), Options(target="target"))
    easy = [f for f in res.findings if f.kind == "easy_target"]
    assert len(easy) == 1 and easy[0].severity == "low"
    assert easy[0].columns == ("target", "code")
    assert "already predict 'target' almost perfectly (macro F1 1.00" in easy[0].message
    assert "mostly from 'code'" in easy[0].message


def _frame(n: int, target: list | np.ndarray) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"x": rng.normal(0, 1, n), "target": target})


CAT = {"target": Kind.CATEGORICAL}


@pytest.mark.parametrize(
    ("real", "syn", "opts", "words"),
    [
        (_frame(60, ["a"] * 60), _frame(60, ["a", "b"] * 30), None, "single value in the real"),
        (_frame(60, ["a", "b"] * 30), _frame(60, ["a"] * 60), None, "single value in the synth"),
        (_frame(60, ["a", "b"] * 30), _frame(10, ["a", "b"] * 5), None, "at least 20 synthetic"),
        (_frame(20, ["a", "b"] * 10), _frame(60, ["a", "b"] * 30), None, "at least 30 real"),
        (_frame(60, ["a", "b"] * 30), _frame(60, [None] * 60), None, "empty in every synth"),
        (
            _frame(60, ["a", "b"] * 30),
            _frame(60, ["a", "b"] * 30),
            Options(target="nope"),
            "not in the data",
        ),
    ],
)
def test_problems_become_errors(real, syn, opts, words) -> None:
    res = evaluate(encode(real, syn, schema_for(real, CAT)), opts or Options(target="target"))
    assert np.isnan(res.score)
    assert words in res.error


def test_target_missing_from_synthetic_is_an_error_and_a_finding() -> None:
    real = _frame(60, ["a", "b"] * 30)
    schema = Schema([ColumnSpec("x", Kind.NUMERICAL)], only_real=["target"])
    res = evaluate(encode(real, real[["x"]], schema), Options(target="target"))
    assert np.isnan(res.score) and "missing from the synthetic data" in res.error
    assert [f.kind for f in res.findings] == ["target_missing"]


def test_no_target_and_id_target() -> None:
    df = pd.DataFrame({"v": np.arange(60.0), "id": [str(i) for i in range(60)]})
    df["w"] = df["v"] % 7
    schema = schema_for(df, {"id": Kind.ID})
    assert "choose the column" in evaluate(encode(df, df, schema)).error
    assert "id column" in evaluate(encode(df, df, schema), Options(target="id")).error
    constant = evaluate(encode(df.assign(v=1.0), df, schema), Options(target="v"))
    assert "single value in the real data" in constant.error


def test_typed_result_and_accessor(cancer_good) -> None:
    assert isinstance(cancer_good.extra, UtilityInfo) and info(cancer_good) is cancer_good.extra
    assert info(cancer_good).primary_metric == "roc_auc"
    assert set(info(cancer_good).classes) == {"benign", "malignant"}
    crashed = MetricResult("utility", "utility", float("nan"), error="boom")  # extra = {}
    assert info(crashed) == UtilityInfo() and info(None) == UtilityInfo()
    out = utility_json(crashed)  # the same JSON as before the typed result: nulls, no models
    assert (out["target"], out["task"], out["formula"]) == (None, "classification", None)
    assert out["per_class_recall"] is None and out["augmentation"] is None


def test_a_problem_keeps_only_target_and_formula() -> None:
    real = _frame(60, ["a"] * 60)
    res = evaluate(encode(real, _frame(60, ["a", "b"] * 30), schema_for(real, CAT)),
                   Options(target="target"))  # fmt: skip
    found = info(res)
    assert found.target == "target" and found.formula and found.task is None
    assert found.models == {} and found.message == ""
    assert utility_json(res)["per_class_recall"] is None
