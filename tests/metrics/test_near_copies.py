"""One-cell near copies: found where real rows repeat, counted above their natural rate.

Real tables from scikit-learn and the project's demo. "Duplicate-rich" real data: records entered
twice (exact duplicate rows) or measured twice (every number jittered by 0.01%), where the
distance-based near copy (below the holdout's 1st-percentile distance) collapses towards 0.
Planted near copies: 3% of synthetic rows replaced by a training row with one numeric cell moved
by 0.1% of that column's range. The honest synthetic sample is an independent third of the table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_wine

from metrics import near_hashes
from metrics.encode import encode
from metrics.flags_copies import flag_copies
from metrics.flags_kinds import KINDS, NEAR_COPY, Events
from metrics.near_copies import one_cell_copies
from metrics.near_hashes import exact_duplicates
from metrics.options import Options
from metrics.privacy import compute_privacy, info, privacy_json
from metrics.privacy_info import near_copy_sentence
from metrics.schema import ColumnSpec, Kind, Schema, infer

CATS = ("target",)


def schema_for(frame: pd.DataFrame) -> Schema:
    return Schema(
        [ColumnSpec(c, Kind.CATEGORICAL if c in CATS else Kind.NUMERICAL) for c in frame.columns]
    )


def thirds(frame: pd.DataFrame, seed: int = 0) -> list[pd.DataFrame]:
    """Real, holdout and an honest synthetic sample: three disjoint random thirds."""
    p = np.random.default_rng(seed).permutation(len(frame))
    k = len(frame) // 3
    return [frame.iloc[np.sort(p[i * k : (i + 1) * k])].reset_index(drop=True) for i in range(3)]


def repeated(loader=load_breast_cancer, seed: int = 0) -> pd.DataFrame:
    """Every record entered twice: exact duplicate rows."""
    d = loader(as_frame=True).frame
    return pd.concat([d, d], ignore_index=True).sample(frac=1.0, random_state=seed)


def remeasured(loader=load_diabetes, seed: int = 0) -> pd.DataFrame:
    """Every record measured twice: the twin has every number jittered by 0.01%."""
    d = loader(as_frame=True).frame
    twin = d.copy()
    nums = [c for c in d.columns if c not in CATS]
    jitter = np.random.default_rng(seed).standard_normal((len(d), len(nums)))
    twin[nums] = d[nums].to_numpy() * (1 + 1e-4 * jitter)
    return pd.concat([d, twin], ignore_index=True).sample(frac=1.0, random_state=seed)


def corrected(loader=load_diabetes, seed: int = 0) -> pd.DataFrame:
    """Every record twice, the twin with one number corrected by 0.3% of its range: real rows
    that are one-cell near copies of each other by nature."""
    d = loader(as_frame=True).frame
    rng = np.random.default_rng(seed)
    twin = d.copy()
    nums = [c for c in d.columns if c not in CATS and d[c].nunique() > 20]
    for i, c in enumerate(rng.choice(nums, len(d))):
        twin.loc[i, c] = d.loc[i, c] + 0.003 * (d[c].max() - d[c].min())
    return pd.concat([d, twin], ignore_index=True).sample(frac=1.0, random_state=seed)


def plant(synthetic: pd.DataFrame, real: pd.DataFrame, share: float = 0.03, seed: int = 5):
    """``share`` of the synthetic rows become a real row with one numeric cell moved by 0.1% of
    its range; the rows, the real rows copied and the columns moved."""
    rng = np.random.default_rng(seed)
    n = max(1, int(round(share * len(synthetic))))
    rows = np.sort(rng.choice(len(synthetic), n, replace=False))
    src = rng.choice(len(real), n, replace=False)
    nums = [c for c in real.columns if c not in CATS and real[c].max() > real[c].min()]
    cols = rng.choice(nums, n)
    out = synthetic.copy().astype({c: float for c in nums})
    for r, s, c in zip(rows, src, cols, strict=True):
        out.iloc[r] = real.iloc[s]
        out.loc[r, c] = real.loc[s, c] + 0.001 * (real[c].max() - real[c].min()) * rng.choice(
            [-1, 1]
        )
    return out, rows, src, cols


def near_flags(result) -> tuple[dict[int, str], list[str], float | None]:
    """The rows flagged ``near_copy`` with the column each flag names, the notes, the distance
    threshold."""
    ev, notes = Events(), []
    thr = flag_copies(result, ev, notes)
    flagged: dict[int, str] = {}
    for rows, kind, col, *_ in ev.parts:
        if KINDS[kind] == NEAR_COPY:
            for r in rows:
                flagged.setdefault(int(r), col)
    return flagged, notes, thr


DUPLICATE_RICH = {
    "digits": lambda: load_digits(as_frame=True).frame,
    "breast cancer entered twice": repeated,
    "diabetes measured twice": remeasured,
}


@pytest.fixture(scope="module", params=list(DUPLICATE_RICH))
def table(request):
    frame = DUPLICATE_RICH[request.param]().reset_index(drop=True)
    real, holdout, honest = thirds(frame)
    return request.param, schema_for(frame), real, holdout, honest


@pytest.mark.parametrize("with_holdout", [True, False])
def test_planted_near_copies_are_flagged_and_lower_the_copy_part(table, with_holdout):
    name, schema, real, holdout, honest = table
    planted, rows, src, cols = plant(honest, real)
    hold = holdout if with_holdout else None
    clean = compute_privacy(encode(real, honest, schema, hold), Options())
    res = compute_privacy(encode(real, planted, schema, hold), Options())
    found = info(res)
    flagged, _, _ = near_flags(res)
    right = [flagged.get(int(r)) == c for r, c in zip(rows, cols, strict=True)]
    assert np.mean(right) >= 0.9, name
    # The near copy names the real row it copies (or an exact duplicate of it).
    ref, ok = found.near_copy.ref[rows], found.near_copy.found[rows]
    named, copied = real.iloc[ref[ok]], real.iloc[src[ok]]
    np.testing.assert_array_equal(named.to_numpy(), copied.to_numpy())
    assert found.near_copies >= 0.9 * len(rows)
    assert found.copy_score < info(clean).copy_score == 1.0
    assert res.score < clean.score
    near = next(f for f in res.findings if f.kind == "near_copies")
    assert set(near.rows) <= set(rows.tolist()) and near.beyond > 0
    assert "For example, synthetic row" in near.message


def test_the_distance_threshold_collapses_where_records_repeat():
    # The measured miss: real rows entered twice put 1% of holdout rows at distance 0 from a
    # training row, so the distance flags nothing; the one-cell rule still finds every one.
    real, holdout, honest = thirds(repeated().reset_index(drop=True))
    planted, rows, _, cols = plant(honest, real)
    res = compute_privacy(encode(real, planted, schema_for(real), holdout), Options())
    flagged, notes, thr = near_flags(res)
    assert thr == 0.0
    assert any(n.startswith("Near copies by distance not flagged") for n in notes)
    assert all(flagged.get(int(r)) == c for r, c in zip(rows, cols, strict=True))


@pytest.mark.parametrize("with_holdout", [True, False])
def test_an_honest_sample_sits_at_its_baseline(table, with_holdout):
    name, schema, real, holdout, honest = table
    res = compute_privacy(
        encode(real, honest, schema, holdout if with_holdout else None), Options()
    )
    found = info(res)
    assert found.near_copy_excess_interval[0] == 0.0, name
    assert found.copy_score_interval[1] == 1.0
    assert "near_copies" not in {f.kind for f in res.findings}
    assert "exact_copies" not in {f.kind for f in res.findings}  # duplicates at their rate too


@pytest.mark.parametrize("with_holdout", [True, False])
def test_real_rows_that_are_near_copies_by_nature_set_the_baseline(with_holdout):
    # Every record twice, the twin one cell apart: a third of an independent sample's rows are
    # one-cell near copies of the real rows. The baseline must say so, so that they cost nothing.
    real, holdout, honest = thirds(corrected().reset_index(drop=True))
    schema = schema_for(real)
    res = compute_privacy(
        encode(real, honest, schema, holdout if with_holdout else None), Options()
    )
    found = info(res)
    assert 0.2 < found.near_copy_rate < 0.45 and 0.2 < found.holdout_near_copy_rate < 0.45
    assert found.near_copy_excess_interval[0] == 0.0
    assert "near_copies" not in {f.kind for f in res.findings}
    flagged, notes, _ = near_flags(res)
    # Too common among real rows to say anything about one row: a note, not flags.
    assert not any(c for c in flagged.values())
    assert any(n.startswith("One-cell near copies not flagged row by row") for n in notes)


def test_the_holdout_baseline_is_counted_the_same_way():
    # Plant the same 3% in the holdout: its rows count as near copies by the same rule, and a
    # synthetic sample with as many has no excess.
    frame = load_digits(as_frame=True).frame
    real, holdout, honest = thirds(frame)
    schema = schema_for(frame)
    planted, rows, _, _ = plant(honest, real, seed=5)
    held, hold_rows, _, _ = plant(holdout, real, seed=6)
    enc = encode(real, planted, schema, held)
    direct = one_cell_copies(enc, enc.holdout, np.arange(len(held)), enc.real, np.arange(len(real)))
    res = compute_privacy(enc, Options())
    found = info(res)
    assert found.holdout_near_copies == direct.count == len(hold_rows)
    assert set(np.flatnonzero(direct.found)) == set(hold_rows.tolist())
    assert found.n_baseline == len(held)
    assert found.near_copy_rate == pytest.approx(found.holdout_near_copy_rate, abs=0.005)
    assert found.near_copy_excess_interval[0] == 0.0
    assert "near_copies" not in {f.kind for f in res.findings}
    assert found.baseline == "holdout"
    assert "holdout rows compared with every real row" in found.baseline_note


def test_without_a_holdout_each_real_row_is_compared_with_the_others():
    frame = load_wine(as_frame=True).frame
    real = frame.iloc[:120].reset_index(drop=True)
    twins = real.iloc[:6].copy()
    twins["alcohol"] += 0.002 * (real["alcohol"].max() - real["alcohol"].min())
    real = pd.concat([real, twins], ignore_index=True)  # 6 pairs of one-cell twins
    enc = encode(real, frame.iloc[120:], schema_for(frame))
    found = info(compute_privacy(enc, Options()))
    assert found.n_baseline == len(real) and found.holdout_near_copies == 12
    assert found.baseline == "leave-one-out" and "leave-one-out" in found.baseline_note
    assert "0.0% of real rows" in found.message  # no exact duplicate among the real rows
    # A row never matches itself: the same rows alone have no near copy.
    alone = one_cell_copies(enc, enc.real, np.arange(120), enc.real, np.arange(120))
    assert alone.count == 0


SMALL = Schema(
    [
        ColumnSpec("x", Kind.NUMERICAL),
        ColumnSpec("y", Kind.NUMERICAL),
        ColumnSpec("c", Kind.CATEGORICAL),
        ColumnSpec("when", Kind.DATETIME),
    ]
)


def small() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "x": [0.0, 100.0, 50.0, 20.0],
            "y": [1.0, 2.0, np.nan, 4.0],
            "c": ["a", "b", "a", "b"],
            "when": pd.to_datetime(["2020-01-01", "2021-01-01", "2020-06-01", "2020-03-01"]),
        }
    )


def test_the_rule_at_known_values():
    real = small()
    syn = real.iloc[[0, 0, 2, 1, 3, 3]].reset_index(drop=True)
    syn.loc[0, "x"] += 0.5  # 0.5% of x's range: a near copy of real row 0
    syn.loc[1, "x"] += 1.5  # 1.5%: too far
    syn.loc[2, "x"] -= 1.0  # y missing on both sides counts as equal: near copy of row 2
    syn.loc[3, ["x", "y"]] += [0.5, 0.01]  # two cells differ: no
    # row 4 is an exact copy of real row 3: counted as such (skipped), never as a near copy
    syn.loc[5, ["x", "c"]] = [20.5, "a"]  # the category differs too: no
    enc = encode(real, syn, SMALL)
    args = (enc, enc.synthetic, np.arange(6), enc.real, np.arange(4))
    got = one_cell_copies(*args, skip=np.arange(6) == 4)
    np.testing.assert_array_equal(got.ref, [0, -1, 2, -1, -1, -1])
    assert got.column_of(0) == "x" and got.share[0] == pytest.approx(0.005)
    assert (
        got.words(0) == "equal to real row 0 on every column but x: 0.5 vs 0.0 (0.5% of x's range)"
    )
    # Unskipped, an exact copy is still no near copy: the values must differ.
    assert one_cell_copies(*args).ref[4] == -1


def test_a_datetime_cell_is_said_as_dates():
    real = small()
    syn = real.iloc[[1]].reset_index(drop=True)
    syn["when"] += pd.Timedelta(days=3)  # 3 of 366 days: 0.82% of the range
    enc = encode(real, syn, SMALL)
    got = one_cell_copies(enc, enc.synthetic, np.arange(1), enc.real, np.arange(4))
    assert got.words(0) == (
        "equal to real row 1 on every column but when: 2021-01-04 vs 2021-01-01 "
        "(0.82% of when's range)"
    )


def test_hash_collisions_never_make_a_near_copy(monkeypatch):
    # All multipliers 0: every row hashes alike, so every row is a candidate against the nearest
    # value of the whole column; the value check must reject every pair that is no near copy.
    frame = load_wine(as_frame=True).frame
    real, _, honest = thirds(frame)
    planted, rows, _, _ = plant(honest, real, share=0.1)
    enc = encode(real, planted, schema_for(frame))
    args = (enc, enc.synthetic, np.arange(len(planted)), enc.real, np.arange(len(real)))
    true = one_cell_copies(*args)
    assert set(np.flatnonzero(true.found)) == set(rows.tolist())
    monkeypatch.setattr(near_hashes, "multipliers", lambda cols: {c: np.uint64(0) for c in cols})
    collided = one_cell_copies(*args)
    hit = collided.found
    assert set(np.flatnonzero(hit)) <= set(rows.tolist())
    np.testing.assert_array_equal(collided.ref[hit], true.ref[hit])


def test_exact_duplicates_are_rows_equal_to_another_row():
    real = small()
    both = pd.concat([real, real.iloc[[2]]], ignore_index=True)
    enc = encode(both, both, SMALL)
    np.testing.assert_array_equal(exact_duplicates(enc, enc.real), [0, 0, 1, 0, 1])


def test_the_demo_with_planted_near_copies():
    # 54 holdout rows leave the natural rate uncertain (up to 6.6%), so 18 near copies of 600
    # lower the copy part without a finding beyond the noise; every one is flagged.
    from tests.demo_pair import frames

    f = frames()
    real, synthetic, holdout = f["real"], f["synthetic"], f["holdout"]
    schema = infer(real, synthetic)
    rng = np.random.default_rng(3)
    rows = np.sort(rng.choice(len(synthetic), 18, replace=False))  # 3% of 600
    src = rng.choice(len(real), 18, replace=False)
    cols = rng.choice(["second_perc", "degree_perc", "mba_perc", "employability_perc"], 18)
    planted = synthetic.copy()
    for r, s, c in zip(rows, src, cols, strict=True):
        planted.iloc[r] = real.iloc[s]
        planted.loc[r, c] = real.loc[s, c] + 0.001 * (real[c].max() - real[c].min())
    planted["student_id"] = synthetic["student_id"]  # ids stay fresh
    before = compute_privacy(encode(real, synthetic, schema, holdout), Options())
    res = compute_privacy(encode(real, planted, schema, holdout), Options())
    flagged, _, _ = near_flags(res)
    assert np.mean([flagged.get(int(r)) == c for r, c in zip(rows, cols, strict=True)]) >= 0.9
    assert info(res).copy_score < info(before).copy_score
    assert info(res).near_copies >= 17 and info(before).near_copies == 0
    assert near_copy_sentence(info(res)).startswith(f"{info(res).near_copies} of 600 synthetic")
    assert near_copy_sentence(info(before)).startswith("None of the 600 synthetic rows")
    out = privacy_json(res)
    for key in ("near_copies", "near_copy_rate", "holdout_near_copy_rate", "near_copy_score"):
        assert key in out
    low, high = out["near_copy_rate_interval"]
    assert low <= out["near_copy_rate"] <= high and out["near_copies"] >= 17
    assert out["near_copy_examples"][0].startswith(f"synthetic row {rows[0]}: equal to real row")
