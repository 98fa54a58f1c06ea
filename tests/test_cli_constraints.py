"""--constraints from the command line: read, checked against the columns, refused in one line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cli


def _pair(tmp_path: Path) -> tuple[str, str]:
    rng = np.random.default_rng(0)
    out = []
    for name in ("real", "syn"):
        lo = rng.normal(0, 1, 60)
        frame = pd.DataFrame({"lo": lo, "hi": lo + rng.uniform(0, 1, 60),
                              "b": rng.choice(["x", "y"], 60)})  # fmt: skip
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
        out.append(str(tmp_path / f"{name}.csv"))
    return out[0], out[1]


def _run(tmp_path: Path, constraints: str | bytes) -> int:
    real, synthetic = _pair(tmp_path)
    path = tmp_path / "constraints.json"
    if isinstance(constraints, bytes):
        path.write_bytes(constraints)
    else:
        path.write_text(constraints, encoding="utf-8")
    return cli.main(["report", "--real", real, "--synthetic", synthetic, "--constraints",
                     str(path), "--json", str(tmp_path / "o.json"), "--quiet",
                     "--skip", "detection", "--skip", "utility"])  # fmt: skip


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{oops", "is not valid JSON"),
        ('[{"constraint_class": "Bogus", "parameters": {}}]', "'Bogus' is not a constraint class"),
        (
            '[{"constraint_class": "Inequality", "parameters": {"low_column_name": "lo", '
            '"high_column_name": "missing_col"}}]',
            "'missing_col' is not a compared column",
        ),
        (
            '[{"constraint_class": "Range", "parameters": {"low_column_name": "lo"}}]',
            "parameters 'middle_column_name', 'high_column_name' are missing",
        ),
        (b"[" + b" " * 2_000_000 + b"]", "up to 1 MB"),
    ],
)
def test_bad_constraints_file_is_exit_2_and_one_line(tmp_path, capsys, content, expected):
    code = _run(tmp_path, content)
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    assert expected in err and "constraints.json" in err and "Traceback" not in err
    assert not (tmp_path / "o.json").exists()


def test_missing_constraints_file_is_named(tmp_path, capsys):
    real, synthetic = _pair(tmp_path)
    code = cli.main(["report", "--real", real, "--synthetic", synthetic, "--constraints",
                     str(tmp_path / "nope.json"), "--json", str(tmp_path / "o.json")])  # fmt: skip
    assert code == 2 and "constraints file not found" in capsys.readouterr().err


def test_good_constraints_reach_the_options(tmp_path, monkeypatch):
    seen = {}
    from metrics import suite

    real_run = suite.run

    def spy(enc, options, *args, **kwargs):
        seen["options"] = options
        return real_run(enc, options, *args, **kwargs)

    monkeypatch.setattr(suite, "run", spy)
    good = [{"constraint_class": "Inequality",
             "parameters": {"low_column_name": "lo", "high_column_name": "hi"}}]  # fmt: skip
    assert _run(tmp_path, json.dumps(good)) == 0
    (one,) = seen["options"].constraints
    assert json.loads(one)["parameters"]["strict_boundaries"] is False
