"""The privacy attacks' options on the command line: --attacks, --secret, --quasi-identifiers,
--sensitive, --unseen-share and --settings (with the .synthlens.json beside --metadata)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cli
from metrics import suite
from metrics.privacy_attacks import info
from tests.demo_pair import frames

# The slow families say nothing about these options; the attacks and privacy run.
FAST = ["--skip", "detection", "--skip", "utility", "--skip", "subgroups", "--skip", "rules",
        "--skip", "row_flags", "--skip", "pair_trends", "--skip", "coverage"]  # fmt: skip


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    out = {}
    for role, frame in frames().items():
        out[role] = str(tmp_path / f"{role}.csv")
        frame.to_csv(out[role], index=False)
    return out


@pytest.fixture
def seen(monkeypatch) -> dict:
    """The Options and the assessment of the run, as the CLI passed and got them."""
    got: dict = {}
    real_run = suite.run

    def spy(enc, options, *args, **kwargs):
        got["options"] = options
        got["assessment"] = real_run(enc, options, *args, **kwargs)
        return got["assessment"]

    monkeypatch.setattr(suite, "run", spy)
    return got


def _report(tmp_path: Path, files: dict[str, str], *extra: str, holdout: bool = True) -> int:
    args = ["report", "--real", files["real"], "--synthetic", files["synthetic"],
            "--json", str(tmp_path / "o.json"), "--quiet", "--attacks", "200", *FAST]  # fmt: skip
    if holdout:
        args += ["--holdout", files["holdout"]]
    return cli.main([*args, *extra])


def _one_line_exit_2(code: int, capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--secret", "planet"], "--secret: 'planet' is not a column the privacy attacks compare"),
        (["--quasi-identifiers", "gender,student_id"], "'student_id' is not a column"),
        (["--sensitive", "salary,nope"], "--sensitive: 'nope' is not a column"),
        (["--quasi-identifiers", "gender", "--sensitive", "gender"],
         "'gender' is marked both quasi-identifier and sensitive"),
        (["--unseen-share", "1"], "expected a share between 0 and 1"),
        (["--unseen-share", "-0.2"], "expected a share between 0 and 1"),
        (["--unseen-share", "nan"], "expected a share between 0 and 1"),
        (["--attacks", "0"], "expected a positive whole number"),
        (["--settings", "missing.synthlens.json"], "settings file not found"),
    ],
)  # fmt: skip
def test_bad_privacy_options_are_exit_2_and_one_line(tmp_path, files, capsys, extra, expected):
    err = _one_line_exit_2(_report(tmp_path, files, *extra), capsys)
    assert expected in err
    assert not (tmp_path / "o.json").exists()


def test_options_reach_the_run_and_the_report(tmp_path, files, seen):
    code = _report(tmp_path, files, "--quasi-identifiers", "gender, mba_spec,degree_type",
                   "--sensitive", "salary", "--secret", "salary", "--secret", "placed")  # fmt: skip
    assert code == 0
    o = seen["options"]
    assert o.quasi_identifiers == ("gender", "mba_spec", "degree_type")
    assert o.sensitive == ("salary",) and o.secrets == ("salary", "placed")
    assert o.n_attacks == 200 and o.unseen_share == 0.0
    found = info(seen["assessment"].results["privacy_attacks"])
    assert found.quasi is not None and found.secrets == ("salary", "placed")
    report = json.loads((tmp_path / "o.json").read_text())
    quasi = report["privacy"]["quasi_identifiers"]
    assert quasi["columns"] == ["gender", "mba_spec", "degree_type"]
    assert quasi["sensitive"] == ["salary"]
    stated = report["settings"]["privacy_attacks"]
    assert stated["n_attacks"] == 200 and stated["secrets"] == ["salary", "placed"]


def test_unseen_share_without_a_holdout_makes_the_attacks_run(tmp_path, files, seen):
    assert _report(tmp_path, files, "--unseen-share", "0.25", holdout=False) == 0
    assert seen["options"].unseen_share == 0.25
    found = info(seen["assessment"].results["privacy_attacks"])
    assert found.control == "split" and found.ran()
    assert "the last 40 real rows" in found.control_note
    attacks = json.loads((tmp_path / "o.json").read_text())["privacy"]["attacks"]
    assert attacks["control"] == "split"


def test_without_holdout_or_share_no_attack_runs(tmp_path, files, seen):
    assert _report(tmp_path, files, holdout=False) == 0
    assert info(seen["assessment"].results["privacy_attacks"]).control == "none"


def test_settings_beside_the_metadata_are_read_and_flags_override_them(tmp_path, files, seen):
    meta = tmp_path / "meta.json"
    meta.write_text('{"columns": {"gender": {"sdtype": "categorical"}}}', encoding="utf-8")
    (tmp_path / "meta.synthlens.json").write_text(json.dumps({
        "synthlens_settings": 1, "quasi_identifiers": ["gender", "mba_spec"],
        "sensitive": ["salary"], "secrets": ["salary"]}), encoding="utf-8")  # fmt: skip
    assert _report(tmp_path, files, "--metadata", str(meta)) == 0
    o = seen["options"]
    assert (o.quasi_identifiers, o.sensitive, o.secrets) == (
        ("gender", "mba_spec"), ("salary",), ("salary",))  # fmt: skip
    assert _report(tmp_path, files, "--metadata", str(meta), "--secret", "placed",
                   "--quasi-identifiers", "degree_type") == 0  # fmt: skip
    o = seen["options"]
    assert (o.quasi_identifiers, o.sensitive, o.secrets) == (
        ("degree_type",), ("salary",), ("placed",))  # fmt: skip


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"{oops", "is not valid JSON"),
        (b"\xff\xfe\x00", "is not text"),
        (b'{"synthlens_settings": 1, "secrets": "salary"}', "must be a list of column names"),
        (b'{"synthlens_settings": 1, "sensitive": ["planet"]}', "'planet' is not a column"),
        (b'{"synthlens_settings": 1, "quasi_identifiers": ["salary"], "sensitive": ["salary"]}',
         "marked both quasi-identifier and sensitive"),
        (b"[" + b" " * 1_100_000 + b"]", "up to 1 MB"),
    ],
)  # fmt: skip
def test_a_bad_settings_file_is_exit_2_naming_it(tmp_path, files, capsys, content, expected):
    path = tmp_path / "bad.synthlens.json"
    path.write_bytes(content)
    err = _one_line_exit_2(_report(tmp_path, files, "--settings", str(path)), capsys)
    assert "bad.synthlens.json" in err and expected in err, err


def test_a_flag_against_the_settings_file_is_refused(tmp_path, files, capsys):
    path = tmp_path / "s.json"
    path.write_text('{"synthlens_settings": 1, "sensitive": ["gender"]}', encoding="utf-8")
    code = _report(tmp_path, files, "--settings", str(path), "--quasi-identifiers", "gender")
    assert "'gender' is marked both" in _one_line_exit_2(code, capsys)
