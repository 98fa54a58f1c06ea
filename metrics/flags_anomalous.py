"""Row flags, reason ``anomalous``: unusual combinations by seeded isolation forests.

See :mod:`metrics.flags` for how the level is set from the real rows.

Stability
---------
One pair of forests flags a different set of borderline rows for every seed (on planted data two
seeds agreed on about half of the flagged rows, and missed 9 of 20 planted anomalies). The check
therefore runs :data:`ANOMALY_RUNS` times with seeds derived from ``Options.seed`` (each run a
new draw of the real rows, a new forest, its own level) and keeps a row only when at least
:data:`~metrics.flags_kinds.STABLE_SHARE` of the runs flag it. A first pass (one forest of
:data:`SCREEN_TREES` trees) scores every synthetic row; the runs score only the rows it puts
above the level :data:`SCREEN_SHARE` of real rows reach (at most :data:`MAX_RESCORED` of them,
the most unusual, stated in a note): a row below that would have to clear the 1% level in most
runs. Each forest is fitted on a seeded draw of real rows and sets its level on other real rows
it never saw (as it never saw the synthetic rows), so that the share holds for unseen rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import IsolationForest

from metrics.distance import DistanceSpace
from metrics.encode import MISSING, Encoded, Side
from metrics.flags_kinds import ANOMALOUS, Events, kept, num_text, runs_text
from metrics.uncertainty import rng

ANOMALY_SHARE = 0.01
ANOMALY_TREES = 75  # per run
ANOMALY_RUNS = 5  # seeded runs; a row is kept when most of them flag it
SCREEN_TREES = 50  # the first pass over every synthetic row
SCREEN_SHARE = 0.05  # rows the first pass puts below the level this real share reaches are done
MAX_RESCORED = 20_000  # at most this many rows, the first pass's most unusual, go to the runs
MIN_ANOMALY_ROWS = 20
# Real rows a run's forest draws its trees' 256 rows from. scikit-learn re-weights the whole fit
# matrix for every tree, so a small pool keeps fitting cheap; 2,048 still give each tree a fresh draw.
FIT_POOL = 2_048
# Other real rows the forest scores to set the level: the cap sets how precisely the 1% level is
# known (50 real rows above it at the cap).
LEVEL_ROWS = 5_000
# The columns an anomalous row's flag names: its most extreme cells (the share of real values as
# far out, or of real rows with that category), at most this many...
EXTREME_COLUMNS = 3
# ...besides the most extreme one, only those at most this share of real values reach.
EXTREME_SHARE = 0.05


@dataclass(frozen=True)
class Anomalies:
    """What the anomaly check did: the mean level over the runs, the runs, and how many rows
    some runs flagged but too few to keep."""

    threshold: float
    runs: int
    unstable: int


def _real_freq(enc: Encoded, col: str) -> np.ndarray:
    """Share of real rows per shared code + 1 (slot 0 = missing); 0 for unseen levels."""
    real = enc.real.codes[col]
    return np.bincount(real + 1, minlength=len(enc.categories[col]) + 1) / max(len(real), 1)


def _anomaly_matrix(enc: Encoded, space: DistanceSpace, side: Side) -> np.ndarray:
    cols = []
    for col in space.continuous:
        x = space.scaled(side, col)
        cols.append(np.nan_to_num(x, nan=0.0, posinf=1e6, neginf=-1e6))
        if np.isnan(enc.real.numeric[col]).any() or np.isnan(enc.synthetic.numeric[col]).any():
            cols.append(np.isnan(x).astype(float))
    for col in space.categorical:
        # A category enters as its real frequency: rare and unseen levels isolate quickly.
        cols.append(_real_freq(enc, col)[side.codes[col] + 1])
    return np.column_stack(cols)


def _run(
    Xr: np.ndarray, Xs: np.ndarray, rows: np.ndarray, seed: int, k: int | str, trees: int
) -> tuple[np.ndarray, float, np.ndarray]:
    """One seeded run: anomaly scores of the synthetic ``rows`` (higher = more anomalous), the
    level :data:`ANOMALY_SHARE` of real rows reach, and those real rows' scores."""
    gen = rng(seed, "anomalous", k)
    order = gen.permutation(len(Xr))
    # A quarter of small data is enough to fit on (each tree takes 256 rows); the rest sets the level.
    fit = order[: min(FIT_POOL, max(min(256, len(Xr) // 2), len(Xr) // 4))]
    forest = IsolationForest(
        n_estimators=trees,
        max_samples=min(256, len(fit)),
        random_state=int(gen.integers(2**31 - 1)),
    ).fit(Xr[fit])
    # The level comes from real rows the forest never saw, as it never saw the synthetic rows.
    real = -forest.score_samples(Xr[order[len(fit) :][:LEVEL_ROWS]])
    thr = float(np.quantile(real, 1.0 - ANOMALY_SHARE))
    scores = -forest.score_samples(Xs[rows]) if len(rows) else np.empty(0)
    return scores, thr, real


def flag_anomalous(enc: Encoded, seed: int, ev: Events, notes: list[str]) -> Anomalies | None:
    """Flag the synthetic rows most of the seeded runs score above the real rows' level; what
    the check did (None when anomalies were not checked)."""
    n_real = enc.real.n_rows
    if n_real < MIN_ANOMALY_ROWS or not enc.analysed:
        notes.append(
            f"Anomalies not checked: they need at least {MIN_ANOMALY_ROWS} real rows "
            "and one analysed column."
        )
        return None
    space = DistanceSpace.fit(enc)
    Xr, Xs = _anomaly_matrix(enc, space, enc.real), _anomaly_matrix(enc, space, enc.synthetic)
    screen, _, real = _run(Xr, Xs, np.arange(enc.synthetic.n_rows), seed, "screen", SCREEN_TREES)
    rows = np.flatnonzero(screen > np.quantile(real, 1.0 - SCREEN_SHARE))
    if len(rows) > MAX_RESCORED:  # large data: the cost of the runs stays fixed
        notes.append(
            f"Anomalies: the seeded runs score the {MAX_RESCORED:,} rows a first pass finds "
            f"most unusual, of the {len(rows):,} it puts above the level {SCREEN_SHARE:.0%} of "
            "real rows reach."
        )
        rows = np.sort(rows[np.argsort(-screen[rows], kind="stable")[:MAX_RESCORED]])
    hits, total, levels = np.zeros(len(rows), np.int64), np.zeros(len(rows)), []
    for k in range(ANOMALY_RUNS):
        scores, thr, _ = _run(Xr, Xs, rows, seed, k, ANOMALY_TREES)
        hits += scores > thr
        total += scores
        levels.append(thr)
    keep = kept(hits, ANOMALY_RUNS)
    unstable = int(np.count_nonzero((hits > 0) & ~keep))
    mean, thr = total[keep] / ANOMALY_RUNS, float(np.mean(levels))
    flagged, hits = rows[keep], hits[keep]
    scores = 0.5 + 0.5 * np.clip((mean - thr) / max(1.0 - thr, 1e-9), 0.0, 1.0)
    words, extreme = _rarest(enc, flagged)
    rarest = dict(zip(flagged.tolist(), words, strict=True))
    at = {int(r): i for i, r in enumerate(flagged)}
    level = f"the level only {ANOMALY_SHARE:.0%} of real rows reach, {thr:.2f} on average"

    def text(r: int) -> str:
        i = at[int(r)]
        return (
            f"unusual combination of values (anomaly score {mean[i]:.2f}, above {level}; "
            f"{runs_text(int(hits[i]), ANOMALY_RUNS)}); most unusual: {rarest[int(r)]}"
        )

    ev.add(ANOMALOUS, "", flagged, scores, text, hits, ANOMALY_RUNS,
           columns=lambda r: extreme[at[int(r)]])  # fmt: skip
    return Anomalies(thr, ANOMALY_RUNS, unstable)


def _rarest(enc: Encoded, rows: np.ndarray) -> tuple[list[str], list[tuple[str, ...]]]:
    """For each synthetic row, the cell the real data has least often, in words; and the (up
    to :data:`EXTREME_COLUMNS`) columns whose values are most extreme relative to the real data,
    the most extreme first (as far out as at most :data:`EXTREME_SHARE` of real values)."""
    best, pick = np.full(len(rows), 2.0), np.full(len(rows), -1)
    cols = list(enc.analysed)
    tails = np.full((len(rows), len(cols)), 2.0)
    for j, col in enumerate(cols):
        if col in enc.real.codes:
            tail = _real_freq(enc, col)[enc.synthetic.codes[col][rows] + 1]
        else:
            values = np.sort(enc.real.numeric[col][np.isfinite(enc.real.numeric[col])])
            v = enc.synthetic.numeric[col][rows]
            if values.size == 0:
                continue
            below = np.searchsorted(values, v, side="right") / values.size
            above = 1.0 - np.searchsorted(values, v, side="left") / values.size
            tail = np.where(np.isnan(v), 2.0, np.minimum(below, above))
        tails[:, j] = tail
        better = tail < best
        best[better], pick[better] = tail[better], j
    order = np.argsort(tails, axis=1, kind="stable")[:, :EXTREME_COLUMNS]
    extreme = [
        tuple(cols[j] for k, j in enumerate(order[i]) if k == 0 or tails[i, j] <= EXTREME_SHARE)
        if pick[i] >= 0 else ()
        for i in range(len(rows))
    ]  # fmt: skip
    out = []
    for i, r in enumerate(rows):
        col = cols[pick[i]] if pick[i] >= 0 else ""
        if not col:
            out.append("no single value stands out")
        elif col in enc.synthetic.codes:
            code = int(enc.synthetic.codes[col][r])
            label = "missing" if code == MISSING else enc.categories[col][code]
            out.append(f"{col} = '{label}' ({best[i]:.1%} of real rows)")
        else:
            value = num_text(float(enc.synthetic.numeric[col][r]), enc.schema.kind_of(col))
            out.append(f"{col} = {value} ({best[i]:.1%} of real values as far out)")
    return out, extreme
