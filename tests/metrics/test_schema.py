"""Schema inference, the real/synthetic shape comparison and SDV metadata in and out."""

from __future__ import annotations

import json
import uuid
from importlib import resources

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine

from metrics import schema_infer
from metrics.schema import (
    Kind,
    SchemaError,
    compare,
    from_sdv_metadata,
    infer,
    to_sdv_metadata,
)

N = 60
RNG = np.random.default_rng(7)
DEMO = resources.files("sdmetrics") / "demos/single_table"


@pytest.fixture(scope="module")
def demo():
    real = pd.read_csv(DEMO / "student_placements_real.csv")
    synthetic = pd.read_csv(DEMO / "student_placements_synthetic.csv")
    meta = json.loads((DEMO / "metadata.json").read_text())
    return real, synthetic, meta


def _triples(schema):
    return [(c.name, c.kind, c.datetime_format) for c in schema.columns]


# --- the sdmetrics demo and its hand-written metadata ------------------------------------------


def test_demo_inference_agrees_with_its_sdv_metadata(demo):
    real, synthetic, meta = demo
    schema = infer(real, synthetic)
    table = meta["tables"]["student_placements"]
    assert {c.name: c.kind.value for c in schema.columns} == {
        name: entry["sdtype"] for name, entry in table["columns"].items()
    }
    for name, entry in table["columns"].items():
        assert schema.spec(name).datetime_format == entry.get("datetime_format"), name
    assert schema.primary_key == table["primary_key"] == "student_id"
    assert schema.spec("student_id").reason == "unique for every row: an identifier"
    assert schema.names() == list(real.columns)  # real order, although the synthetic differs
    assert schema.warnings() == []


def test_demo_metadata_loads_to_the_inferred_kinds(demo):
    real, synthetic, meta = demo
    inferred = infer(real, synthetic)
    for given_meta in (meta, json.dumps(meta), json.dumps(meta).encode()):
        loaded = from_sdv_metadata(given_meta, list(real.columns))
        assert _triples(loaded) == _triples(inferred)
        assert loaded.primary_key == "student_id"
        assert loaded.spec("salary").reason == "SDV sdtype 'numerical'"


@pytest.mark.parametrize("table_name", [None, "student_placements"])
def test_demo_round_trips_through_sdv_metadata(demo, table_name):
    real, synthetic, meta = demo
    schema = infer(real, synthetic)
    exported = to_sdv_metadata(schema, table_name)
    table = exported if table_name is None else exported["tables"][table_name]
    expected = meta["tables"]["student_placements"]
    assert table["primary_key"] == expected["primary_key"]
    assert table["columns"] == {
        name: {k: v for k, v in entry.items() if k in ("sdtype", "datetime_format")}
        for name, entry in expected["columns"].items()
    }
    back = from_sdv_metadata(json.dumps(exported), list(real.columns))
    assert _triples(back) == _triples(schema)
    assert back.primary_key == "student_id"


def test_sdmetrics_reads_the_exported_key_and_date_formats(demo):
    from sdmetrics.reports import DiagnosticReport

    real, synthetic, _ = demo
    meta = to_sdv_metadata(infer(real, synthetic), "placements")
    report = DiagnosticReport()
    report.generate({"placements": real}, {"placements": synthetic}, meta, verbose=False)
    details = report.get_details("Data Validity")
    used = details[details["Metric"].isin(["KeyUniqueness", "DatetimeFormatAdherence"])]
    assert sorted(zip(used["Column"], used["Metric"], strict=True)) == [
        ("end_date", "DatetimeFormatAdherence"),
        ("start_date", "DatetimeFormatAdherence"),
        ("student_id", "KeyUniqueness"),
    ]


# --- bundled scikit-learn tables ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "not_numerical"),
    [
        (load_wine(as_frame=True).frame, {"target": Kind.CATEGORICAL}),
        (load_iris(as_frame=True).frame, {"target": Kind.CATEGORICAL}),
        (load_breast_cancer(as_frame=True).frame, {"target": Kind.BOOLEAN}),
        # The target is a continuous measure; sex is a two-level code (scaled or coded 1/2).
        (load_diabetes(as_frame=True).frame, {"sex": Kind.CATEGORICAL}),
        (load_diabetes(as_frame=True, scaled=False).frame, {"sex": Kind.CATEGORICAL}),
    ],
)
def test_sklearn_tables(frame, not_numerical):
    schema = infer(frame, frame.sample(frac=1.0, random_state=0))
    kinds = {c.name: c.kind for c in schema.columns}
    assert {n: k for n, k in kinds.items() if k is not Kind.NUMERICAL} == not_numerical
    assert len(kinds) == frame.shape[1] and schema.warnings() == []


# --- one rule per column, on hand-made columns -------------------------------------------------

_DAYS = pd.date_range("2021-01-01", periods=N, freq="D")
RULES = [
    # name, values, kind, datetime_format, words the reason must contain
    ("rating", np.arange(N) % 5, Kind.NUMERICAL, None, "5 whole-number levels"),
    ("cylinders", np.resize([4, 6, 8], N), Kind.NUMERICAL, None, "order matters"),
    ("class", np.arange(N) % 3, Kind.CATEGORICAL, None, "named like a label"),
    ("has_car", np.arange(N) % 2, Kind.BOOLEAN, None, "2 distinct values (0/1)"),
    ("paid", np.resize([1.0, 0.0, np.nan], N), Kind.BOOLEAN, None, "(0/1)"),
    ("member", np.resize(["yes", "no"], N), Kind.BOOLEAN, None, "(yes/no)"),
    ("smoker", np.resize(["Y", "N", "N"], N), Kind.BOOLEAN, None, "(Y/N)"),
    ("active", np.resize(["True", "False"], N), Kind.BOOLEAN, None, "(True/False)"),
    ("placed", np.arange(N) % 3 == 0, Kind.BOOLEAN, None, "(True/False)"),
    ("joined", _DAYS.strftime("%Y-%m-%d"), Kind.DATETIME, "%Y-%m-%d", "dates written as"),
    ("joined", _DAYS.strftime("%d/%m/%Y"), Kind.DATETIME, "%d/%m/%Y", "%d/%m/%Y"),
    ("joined", _DAYS.strftime("%m/%d/%Y"), Kind.DATETIME, "%m/%d/%Y", "%m/%d/%Y"),
    ("joined", _DAYS.strftime("%d %b %Y"), Kind.DATETIME, "%d %b %Y", "%d %b %Y"),
    ("seen", (_DAYS + pd.Timedelta("37min")).strftime("%Y-%m-%d %H:%M:%S"), Kind.DATETIME,
     "%Y-%m-%d %H:%M:%S", "%H:%M:%S"),
    ("seen", _DAYS.strftime("%Y-%m-%dT%H:%M:%S+02:00"), Kind.DATETIME, "%Y-%m-%dT%H:%M:%S%z", ""),
    ("paid_on", [f"{1 + i % 12:02d}/0{1 + i % 9}/2021" for i in range(N)], Kind.DATETIME,
     "%d/%m/%Y", "day and month could be swapped"),
    ("stamp", _DAYS, Kind.DATETIME, None, "dates and times"),
    ("price", [f"{v:,.2f}" for v in RNG.uniform(100, 99_999, N)], Kind.NUMERICAL, None,
     "thousands separators"),
    ("record", np.arange(N) + 1000.0, Kind.ID, None, "unique for every row: an identifier"),
    ("row", np.arange(N)[::-1] + 1, Kind.ID, None, "unique for every row"),
    ("amount", RNG.uniform(0, 1, N), Kind.NUMERICAL, None, "all values are numbers"),
    ("income", RNG.choice(np.arange(20_000, 90_000), N, replace=False), Kind.NUMERICAL, None,
     "all values are numbers"),
    ("notes", [np.nan] * N, Kind.CATEGORICAL, None, "empty in the real data"),
    ("notes", [None, "", " ", "NaN"] * (N // 4), Kind.CATEGORICAL, None, "empty in the real data"),
    ("country", ["FR"] * N, Kind.CATEGORICAL, None, "same value ('FR') in every row"),
    ("weight", np.where(np.arange(N) % 4 == 0, np.nan, RNG.normal(70, 9, N)), Kind.NUMERICAL,
     None, "all values are numbers"),
    ("city", np.resize(["Paris", None, "Lyon", "Nice"], N), Kind.CATEGORICAL, None,
     "3 distinct values ('Paris'"),
    ("token", [str(uuid.UUID(int=int(v))) for v in RNG.integers(0, 2**62, N)], Kind.ID, None,
     "UUIDs"),
    ("user_id", [f"u{v}" for v in np.arange(N) % 55], Kind.ID, None, "named like an identifier"),
    ("contact", [f"person{i}@example.org" for i in range(N)], Kind.ID, None, "e-mail"),
    ("sku", [f"A-{i:05d}" for i in range(N)], Kind.ID, None, "unique for every row"),
    ("review", [" ".join(RNG.choice(["great", "slow", "very", "service", "the"], 7))
                for _ in range(N)], Kind.TEXT, None, "free text"),
    ("zip", [f"0{v}" for v in np.arange(N) % 7 + 1200], Kind.CATEGORICAL, None, "leading zeros"),
    ("sex", np.resize([1, 2], N), Kind.CATEGORICAL, None, "two-level code"),
    ("grade", pd.Categorical(np.resize([1, 2, 3], N)), Kind.CATEGORICAL, None, "3 distinct"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "values", "kind", "fmt", "why"), RULES)
def test_rule(name, values, kind, fmt, why):
    real = pd.DataFrame({name: values, "other": np.arange(N) % 7 * 1.5})
    schema = infer(real, real.copy())
    spec = schema.spec(name)
    assert (spec.kind, spec.datetime_format) == (kind, fmt), spec.reason
    assert why in spec.reason


def test_empty_and_constant_columns_are_kept_and_warned_about():
    real = pd.DataFrame({"x": np.arange(N) * 1.5, "notes": np.nan, "country": "FR"})
    synthetic = real.assign(country=np.resize(["FR", "DE"], N))
    schema = infer(real, synthetic)
    assert schema.names() == ["x", "notes", "country"]
    assert schema.empty == ["notes"] and schema.constant == {"country": "'FR'"}
    assert schema.warnings() == [
        "'notes' is empty in the real data: nothing to compare.",
        "'country' has the same value ('FR') in every real row.",
    ]


def test_a_few_unreadable_markers_keep_a_numeric_column_and_are_reported():
    values = [str(v) for v in np.arange(100) % 37]
    values[5] = values[50] = "?"
    schema = infer(pd.DataFrame({"hours": values}))
    assert schema.kind_of("hours") is Kind.NUMERICAL
    assert schema.warnings() == [
        "'hours': 2 of 100 real values (2.0%) are not numbers, e.g. '?'; they count as missing."
    ]


def test_sampled_inference_confirms_rare_cases_on_the_full_column(monkeypatch):
    monkeypatch.setattr(schema_infer, "SAMPLE_ROWS", 100)
    n = 2_000
    real = pd.DataFrame({
        "order_id": [f"o{i:06d}" for i in RNG.permutation(n)],
        "customer": np.arange(n) % 40,
        "rare": np.where(np.arange(n) == n - 3, "only once", None),
        "status": np.where(np.arange(n) == 1_234, "failed", "ok"),
    })  # fmt: skip
    schema = infer(real, real.iloc[::-1])
    assert schema.spec("order_id").kind is Kind.ID
    assert schema.primary_key == "order_id"
    assert schema.spec("order_id").reason == "unique for every row: an identifier"
    assert schema.kind_of("customer") is Kind.NUMERICAL
    assert "rare" not in schema.empty  # the sample may miss its one value; the column has it
    assert "status" not in schema.constant
    duplicated = real.assign(order_id=real["order_id"].where(np.arange(n) != 7, "o000001"))
    assert infer(duplicated).primary_key is None


# --- how the two sides differ ------------------------------------------------------------------


def _pair(n=200):
    real = pd.DataFrame({
        "age": RNG.integers(18, 90, n),
        "joined": pd.date_range("2020-01-01", periods=n).strftime("%Y-%m-%d"),
        "member": np.resize(["yes", "no"], n),
        "city": np.resize(["Paris", "Lyon", "Nice"], n),
        "score": RNG.normal(size=n),
        "gone": RNG.normal(size=n),
    })  # fmt: skip
    synthetic = real.drop(columns="gone").assign(new=1)
    return real, synthetic


def test_columns_on_one_side_are_left_out_with_a_warning():
    real, synthetic = _pair()
    schema = infer(real, synthetic)
    assert schema.names() == ["age", "joined", "member", "city", "score"]
    assert (schema.only_real, schema.only_synthetic) == (["gone"], ["new"])
    assert schema.warnings()[:2] == [
        "Only in the real data, left out: 'gone'.",
        "Only in the synthetic data, left out: 'new'.",
    ]


def test_type_conflicts_are_left_out_with_share_and_examples():
    real, synthetic = _pair()
    synthetic["age"] = synthetic["age"].astype(str).where(np.arange(200) >= 150, "abc")
    synthetic.loc[:10, "age"] = "n/a?"
    synthetic["joined"] = np.resize(["soon", "2020-01-01", "later"], 200)
    synthetic["city"] = RNG.uniform(size=200).round(2)
    schema = infer(real, synthetic)
    assert schema.names() == ["member", "score"]
    assert schema.conflicts["age"] == (
        "numerical in the real data, but 150 of 200 synthetic values (75.0%) are not numbers, "
        "e.g. 'abc', 'n/a?'"
    )
    assert schema.conflicts["joined"].startswith(
        "datetime in the real data, but 133 of 200 synthetic values (66.5%) are not dates, e.g. "
    )
    assert (
        "real values are labels (e.g. 'Paris') but the synthetic values are numbers"
        in (schema.conflicts["city"])
    )
    assert "'age' is left out: numerical in the real data, but 150 of 200" in schema.warnings()[2]


def test_compatible_spellings_are_not_conflicts():
    real, synthetic = _pair()
    synthetic["member"] = np.resize(["True", "False", None], 200)  # yes/no vs True/False
    synthetic["joined"] = pd.date_range("2020-01-01", periods=200, freq="5h").strftime(
        "%Y-%m-%d %H:%M:%S"
    )  # timestamps against dates: encode reads both
    synthetic["age"] = synthetic["age"].astype(float)
    synthetic["score"] = synthetic["score"].astype(object).where(np.arange(200) != 3, "oops")
    schema = infer(real, synthetic)
    assert schema.conflicts == {}
    assert schema.notes == [
        "'score': 1 of 200 synthetic values (0.5%) are not numbers, e.g. 'oops'; they count as "
        "missing."
    ]


def test_boolean_with_mostly_other_values_is_a_conflict():
    real, synthetic = _pair()
    synthetic["member"] = np.resize(["maybe", "yes", "perhaps"], 200)
    assert (
        infer(real, synthetic)
        .conflicts["member"]
        .startswith(
            "boolean in the real data, but 133 of 200 synthetic values (66.5%) are not true/false"
        )
    )


def test_empty_synthetic_column_is_reported():
    real, synthetic = _pair()
    synthetic["city"] = None
    schema = infer(real, synthetic)
    assert "city" in schema.names()
    assert "'city' is empty in the synthetic data." in schema.warnings()


def test_compare_rechecks_the_users_kinds_and_keeps_old_conflicts():
    real, synthetic = _pair()
    synthetic["age"] = "abc"
    schema = infer(real, synthetic)
    edited = schema.with_kind("city", Kind.NUMERICAL)
    checked = compare(real, synthetic, edited)
    assert checked.names() == ["joined", "member", "score"]
    assert checked.conflicts["city"].startswith(
        "numerical in the schema, but 200 of 200 real values (100.0%) are not numbers"
    )
    assert checked.conflicts["age"] == schema.conflicts["age"]
    assert _triples(compare(real, synthetic)) == _triples(schema)


def test_with_kind_is_a_copy_that_says_who_decided():
    real = pd.DataFrame({"row_id": np.arange(N), "x": np.arange(N) % 7 * 0.5})
    schema = infer(real)
    assert schema.primary_key == "row_id"
    edited = schema.with_kind("row_id", Kind.NUMERICAL)
    assert edited.spec("row_id").reason == "set by the user"
    assert edited.primary_key is None and "row_id" not in to_sdv_metadata(edited)
    assert schema.kind_of("row_id") is Kind.ID and schema.primary_key == "row_id"


def test_duplicate_column_names_use_the_first():
    real = pd.DataFrame([[1.5, "a"], [2.5, "b"]] * 20, columns=["v", "v"])
    assert infer(real, real).names() == ["v"]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(st.none(), st.integers(-5, 5), st.floats(allow_nan=True), st.text(max_size=8),
                      st.booleans(), st.sampled_from(["2021-03-04", "yes", "1,234", "007"])),
            min_size=3, max_size=3,
        ),
        min_size=0, max_size=30,
    )
)  # fmt: skip
def test_any_small_table_gets_a_kind_and_a_reason_for_every_column(rows):
    frame = pd.DataFrame(rows, columns=["a", "b", "c"])
    schema = infer(frame, frame.iloc[::-1])
    assert schema.names() == ["a", "b", "c"]
    assert all(isinstance(c.kind, Kind) and c.reason for c in schema.columns)
    assert all(isinstance(w, str) for w in schema.warnings())


# --- SDV metadata in and out -------------------------------------------------------------------

COLUMNS = ["id", "age", "email", "phone", "home", "town", "note", "when"]


def test_single_table_form_with_version_and_pii_sdtypes():
    meta = {
        "METADATA_SPEC_VERSION": "SINGLE_TABLE_V1",
        "primary_key": "id",
        "columns": {
            "id": {"sdtype": "id", "regex_format": "[0-9]{5}"},
            "age": {"sdtype": "numerical", "computer_representation": "Int64"},
            "email": {"sdtype": "email", "pii": True},
            "phone": {"sdtype": "phone_number", "pii": True},
            "home": {"sdtype": "address", "pii": True},
            "town": {"sdtype": "city"},
            "note": {"sdtype": "favourite_colour"},
            "when": {"sdtype": "datetime", "datetime_format": "%d %b %Y"},
        },
    }
    schema = from_sdv_metadata(meta, COLUMNS)
    assert [(c.name, c.kind) for c in schema.columns] == [
        ("id", Kind.ID), ("age", Kind.NUMERICAL), ("email", Kind.ID), ("phone", Kind.ID),
        ("home", Kind.TEXT), ("town", Kind.CATEGORICAL), ("note", Kind.TEXT),
        ("when", Kind.DATETIME),
    ]  # fmt: skip
    assert schema.spec("email").reason == (
        "SDV sdtype 'email': an identifier, left out of the statistics"
    )
    assert (
        schema.spec("note").reason
        == "SDV sdtype 'favourite_colour' is unknown here: left out as text"
    )
    assert schema.spec("when").datetime_format == "%d %b %Y" and schema.primary_key == "id"
    exported = to_sdv_metadata(schema)["columns"]
    assert {n: e["sdtype"] for n, e in exported.items()} == {
        n: e["sdtype"] for n, e in meta["columns"].items()
    }  # sdtypes SynthLens has no kind for come back as they were


def test_unknown_sdtype_marked_pii_is_an_id_and_base_kinds_fill_gaps():
    real = pd.DataFrame({"a": np.arange(N) * 0.5, "b": np.resize(["x", "y", "z"], N), "c": 1.0})
    base = infer(real, real.drop(columns="c"))
    schema = from_sdv_metadata({"columns": {"a": {"sdtype": "licence", "pii": True},
                                            "b": {"sdtype": "colour"}}}, list(real.columns), base)  # fmt: skip
    assert [(c.name, c.kind) for c in schema.columns] == [("a", Kind.ID), ("b", Kind.CATEGORICAL)]
    assert schema.spec("b").reason == "SDV sdtype 'colour' is unknown here; kept the inferred kind"
    assert schema.only_real == ["c"]
    partial = from_sdv_metadata({"columns": {"a": {"sdtype": "numerical"}}}, ["a", "b"], base)
    assert partial.names() == ["a", "b"] and partial.spec("b") == base.spec("b")
    assert "Not in the metadata, kept as inferred: 'b'." in partial.warnings()
    alone = from_sdv_metadata({"columns": {"a": {"sdtype": "numerical"}}}, ["a", "b"])
    assert alone.names() == ["a"] and "Not in the metadata, left out: 'b'." in alone.warnings()


def test_multi_table_form_needs_one_table_or_a_name():
    tables = {"users": {"columns": {"age": {"sdtype": "numerical"}}},
              "visits": {"columns": {"when": {"sdtype": "datetime"}}}}  # fmt: skip
    with pytest.raises(SchemaError, match=r"2 tables \('users', 'visits'\).*Say which one"):
        from_sdv_metadata({"tables": tables}, COLUMNS)
    assert from_sdv_metadata({"tables": tables}, COLUMNS, table_name="visits").names() == ["when"]
    with pytest.raises(SchemaError, match="no table 'trips'"):
        from_sdv_metadata({"tables": tables}, COLUMNS, table_name="trips")


def test_legacy_fields_form():
    meta = {"fields": {"age": {"type": "numerical", "subtype": "integer"},
                       "when": {"type": "datetime", "format": "%Y-%m-%d"}}}  # fmt: skip
    schema = from_sdv_metadata(meta, COLUMNS)
    assert _triples(schema) == [("age", Kind.NUMERICAL, None), ("when", Kind.DATETIME, "%Y-%m-%d")]


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        ('{"columns": {"age": {"sdtype": "numerical"},}', r"not valid JSON \(line 1, column 45"),
        ("[1, 2]", "must be a JSON object"),
        ('{"tables": {}}', "holds no table"),
        ('{"name": "x"}', 'no "columns" entry'),
        ('{"columns": {}}', 'no "columns" entry'),
        ('{"columns": {"age": "numerical"}}', "Column 'age' must be described by an object"),
        ('{"columns": {"age": {"type": 3}}}', "Column 'age' has no \"sdtype\""),
        ('{"columns": {"when": {"sdtype": "datetime", "datetime_format": 1}}}', "must be a string"),
        ('{"columns": {"Age": {"sdtype": "numerical"}, "zz": {"sdtype": "id"}}}',
         r"not in the real data: 'Age', 'zz' \(close: 'age'\)"),
        ('{"primary_key": "nope", "columns": {"age": {"sdtype": "id"}}}', "primary_key 'nope'"),
    ],
)  # fmt: skip
def test_bad_metadata_gets_an_actionable_message(meta, message):
    with pytest.raises(SchemaError, match=message):
        from_sdv_metadata(meta, COLUMNS)
    assert issubclass(SchemaError, ValueError)


def test_to_numbers_reads_thousands_separators():
    values = pd.Series(["1,234.5", "12", None, "x", "-2,000"])
    out = schema_infer.to_numbers(values)
    assert out.tolist()[:2] == [1234.5, 12.0] and out.tolist()[4] == -2000.0
    assert np.isnan(out.iloc[2]) and np.isnan(out.iloc[3])
