"""The mixed-type distance and the blockwise nearest-neighbour search."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metrics import distance
from metrics.distance import (
    MISSING_PENALTY,
    DistanceSpace,
    distance_matrix,
    nearest,
    paired_distances,
    robust_scale,
)
from metrics.encode import encode
from metrics.schema import ColumnSpec, Kind, Schema

SCHEMA = Schema(
    [
        ColumnSpec("x", Kind.NUMERICAL),
        ColumnSpec("when", Kind.DATETIME),
        ColumnSpec("colour", Kind.CATEGORICAL),
        ColumnSpec("flag", Kind.BOOLEAN),
        ColumnSpec("id", Kind.ID),
    ]
)


def _real() -> pd.DataFrame:
    # x: quartiles 1 and 3 -> IQR 2; when: IQR 2 days.
    return pd.DataFrame(
        {
            "x": [0.0, 1.0, 2.0, 3.0, 4.0],
            "when": pd.to_datetime(
                ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"]
            ),
            "colour": ["red", "blue", "red", "green", "blue"],
            "flag": [True, False, True, True, False],
            "id": ["a", "b", "c", "d", "e"],
        }
    )


def _space(synthetic: pd.DataFrame):
    enc = encode(_real(), synthetic, SCHEMA)
    return enc, DistanceSpace.fit(enc)


def test_scales_are_real_iqr_with_fallbacks():
    assert robust_scale(np.array([0.0, 1, 2, 3, 4])) == (2.0, 2.0)
    # IQR 0 (mostly one value): 1.349 * std
    values = np.array([0.0] * 9 + [10.0])
    assert robust_scale(values)[1] == pytest.approx(1.349 * values.std())
    assert robust_scale(np.array([5.0, 5.0, np.nan])) == (5.0, 1.0)
    assert robust_scale(np.array([np.nan])) == (0.0, 1.0)


def test_identical_rows_are_at_distance_zero_and_ids_do_not_count():
    syn = _real().assign(id=["v", "w", "x", "y", "z"])
    enc, space = _space(syn)
    d = paired_distances(space, enc.synthetic, np.arange(5), enc.real, np.arange(5))
    assert np.all(d == 0.0)
    assert space.n_columns == 4  # the id column is not part of the distance


def test_hand_computed_value():
    syn = _real().iloc[[0]].copy()
    syn["x"] = 2.0  # 2 units = 1 IQR -> 1
    syn["colour"] = "blue"  # mismatch -> 1
    enc, space = _space(syn)
    d = paired_distances(space, enc.synthetic, [0], enc.real, [0])
    assert d[0] == pytest.approx(np.sqrt((1.0 + 1.0) / 4))


def test_missing_values_pay_a_fixed_penalty_and_nothing_when_both_are_missing():
    real = _real()
    real.loc[4, ["x", "colour"]] = [np.nan, None]
    syn = real.iloc[[0, 4]].copy().reset_index(drop=True)
    syn.loc[0, "x"] = np.nan
    enc = encode(real, syn, SCHEMA)
    space = DistanceSpace.fit(enc)
    d = distance_matrix(space, enc.synthetic, enc.real)
    # Only x differs and one side is missing: the penalty, whatever the real x was.
    assert d[0, 0] == pytest.approx(np.sqrt(MISSING_PENALTY / space.n_columns))
    # x and colour missing on both sides count 0: an identical row.
    assert d[1, 4] == 0.0
    # A missing category against a present one is a mismatch (1), like any other level.
    syn2 = real.iloc[[0]].copy()
    syn2["colour"] = None
    enc2 = encode(real, syn2, SCHEMA)
    d2 = paired_distances(DistanceSpace.fit(enc2), enc2.synthetic, [0], enc2.real, [0])
    assert d2[0] == pytest.approx(np.sqrt(1.0 / space.n_columns))


def test_distance_is_symmetric():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "x": rng.normal(size=40),
            "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 9, 40), "D"),
            "colour": rng.choice(["red", "blue", None], 40),
            "flag": rng.choice([True, False], 40),
            "id": np.arange(40).astype(str),
        }
    )
    df.loc[rng.random(40) < 0.2, "x"] = np.nan
    enc = encode(df, df, SCHEMA)
    space = DistanceSpace.fit(enc)
    d = distance_matrix(space, enc.real, enc.synthetic)
    np.testing.assert_allclose(d, d.T)
    np.testing.assert_allclose(np.diag(d), 0.0)


def _mixed(n: int, seed: int, levels: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n), "D"),
            "colour": rng.choice([f"c{i}" for i in range(levels)], n),
            "flag": rng.choice([True, False], n),
            "id": np.arange(n).astype(str),
        }
    )
    df.loc[rng.random(n) < 0.1, "x"] = np.nan
    df.loc[rng.random(n) < 0.1, "colour"] = None
    return df


@pytest.mark.parametrize("blocks", [(256, 2048), (7, 13)])
def test_blockwise_search_matches_brute_force(monkeypatch, blocks):
    # Small blocks make the running top-2 merge across many blocks.
    monkeypatch.setattr(distance, "QUERY_BLOCK", blocks[0])
    monkeypatch.setattr(distance, "REFERENCE_BLOCK", blocks[1])
    enc = encode(_mixed(300, 1), _mixed(120, 2), SCHEMA)
    space = DistanceSpace.fit(enc)
    full = distance_matrix(space, enc.synthetic, enc.real)
    nb = nearest(space, enc.synthetic, enc.real, k=2)
    top2 = np.sort(full, axis=1)[:, :2]
    np.testing.assert_allclose(nb.distance, top2, atol=1e-9)
    np.testing.assert_allclose(full[np.arange(120), nb.index[:, 0]], nb.distance[:, 0])
    assert np.all(nb.index[:, 0] != nb.index[:, 1])


def test_search_on_row_subsets_returns_positions_in_the_reference_side():
    enc = encode(_mixed(200, 3), _mixed(50, 4), SCHEMA)
    space = DistanceSpace.fit(enc)
    ref_rows = np.arange(0, 200, 3)
    q_rows = np.array([5, 7, 11])
    nb = nearest(space, enc.synthetic, enc.real, k=1, query_rows=q_rows, reference_rows=ref_rows)
    full = distance_matrix(space, enc.synthetic, enc.real, q_rows, ref_rows)
    assert set(nb.index[:, 0]) <= set(ref_rows)
    np.testing.assert_allclose(nb.distance[:, 0], full.min(axis=1))


def test_up_to_the_cap_levels_are_exact_beyond_it_distances_stay_true():
    enc = encode(_mixed(300, 5, levels=60), _mixed(80, 6, levels=60), SCHEMA)
    space = DistanceSpace.fit(enc)
    nb = nearest(space, enc.synthetic, enc.real, k=1)
    full = distance_matrix(space, enc.synthetic, enc.real)
    np.testing.assert_allclose(nb.distance[:, 0], full.min(axis=1))

    enc = encode(_mixed(300, 5, levels=300), _mixed(80, 6, levels=300), SCHEMA)
    space = DistanceSpace.fit(enc)
    assert space.slot["colour"].max() == distance.MAX_ONEHOT
    nb = nearest(space, enc.synthetic, enc.real, k=1)
    full = distance_matrix(space, enc.synthetic, enc.real)
    # The reported distance is the true one of the returned record, never below the true minimum.
    np.testing.assert_allclose(nb.distance[:, 0], full[np.arange(80), nb.index[:, 0]])
    assert np.all(nb.distance[:, 0] >= full.min(axis=1) - 1e-12)


def test_a_single_reference_row_has_no_second_neighbour():
    enc = encode(_mixed(10, 7), _mixed(4, 8), SCHEMA)
    nb = nearest(DistanceSpace.fit(enc), enc.synthetic, enc.real, k=2, reference_rows=[3])
    assert np.all(nb.index[:, 0] == 3) and np.all(nb.index[:, 1] == -1)
    assert np.all(np.isinf(nb.distance[:, 1]))
