"""`python cli.py report --policy` gates a training pipeline: 0 pass, 1 a gate fails, 2 bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import cli

ROOT = Path(__file__).resolve().parents[1]
# The privacy attacks' gates, off: the demo's planted leaks fail them, so tests about other
# gates turn them off (they are checked at the end, and in tests/review/test_attack_gates.py).
NO_ATTACK_GATES = ("max_singling_out_risk = false\nmax_linkability_risk = false\n"
                   "max_inference_risk = false\nmax_membership_auc = false\n")  # fmt: skip


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
             "max_open_high_findings = false\n" + NO_ATTACK_GATES  # fmt: skip
    assert cli.main(report(demo, tmp_path, policy)) == 0
    err = capsys.readouterr().err
    assert "FAIL" not in err and "PASS Overall score" in err


def test_an_optional_score_that_is_missing_does_not_fail(demo, tmp_path, capsys):
    policy = "[gates]\noverall_min = false\nfidelity_min = false\ndetection_min = false\n" \
             "privacy_min = false\nmax_open_high_findings = false\nmax_exact_copy_rate = false\n" \
             + NO_ATTACK_GATES  # fmt: skip
    args = report(demo, tmp_path, policy, "--skip", "utility")
    assert cli.main(args) == 0
    assert "SKIP Utility score" in capsys.readouterr().err


def test_a_broken_policy_exits_2_with_one_line(demo, tmp_path):
    args = report(demo, tmp_path, "[gates]\noveral_min = 0.9\nfidelity_min = 7\n")
    done = subprocess.run([sys.executable, "cli.py", *args], cwd=ROOT, capture_output=True,
                          text=True)  # fmt: skip
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Did you mean 'overall_min'?" in done.stderr
    assert "fidelity_min must be a number between 0 and 1" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out.json").exists()


def test_an_unwritable_report_path_exits_2_before_any_work(demo, tmp_path, capsys):
    args = report(demo, tmp_path, None)
    args[args.index("--json") + 1] = str(tmp_path / "no such folder" / "out.json")
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write") and "does not exist" in err
    assert "[" not in err  # no progress line: nothing was computed


def _stored_review(demo: Path, db: Path):
    """The demo assessed as the app does (same file hashes), its items in a review database."""
    from metrics import io, suite
    from outputs.review_items import identity, items_for
    from review import Store

    files = {r: demo / f"student_placements_{r}.csv" for r in ("real", "synthetic", "holdout")}
    frames = {r: io.read_table(p) for r, p in files.items()}
    inputs = {r: suite.InputInfo(r, p.name, len(frames[r]), frames[r].shape[1],
                                 io.file_sha256(p)) for r, p in files.items()}  # fmt: skip
    a = suite.assess(frames["real"], frames["synthetic"], frames["holdout"], inputs=inputs)
    store = Store(f"sqlite+pysqlite:///{db}")
    ident = identity(a)
    run = store.get_or_create_run(ident.inputs, ident.names, ident.tool_version, ident.settings,
                                  ident.scores)  # fmt: skip
    return store, store.add_items(run.id, items_for(a, frames["synthetic"]))


REVIEW_GATES_ONLY = (
    """
[gates]
overall_min = false
privacy_min = false
max_exact_copy_rate = false
"""
    + NO_ATTACK_GATES
)


@pytest.mark.slow
def test_review_db_counts_the_analysts_decisions(demo, tmp_path, capsys):
    db = tmp_path / "review.db"
    store, items = _stored_review(demo, db)
    high = [i for i in items if i.severity == "high" and i.row is None]
    assert len(high) >= 2  # how many is the metrics' business; one rejected, the rest accepted
    args = report(demo, tmp_path, REVIEW_GATES_ONLY, "--review-db", str(db))

    assert cli.main(args) == 1  # nothing decided yet: every high finding is open
    err = capsys.readouterr().err
    assert f"FAIL Open high-severity findings: {len(high)} high-severity findings" in err

    for i in high[1:]:
        store.decide(i.id, "accepted", "Ana", expected_version=i.version)
    store.decide(high[0].id, "rejected", "Ana", expected_version=high[0].version)
    assert cli.main(args) == 1
    err = capsys.readouterr().err
    assert "review: decisions from review run" in err
    assert "PASS Open high-severity findings" in err
    assert "FAIL Rejected findings: 1 finding was rejected" in err

    store.decide(high[0].id, "waived", "Ana", reason="known", expected_version=2)
    store.close()
    assert cli.main(args) == 0
    gates = json.loads((tmp_path / "out.json").read_text())["review"]["gates"]
    assert not any(g["blocking"] for g in gates)
    by_name = {g["name"]: g["status"] for g in gates}
    assert by_name["max_open_high_findings"] == by_name["max_rejected_findings"] == "passed"


def test_review_db_problems_are_one_line(demo, tmp_path, capsys):
    missing = report(demo, tmp_path, REVIEW_GATES_ONLY, "--review-db", str(tmp_path / "nope.db"))
    assert cli.main(missing) == 2
    assert "review database not found" in capsys.readouterr().err
    garbage = tmp_path / "garbage.db"
    garbage.write_text("not a database")
    bad = report(demo, tmp_path, REVIEW_GATES_ONLY, "--review-db", str(garbage))
    assert cli.main(bad) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot read the review database {garbage}: ")
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out.json").exists()
    # Without --policy the stored policy is used: a missing database is still bad input.
    assert cli.main(report(demo, tmp_path, None, "--review-db", "x.db")) == 2
    assert "review database not found: x.db" in capsys.readouterr().err


ONLY_FIDELITY = (
    """
[gates]
overall_min = false
fidelity_min = 0.5
coverage_min = false
detection_min = false
privacy_min = false
utility_min = false
max_open_high_findings = false
max_rejected_findings = false
max_exact_copy_rate = false
"""
    + NO_ATTACK_GATES
)


@pytest.fixture
def wide_fidelity_interval(monkeypatch):
    """The demo's assessment (computed once) with a fidelity interval from 0 to 1, so that any
    threshold straddles it; records the options the CLI asked for."""
    import dataclasses

    from metrics import suite
    from tests import demo_pair

    seen = {}
    a = demo_pair.assessment("placed")  # before the patch: it calls suite.run itself

    def run(enc, options, progress=None, inputs=None):
        seen["options"] = options
        return dataclasses.replace(a, intervals={**a.intervals, "fidelity": (0.0, 1.0)})

    monkeypatch.setattr(suite, "run", run)
    return seen


def test_an_undecided_gate_exits_1_and_says_undecided(demo, tmp_path, capsys,
                                                      wide_fidelity_interval):  # fmt: skip
    assert cli.main(report(demo, tmp_path, ONLY_FIDELITY)) == 1
    err = capsys.readouterr().err
    assert "UNDECIDED Fidelity score: Fidelity score 0." in err
    assert "(95% interval 0.00-1.00) straddles the threshold 0.50: undecided. Collect more " \
           "rows, or set allow_undecided = true in the policy to accept it." in err  # fmt: skip
    assert "FAIL" not in err and "PASS" not in err
    review = json.loads((tmp_path / "out.json").read_text())["review"]
    (gate,) = review["gates"]
    assert (gate["status"], gate["passed"], gate["blocking"]) == ("undecided", None, True)
    assert gate["interval"] == [0.0, 1.0]
    assert review["policy"]["decide_on"] == "estimate"
    assert review["policy"]["allow_undecided"] is False
    assert wide_fidelity_interval["options"].keep_trivial_target is False


def test_allow_undecided_exits_0_on_an_undecided_gate(demo, tmp_path, capsys,
                                                      wide_fidelity_interval):  # fmt: skip
    policy = "allow_undecided = true\n" + ONLY_FIDELITY
    assert cli.main(report(demo, tmp_path, policy, "--keep-trivial-target")) == 0
    err = capsys.readouterr().err
    assert "UNDECIDED Fidelity score" in err and "(allow_undecided = true)" in err
    assert wide_fidelity_interval["options"].keep_trivial_target is True


def test_decide_on_bound_fails_the_gate_with_exit_1(demo, tmp_path, capsys,
                                                    wide_fidelity_interval):  # fmt: skip
    policy = 'decide_on = "bound"\nallow_undecided = true\n' + ONLY_FIDELITY
    assert cli.main(report(demo, tmp_path, policy)) == 1
    err = capsys.readouterr().err
    assert "FAIL Fidelity score" in err and "its low end 0.00 is below the minimum of 0.50" in err


def test_a_bad_decide_on_exits_2_naming_the_allowed_values(demo, tmp_path, capsys):
    assert cli.main(report(demo, tmp_path, 'decide_on = "lower"\n')) == 2
    err = capsys.readouterr().err
    assert 'decide_on must be "estimate" or "bound" (got \'lower\')' in err


# --- the privacy attacks' gates ----------------------------------------------------------------

# Only the attack gates, deciding on the high end of each interval.
ATTACK_GATES_ONLY = 'decide_on = "bound"\n[gates]\n' + "".join(
    f"{name} = false\n"
    for name in ("overall_min", "fidelity_min", "coverage_min", "detection_min", "privacy_min",
                 "utility_min", "max_open_high_findings", "max_rejected_findings",
                 "max_exact_copy_rate")
)  # fmt: skip
# What the attack gates do not read, skipped to keep the runs short.
SKIP_OTHERS = [a for name in ("detection", "utility", "subgroups", "rules", "row_flags",
                              "pair_trends", "wasserstein_similarity") for a in ("--skip", name)]  # fmt: skip


@pytest.fixture(scope="module")
def cancer(tmp_path_factory) -> Path:
    """Thirds of scikit-learn's breast-cancer table: training rows, holdout, and a synthetic
    set of unseen real rows with a fifth of them replaced by copied training rows."""
    import pandas as pd
    from sklearn.datasets import load_breast_cancer

    out = tmp_path_factory.mktemp("cancer")
    df = load_breast_cancer(as_frame=True).frame.sample(frac=1, random_state=0)
    k = len(df) // 3
    real, unseen, holdout = (df.iloc[i * k : (i + 1) * k] for i in range(3))
    leaky = pd.concat([real.iloc[: k // 5], unseen.iloc[k // 5 :]])
    for name, frame in (("real", real), ("leaky", leaky), ("holdout", holdout)):
        frame.to_csv(out / f"{name}.csv", index=False)
    return out


def cancer_report(cancer: Path, tmp_path: Path, policy: str, holdout: bool = True) -> list[str]:
    path = tmp_path / "policy.toml"
    path.write_text(policy, encoding="utf-8")
    args = ["report", "--real", str(cancer / "real.csv"), "--synthetic",
            str(cancer / "leaky.csv"), "--json", str(tmp_path / "out.json"), "--quiet",
            "--attacks", "300", "--policy", str(path), *SKIP_OTHERS]  # fmt: skip
    return args + (["--holdout", str(cancer / "holdout.csv")] if holdout else [])


def test_a_failing_attack_gate_exits_1_and_says_which(cancer, tmp_path, capsys):
    assert cli.main(cancer_report(cancer, tmp_path, ATTACK_GATES_ONLY)) == 1
    err = capsys.readouterr().err
    assert "FAIL Singling-out risk: Singling-out risk 0." in err
    assert "is above the maximum of 0.10" in err and "PASS" not in err
    gates = json.loads((tmp_path / "out.json").read_text())["review"]["gates"]
    by_name = {g["name"]: g for g in gates}
    assert set(by_name) == {"max_singling_out_risk", "max_linkability_risk",
                            "max_inference_risk", "max_membership_auc"}  # fmt: skip
    assert all(g["status"] == "failed" and g["kind"] == "max_value" for g in gates)
    assert by_name["max_membership_auc"]["threshold"] == 0.6


def test_without_a_holdout_the_attack_gates_block_unless_the_policy_makes_them_optional(
    cancer, tmp_path, capsys
):
    assert cli.main(cancer_report(cancer, tmp_path, ATTACK_GATES_ONLY, holdout=False)) == 1
    err = capsys.readouterr().err
    assert ("FAIL Membership-inference AUC: Membership-inference AUC was not computed (no "
            "privacy attack was run: no holdout was uploaded)") in err  # fmt: skip
    assert "--unseen-share" in err
    optional = 'optional_scores = ["utility", "privacy_attacks"]\n' + ATTACK_GATES_ONLY
    assert cli.main(cancer_report(cancer, tmp_path, optional, holdout=False)) == 0
    err = capsys.readouterr().err
    assert "SKIP Singling-out risk" in err and "FAIL" not in err and "PASS" not in err


@pytest.mark.slow
def test_review_db_without_policy_gates_on_the_stored_policy_and_names_its_version(
    demo, tmp_path, capsys
):
    from review import Store

    db = tmp_path / "review.db"
    with Store(f"sqlite+pysqlite:///{db}", webhooks=None) as store:
        # An admin saved a policy the demo meets; the CI job must judge against it, not a file.
        stored = (
            REVIEW_GATES_ONLY + "max_open_high_findings = false\nmax_rejected_findings = false\n"
        )
        store.save_policy(stored, "Boss", "admin", expected_version=0)
        head = store.chain_state().head_hash
    assert cli.main(report(demo, tmp_path, None, "--review-db", str(db))) == 0
    review = json.loads((tmp_path / "out.json").read_text())["review"]
    assert (review["policy_version"], review["policy_source"]) == (1, "review database")
    assert review["policy"]["gates"]["overall_min"] is None
    assert review["audit_chain"]["intact"] is True and review["audit_chain"]["head_hash"] == head
