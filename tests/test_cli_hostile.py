"""Issue 10 from the command line: hostile inputs are read right or refused in one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cli

ROOT = Path(__file__).resolve().parents[1]
SECRET = "S3cretPASS"


def _write(path: Path, frame: pd.DataFrame) -> str:
    frame.to_csv(path, index=False)
    return str(path)


def _run(tmp_path: Path, *args: str) -> int:
    return cli.main(["report", *args, "--json", str(tmp_path / "o.json"), "--quiet"])


def _pair(tmp_path: Path, n: int = 60) -> tuple[str, str]:
    rng = np.random.default_rng(0)
    frames = [
        pd.DataFrame({"a": rng.normal(shift, 1, n), "b": rng.choice(["x", "y"], n)})
        for shift in (0.0, 0.3)
    ]
    return _write(tmp_path / "real.csv", frames[0]), _write(tmp_path / "syn.csv", frames[1])


def test_mixed_utc_offsets_are_read_and_compared(tmp_path, capsys):
    days = [f"2021-03-{1 + i % 28:02d}" for i in range(60)]
    real = pd.DataFrame({"t": [f"{d}T10:00:00+0{i % 3}:00" for i, d in enumerate(days)],
                         "x": range(60)})  # fmt: skip
    synthetic = pd.DataFrame({"t": [f"{d}T09:00:00Z" for d in days], "x": range(60)})
    code = _run(tmp_path, "--real", _write(tmp_path / "r.csv", real),
                "--synthetic", _write(tmp_path / "s.csv", synthetic))  # fmt: skip
    assert code == 0, capsys.readouterr().err
    report = json.loads((tmp_path / "o.json").read_text(encoding="utf-8"))
    assert report["schema"]["t"] == "datetime"
    column = next(c for c in report["columns"] if c["column"] == "t")
    assert column["error"] is None and 0 <= column["score"] <= 1
    assert "Traceback" not in capsys.readouterr().err


def test_holdout_missing_a_compared_column_is_one_line_naming_it(tmp_path, capsys):
    real, synthetic = _pair(tmp_path)
    holdout = _write(tmp_path / "hold.csv", pd.DataFrame({"a": [1.0, 2.0, 3.0]}))
    code = _run(tmp_path, "--real", real, "--synthetic", synthetic, "--holdout", holdout)
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    assert "holdout file" in err and "hold.csv" in err and "lacks 1 compared column: 'b'" in err
    assert not (tmp_path / "o.json").exists()


def test_max_columns_flag_and_environment(tmp_path, capsys, monkeypatch):
    real, synthetic = _pair(tmp_path)
    assert _run(tmp_path, "--real", real, "--synthetic", synthetic, "--max-columns", "1") == 2
    err = capsys.readouterr().err
    assert "real.csv' has 2 columns in the header row, over the limit of 1 columns" in err
    monkeypatch.setenv("SYNTHLENS_MAX_COLUMNS", "1")
    assert _run(tmp_path, "--real", real, "--synthetic", synthetic, "--max-columns", "2") == 0
    assert _run(tmp_path, "--real", real, "--synthetic", synthetic) == 2
    assert "over the limit of 1 columns" in capsys.readouterr().err
    assert _run(tmp_path, "--real", real, "--synthetic", synthetic, "--max-columns", "0") == 2
    assert "expected a positive whole number" in capsys.readouterr().err


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+psycopg://analyst:{SECRET}@127.0.0.1:1/reviews",  # nothing listens
        f"postgresql+psycopg://analyst:{SECRET}@127.0.0.1:notaport/reviews",  # does not parse
        f"postgresql+nosuchdriver://analyst:{SECRET}@127.0.0.1/reviews",
        f"sqlite:////no/such/folder/x.db?password={SECRET}",
    ],
    ids=["refused", "bad-port", "no-driver", "query"],
)
def test_review_db_errors_never_print_the_password(tmp_path, capsys, url):
    real, synthetic = _pair(tmp_path)
    policy = ROOT / "review" / "default_policy.toml"
    code = _run(tmp_path, "--real", real, "--synthetic", synthetic, "--policy", str(policy),
                "--review-db", url)  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    assert SECRET not in err and "***" in err and "review database" in err


def test_quiet_prints_no_numeric_warnings(tmp_path):
    rng = np.random.default_rng(1)

    def frame(shift: float) -> pd.DataFrame:
        a = rng.normal(shift, 1, 300)
        a[:5], a[5:8] = np.inf, -np.inf
        return pd.DataFrame({"a": a, "tiny": rng.normal(0, 1, 300) * 1e-310,
                             "huge": rng.normal(0, 1, 300) * 1e300,
                             "c": rng.choice(["x", "y"], 300)})  # fmt: skip

    real = _write(tmp_path / "r.csv", frame(0.0))
    synthetic = _write(tmp_path / "s.csv", frame(0.3))
    out = subprocess.run(
        [sys.executable, "cli.py", "report", "--real", real, "--synthetic", synthetic,
         "--json", str(tmp_path / "o.json"), "--quiet"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stderr.strip().startswith("overall score"), out.stderr
    assert "Warning" not in out.stderr


def test_an_unexpected_error_is_one_line_with_its_own_exit_code(tmp_path, capsys, monkeypatch):
    real, syn = _pair(tmp_path)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug\nover two lines")

    monkeypatch.setattr(cli, "cmd_report", broken)
    monkeypatch.delenv("SYNTHLENS_DEBUG", raising=False)
    assert _run(tmp_path, "--real", real, "--synthetic", syn) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "RuntimeError: a bug over two lines" in err and "SYNTHLENS_DEBUG=1" in err
