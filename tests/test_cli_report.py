"""`python cli.py report`: the JSON a pipeline reads, and one-line errors with exit code 2."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import cli
from tests.bad_inputs import BAD_FILES

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    subprocess.run(
        [sys.executable, "demo/make_demo.py", str(out)], cwd=ROOT, check=True, capture_output=True
    )
    return out


def _demo_args(demo: Path, out: Path) -> list[str]:
    return [
        "report",
        "--real",
        str(demo / "student_placements_real.csv"),
        "--synthetic",
        str(demo / "student_placements_synthetic.csv"),
        "--holdout",
        str(demo / "student_placements_holdout.csv"),
        "--target",
        "placed",
        "--json",
        str(out / "r.json"),
        "--html",
        str(out / "r.html"),
        "--quiet",
    ]


@pytest.fixture(scope="module")
def demo_report(demo, tmp_path_factory) -> tuple[dict, Path]:
    out = tmp_path_factory.mktemp("out")
    assert cli.main(_demo_args(demo, out)) == 0
    return json.loads((out / "r.json").read_text(encoding="utf-8")), out


def test_json_report_has_every_documented_section(demo_report, demo):
    r, _ = demo_report
    assert 0 <= r["scores"]["overall"] <= 1
    for family in ("fidelity", "coverage", "detection", "privacy"):
        assert 0 <= r["scores"][family] <= 1, family
    # 'placed' is trivially predictable: its utility is reported, and kept out of the scores.
    assert 0 <= r["utility"]["score"] <= 1 and "utility" not in r["scores"]
    real = demo / "student_placements_real.csv"
    assert r["inputs"]["real"] == {
        "name": real.name,
        "rows": 161,
        "columns": 17,
        "sha256": hashlib.sha256(real.read_bytes()).hexdigest(),
    }
    assert {"real", "synthetic", "holdout"} <= set(r["inputs"])
    col = r["columns"][0]
    assert set(col) >= {"column", "kind", "metric", "score"}
    salary = next(c for c in r["columns"] if c["column"] == "salary")
    assert salary["validity"] < 1 == salary["coverage"]  # three planted salaries of -25,000
    assert set(salary) >= {"missing_real", "missing_synthetic", "coverage", "validity"}
    assert set(r["properties"]) == {"column_shapes", "pair_trends"}
    stats = {(s["column"], s["statistic"]): s for s in r["summary"]}
    assert stats[("salary", "min")]["synthetic"] == -25000.0
    assert {c["column"] for c in r["columns"]} >= {"salary", "gender", "start_date"}
    pair = r["pairs"][0]
    assert len(pair["columns"]) == 2 and {"metric", "score", "real", "synthetic"} <= set(pair)
    assert all({"kind", "severity", "columns", "rows", "message"} <= set(f) for f in r["findings"])
    assert set(r["detection"]) >= {"auc", "score"} and 0.5 <= r["detection"]["auc"] <= 1
    assert set(r["privacy"]) >= {"exact_copies", "exact_copy_rate", "dcr_share", "score"}
    assert r["utility"]["target"] == "placed" and r["utility"]["task"] == "classification"
    assert {"score"} <= set(r["utility"]["tstr"]) and {"score"} <= set(r["utility"]["trtr"])
    assert all({"row", "kinds", "score", "reason"} <= set(f) for f in r["flags"])


def test_json_report_names_rules_subgroups_flag_columns_and_detection_ranges(demo_report):
    r, _ = demo_report
    # The demo's dates make an order rule the real data obeys; its generator redraws
    # work_experience on its own, so the rule tying it to experience_years breaks.
    rules = {x["rule"]: x for x in r["rules"]}
    assert rules["start_date is on or before end_date"]["source"] == "discovered"
    broken = [x for x in r["rules"] if x["violations"]]
    assert broken and all(x["examples"] and {"id", "columns"} <= set(x) for x in broken)
    flagged = [f for f in r["flags"] if "broken_rule" in f["kinds"]]
    assert len(flagged) == sum(x["violations"] for x in broken)
    assert all(set(f["columns"]) <= set(r["schema"]) and f["columns"] for f in flagged)
    invalid = [f for f in r["flags"] if "invalid" in f["kinds"]]
    assert invalid and all(f["columns"] for f in invalid)
    salaries = [f for f in invalid if "salary = -25,000" in f["reason"]]  # planted
    assert len(salaries) == 3 and all(f["columns"] == ["salary"] for f in salaries)
    assert r["subgroups"] and {"group_column", "level", "rows_real", "rows_synthetic", "column",
                               "metric", "score", "whole_table_score", "interval"} <= set(
        r["subgroups"][0])  # fmt: skip
    explained = r["detection"]["explanation"]
    assert explained and explained[0]["column"] in r["schema"]
    assert {"label", "share_real", "share_synthetic", "text"} <= set(explained[0]["ranges"][0])


def _pair(value) -> bool:
    """A two-number interval ``[low, high]``."""
    return (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, float | int) for v in value) and value[0] <= value[1])  # fmt: skip


def test_json_report_gives_every_score_its_interval_and_floor(demo_report):
    r, _ = demo_report
    method = r["settings"]["interval_method"]
    assert (method["confidence"], method["n_boot"], method["seed"]) == (0.95, 200, 0)
    assert "95% interval" in method["summary"] and "DeLong" in method["metrics"]["detection"]
    # Families (and Overall) with an interval have a floor; every interval is [low, high].
    assert set(r["intervals"]) <= {"fidelity", "coverage", "detection", "privacy", "utility",
                                   "overall"} and {"detection", "privacy"} <= set(r["intervals"])  # fmt: skip
    for family, interval in r["intervals"].items():
        assert _pair(interval), family
        assert 0 <= r["floors"][family] <= 1, family
    for col in r["columns"]:
        assert {"interval", "floor"} <= set(col) and "low" not in col and "high" not in col
    shaped = [c for c in r["columns"] if c["interval"] is not None]
    assert shaped and all(_pair(c["interval"]) and 0 <= c["floor"] <= 1 for c in shaped)
    assert all({"interval", "floor"} <= set(p) for p in r["pairs"])
    det = r["detection"]
    assert _pair(det["interval"]) and _pair(det["auc_interval"])
    assert det["auc_interval"][0] <= det["auc"] <= det["auc_interval"][1]
    assert det["interval"][0] <= det["score"] <= det["interval"][1]
    u = r["utility"]
    assert u["baseline"] == 0.5 and u["measurable"] is True  # ROC AUC's no-skill value
    assert "trivially predictable" in u["reason"]  # 'placed': shown, kept out of Overall
    assert "utility" not in r["scores"]
    by_name = {m["name"]: m for m in r["metrics"]}
    assert by_name["utility"]["excluded"] == u["reason"]
    assert by_name["column_shapes"]["excluded"] is None and _pair(by_name["detection"]["interval"])
    assert all("beyond" in f for f in r["findings"])


def test_the_same_inputs_and_seed_give_a_byte_identical_json_report(demo_report, demo, tmp_path):
    _, first = demo_report
    assert cli.main(_demo_args(demo, tmp_path)) == 0

    def without_timings(path: Path) -> str:
        text = path.read_text(encoding="utf-8")
        # The timings (seconds per metric) are the one part that may differ between runs.
        text, n = re.subn(r'"timings_seconds": \{[^{}]*\}', '"timings_seconds": {}', text)
        assert n == 1
        return text

    assert without_timings(tmp_path / "r.json") == without_timings(first / "r.json")


def test_the_demo_flaws_are_reported(demo_report):
    r, _ = demo_report
    # The demo generator copies 12 real rows verbatim and writes 3 negative salaries.
    assert r["privacy"]["exact_copies"] == 12
    copied = [f for f in r["flags"] if "copied" in f["kinds"]]
    assert len(copied) == 12
    negative = [f for f in r["flags"] if "salary" in f["reason"] and "invalid" in f["kinds"]]
    assert len(negative) >= 3
    assert any(
        f["columns"] == ["employability_perc"] and f["kind"] == "marginal" for f in r["findings"]
    )


def test_html_report_is_written_and_self_contained(demo_report):
    _, out = demo_report
    page = (out / "r.html").read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>")
    assert "employability_perc" in page
    # plotly.js is inlined: no script or stylesheet is loaded from anywhere else.
    assert "<script src=" not in page and "<link " not in page
    assert page.count("<script>") >= 2
    # Every column's distribution is drawn, not just the score bars.
    assert page.count('class="fig"') >= 10


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["report", "--real", "missing.csv", "--synthetic", "x.csv", "--json", "o.json"],
            "real file not found: missing.csv",
        ),
        (
            ["report", "--synthetic", "x.csv", "--json", "o.json"],
            "the following arguments are required: --real",
        ),
        (["nonsense"], "invalid choice"),
        (
            [
                "report",
                "--real",
                "r.csv",
                "--synthetic",
                "s.csv",
                "--json",
                "o.json",
                "--skip",
                "nonsense",
            ],
            "--skip 'nonsense' is not a metric; choose from column_shapes",
        ),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args, expected, capsys):
    assert cli.main(args) == 2
    err = capsys.readouterr().err.strip()
    assert expected in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_bad_files_exit_2_with_the_readers_message(tmp_path, capsys, demo):
    garbage = tmp_path / "synthetic.csv"
    garbage.write_bytes(b"\x00\x01\x02\xff" * 200)
    code = cli.main(
        [
            "report",
            "--real",
            str(demo / "student_placements_real.csv"),
            "--synthetic",
            str(garbage),
            "--json",
            str(tmp_path / "o.json"),
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "synthetic.csv" in err and "Traceback" not in err
    assert not (tmp_path / "o.json").exists()


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_each_bad_file_is_one_line_and_exit_2(name, tmp_path, capsys, demo):
    data, expected = BAD_FILES[name]
    bad = tmp_path / name
    bad.write_bytes(data)
    code = cli.main(
        [
            "report",
            "--real",
            str(demo / "student_placements_real.csv"),
            "--synthetic",
            str(bad),
            "--json",
            str(tmp_path / "o.json"),
            "--quiet",
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert expected.lower() in err.lower(), err


def test_unknown_target_and_no_shared_columns_exit_2(tmp_path, capsys):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("x,y\n" + "".join(f"{i},{i % 3}\n" for i in range(30)))
    b.write_text("p,q\n" + "".join(f"{i},{i % 3}\n" for i in range(30)))
    code = cli.main(
        ["report", "--real", str(a), "--synthetic", str(b), "--json", str(tmp_path / "o.json")]
    )
    assert code == 2
    assert "no columns in common" in capsys.readouterr().err
    code = cli.main(
        [
            "report",
            "--real",
            str(a),
            "--synthetic",
            str(a),
            "--target",
            "nope",
            "--json",
            str(tmp_path / "o.json"),
        ]
    )
    assert code == 2
    assert "--target 'nope'" in capsys.readouterr().err


def test_cli_runs_as_a_script(demo, tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            "cli.py",
            "report",
            "--real",
            str(demo / "student_placements_real.csv"),
            "--synthetic",
            str(demo / "student_placements_synthetic.csv"),
            "--json",
            str(tmp_path / "o.json"),
            "--skip",
            "utility",
            "--skip",
            "detection",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "overall score" in out.stderr
    assert json.loads((tmp_path / "o.json").read_text())["utility"] is None


def test_schema_warnings_and_unknown_sdtypes_are_printed(demo, tmp_path, capsys):
    meta = tmp_path / "meta.json"
    meta.write_text('{"columns": {"gender": {"sdtype": "banana"}}}')
    real, syn = demo / "student_placements_real.csv", tmp_path / "syn.csv"
    syn.write_text(real.read_text().replace("student_id,", "student_number,", 1))
    code = cli.main(["report", "--real", str(real), "--synthetic", str(syn), "--metadata",
                     str(meta), "--json", str(tmp_path / "o.json"), "--skip", "utility",
                     "--skip", "detection"])  # fmt: skip
    assert code == 0
    err = capsys.readouterr().err
    assert "warning: 'gender': SDV sdtype 'banana' is unknown here; kept the inferred kind" in err
    assert "warning: Only in the real data, left out: 'student_id'." in err


def test_the_cli_size_limit_is_the_apps_upload_limit():
    import tomllib

    from metrics import io

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert io.DEFAULT_MAX_BYTES == config["server"]["maxUploadSize"] * 1024 * 1024
