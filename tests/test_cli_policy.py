"""`python cli.py report --policy` gates a training pipeline: 0 pass, 1 a gate fails, 2 bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import cli

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    subprocess.run([sys.executable, "demo/make_demo.py", str(out)], cwd=ROOT, check=True,
                   capture_output=True)  # fmt: skip
    return out


def report(demo: Path, tmp_path: Path, policy: str | None, *extra: str) -> list[str]:
    args = ["report", "--real", str(demo / "student_placements_real.csv"),
            "--synthetic", str(demo / "student_placements_synthetic.csv"),
            "--holdout", str(demo / "student_placements_holdout.csv"),
            "--json", str(tmp_path / "out.json"), "--quiet", *extra]  # fmt: skip
    if policy is not None:
        path = tmp_path / "policy.toml"
        path.write_text(policy, encoding="utf-8")
        args += ["--policy", str(path)]
    return args


def test_default_policy_fails_the_demo_with_exit_1_and_says_which_gates(demo, tmp_path, capsys):
    default = (ROOT / "review" / "default_policy.toml").read_text(encoding="utf-8")
    assert cli.main(report(demo, tmp_path, default)) == 1
    err = capsys.readouterr().err
    assert "FAIL Privacy score" in err and "PASS Fidelity score" in err
    review = json.loads((tmp_path / "out.json").read_text())["review"]
    assert {g["name"]: g["passed"] for g in review["gates"]}["privacy_min"] is False
    assert review["policy"]["gates"]["privacy_min"] == 0.6


def test_a_policy_the_demo_meets_exits_0(demo, tmp_path, capsys):
    policy = "[gates]\noverall_min = 0.5\nprivacy_min = false\nmax_exact_copy_rate = 0.05\n" \
             "max_open_high_findings = false\n"  # fmt: skip
    assert cli.main(report(demo, tmp_path, policy)) == 0
    err = capsys.readouterr().err
    assert "FAIL" not in err and "PASS Overall score" in err


def test_an_optional_score_that_is_missing_does_not_fail(demo, tmp_path, capsys):
    policy = "[gates]\noverall_min = false\nfidelity_min = false\ndetection_min = false\n" \
             "privacy_min = false\nmax_open_high_findings = false\nmax_exact_copy_rate = false\n"  # fmt: skip
    args = report(demo, tmp_path, policy, "--skip", "utility")
    assert cli.main(args) == 0
    assert "SKIP Utility score" in capsys.readouterr().err


def test_a_broken_policy_exits_2_with_one_line(demo, tmp_path):
    args = report(demo, tmp_path, "[gates]\noveral_min = 0.9\n")
    done = subprocess.run([sys.executable, "cli.py", *args], cwd=ROOT, capture_output=True,
                          text=True)  # fmt: skip
    assert done.returncode == 2
    assert "Did you mean 'overall_min'?" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out.json").exists()
