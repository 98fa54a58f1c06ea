"""Privacy: real records copied or nearly copied into the synthetic data.

Columns
-------
Everything but id and text columns (see :mod:`metrics.distance`). Id columns are left out
because a fresh id would never match a real one, and text because free text identifies rather
than describes; the result names them in ``extra["excluded_columns"]``.

Measures
--------
- **Exact copies**: synthetic rows equal to some real row on every analysed column, compared on
  the shared category codes and the parsed numbers (so ``1`` and ``1.0`` or ``yes`` and ``True``
  are equal). Real data can hold rows that coincide by nature (few distinct combinations), so
  the same count for the holdout against the real rows gives the natural rate.
- **DCR share** (distance to closest record, as sdmetrics' ``DCROverfittingProtection``): for each
  synthetic row, is its closest training row closer than its closest holdout row? Ties count
  one half. If the generator did not memorise, the synthetic row is no more tied to the training
  rows than to fresh rows, and the share is ``n_train / (n_train + n_holdout)``: 0.5 for sets of
  equal size (exchangeability; it holds whatever the synthetic data looks like).
- **Nearest-neighbour distance ratio** (NNDR): distance to the closest over the second-closest
  real row; near 0 means a synthetic row singles out one real record. Compared with the
  holdout's own ratio.

Holdout
-------
Without an uploaded holdout, a seeded :data:`HOLDOUT_SPLIT` of the real rows stands in for one
(equal halves, so the expected DCR share is 0.5). That measures memorisation only if the
generator never saw those rows; if it was trained on all real rows, a copied row is as likely to
sit in either half and the share stays near 0.5, so the exact-copy count is the evidence then.

Score
-----
``dcr_score = min(1, (1 - share) / (1 - expected))``, which is sdmetrics' ``min(1, 2 * (1 -
share))`` when the sets are equal; ``copy_score = max(0, 1 - COPY_WEIGHT * excess)`` where
``excess = max(0, exact_copy_rate - holdout_copy_rate)``; ``score = min(dcr_score, copy_score)``.
A verbatim copy discloses its record outright, so copies above the natural rate weigh ten times
the copy rate (5 % excess copies halve the score, 10 % give 0), and the worse of the two kinds of
evidence decides.

Size
----
Exact copies use every row (hashing). The nearest-neighbour searches use at most
:data:`MAX_SEARCH_ROWS` real and synthetic rows (a seeded sample beyond that, stated in
``extra["sample_note"]``), the holdout's distances at most :data:`MAX_HOLDOUT_QUERIES` holdout
rows (enough for a percentile), and with an uploaded holdout the DCR share at most
:data:`MAX_SHARE_QUERIES` synthetic rows (standard error below 0.004).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from metrics.distance import DistanceSpace, Neighbours, nearest
from metrics.encode import Encoded, Side
from metrics.options import Options
from metrics.results import Finding, MetricResult, Progress, Severity, no_progress
from metrics.schema import Kind

NAME = "privacy"
FAMILY = "privacy"
HOLDOUT_SPLIT = 0.5
MIN_SPLIT_ROWS = 10  # real rows needed to split off a holdout
MAX_SEARCH_ROWS = 100_000
MAX_HOLDOUT_QUERIES = 5_000  # 1% of them is 50 rows: enough for the near-copy percentile
MAX_SHARE_QUERIES = 25_000
NEAR_COPY_PERCENTILE = 1.0
COPY_WEIGHT = 10.0
FINDING_ROWS = 50


def _sample(n: int, cap: int, rng: np.random.Generator) -> np.ndarray:
    return np.arange(n) if n <= cap else np.sort(rng.choice(n, cap, replace=False))


def row_keys(enc: Encoded, side: Side, rows: np.ndarray | None = None) -> np.ndarray:
    """A 64-bit hash per row over the analysed columns (codes and parsed numbers)."""
    data: dict[str, np.ndarray] = {}
    for col in enc.analysed:
        if col in side.codes:
            data[col] = side.codes[col]
        else:
            # -0.0 == 0.0 and one NaN bit pattern, so equal values hash equally.
            data[col] = np.where(np.isnan(side.numeric[col]), np.nan, side.numeric[col] + 0.0)
    frame = pd.DataFrame(data)
    if rows is not None:
        frame = frame.iloc[rows]
    return pd.util.hash_pandas_object(frame, index=False).to_numpy()


def _same_rows(enc: Encoded, a: Side, ia: np.ndarray, b: Side, ib: np.ndarray) -> np.ndarray:
    ok = np.ones(len(ia), dtype=bool)
    for col in enc.analysed:
        if col in a.codes:
            ok &= a.codes[col][ia] == b.codes[col][ib]
        else:
            x, y = a.numeric[col][ia], b.numeric[col][ib]
            ok &= (x == y) | (np.isnan(x) & np.isnan(y))
    return ok


def match_rows(
    enc: Encoded, query: Side, q_rows: np.ndarray, ref: Side, r_rows: np.ndarray
) -> np.ndarray:
    """For each query row, the position in ``ref`` of a real row equal to it, or -1."""
    if len(r_rows) == 0 or len(q_rows) == 0:
        return np.full(len(q_rows), -1, dtype=np.int64)
    keys = pd.Series(r_rows, index=row_keys(enc, ref, r_rows))
    keys = keys[~keys.index.duplicated()]
    pos = keys.index.get_indexer(row_keys(enc, query, q_rows))
    found = np.where(pos >= 0, keys.to_numpy()[np.maximum(pos, 0)], -1)
    hit = found >= 0
    # Confirm on the values: a hash collision must not make a copy.
    hit[hit] = _same_rows(enc, query, q_rows[hit], ref, found[hit])
    return np.where(hit, found, -1).astype(np.int64)


@dataclass
class _References:
    """Who is compared with whom (positions in their sides)."""

    train: Side
    train_rows: np.ndarray
    hold: Side
    hold_rows: np.ndarray
    split: bool
    note: str


def _references(enc: Encoded, rng: np.random.Generator) -> _References | None:
    real_rows = _sample(enc.real.n_rows, MAX_SEARCH_ROWS, rng)
    if enc.holdout is not None and enc.holdout.n_rows > 0:
        hold_rows = _sample(enc.holdout.n_rows, MAX_SEARCH_ROWS, rng)
        note = f"Holdout: the {enc.holdout.n_rows:,} uploaded holdout rows."
        return _References(enc.real, real_rows, enc.holdout, hold_rows, False, note)
    if len(real_rows) < MIN_SPLIT_ROWS:
        return None
    perm = rng.permutation(real_rows)
    n_hold = int(round(len(perm) * HOLDOUT_SPLIT))
    note = (
        f"No holdout was uploaded, so {n_hold:,} of the real rows ({HOLDOUT_SPLIT:.0%}, seeded) "
        "stand in for one. The DCR share measures memorisation only if the generator never saw "
        "those rows; if it was trained on all real rows, rely on the exact-copy count."
    )
    return _References(
        enc.real, np.sort(perm[n_hold:]), enc.real, np.sort(perm[:n_hold]), True, note
    )


def _ratio(nb: Neighbours) -> np.ndarray:
    d1, d2 = nb.distance[:, 0], nb.distance[:, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(d2 > 0, d1 / d2, 1.0)  # 0/0: the row matches two records equally
    return np.where(np.isfinite(d2), out, np.nan)


def _merge_top2(a: Neighbours, b: Neighbours) -> Neighbours:
    dist = np.hstack([a.distance, b.distance])
    idx = np.hstack([a.index, b.index])
    order = np.argsort(dist, axis=1, kind="stable")[:, :2]
    return Neighbours(np.take_along_axis(idx, order, 1), np.take_along_axis(dist, order, 1))


def _median(values: np.ndarray) -> float:
    """Median of the finite values; NaN without numpy's all-NaN warning (e.g. no second
    neighbour when the real data has one row)."""
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else float("nan")


def _pct(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{100 * x:.1f}%"


def _failed(message: str, **extra: Any) -> MetricResult:
    extra = {"message": message, **extra}
    return MetricResult(NAME, FAMILY, score=float("nan"), error=message, extra=extra)


def compute_privacy(
    enc: Encoded, options: Options | None = None, progress: Progress = no_progress
) -> MetricResult:
    """Exact copies, DCR share against the holdout, NNDR and a privacy score.

    Parameters
    ----------
    enc:
        The encoded pair; ``enc.holdout`` is used when present, otherwise half of the real rows
        (seeded by ``options.seed``) stand in for it.
    options:
        Only ``seed`` is read.
    progress:
        Reports the nearest-neighbour searches.

    Returns
    -------
    MetricResult
        ``score`` as in the module docstring, ``raw`` = DCR share. ``details``: one row per
        searched synthetic row (``row``, ``closest_real``, ``distance``, ``distance_to_training``,
        ``distance_to_holdout``, ``nndr``, ``exact_copy``). ``extra``: ``exact_copies``,
        ``exact_copy_rate``, ``holdout_copy_rate``, ``dcr_share``, ``dcr_expected``,
        ``dcr_score``, ``copy_score``, ``score``, ``nndr_median``, ``holdout_nndr_median``,
        ``near_copy_threshold``; per synthetic row (NaN / -1 where not searched):
        ``dcr_synthetic`` (to the training rows), ``closest_real`` and ``closest_distance`` (over
        all real rows), ``nndr``, ``exact_copy_of`` (real row or -1); ``dcr_holdout`` (holdout to
        training rows); ``holdout_note``, ``sample_note``, ``message``.
    """
    options = options or Options()
    rng = np.random.default_rng(options.seed)
    excluded = enc.schema.names(Kind.ID, Kind.TEXT)
    syn, real = enc.synthetic, enc.real
    n_syn = syn.n_rows
    if not enc.analysed:
        return _failed(
            "Privacy needs at least one numerical, datetime, categorical or boolean column; id "
            "and text columns are left out.",
            excluded_columns=excluded,
        )
    if n_syn == 0 or real.n_rows == 0:
        return _failed(
            f"Privacy needs rows on both sides; the real data has {real.n_rows} and the "
            f"synthetic data {n_syn}."
        )
    copy_of = match_rows(enc, syn, np.arange(n_syn), real, np.arange(real.n_rows))
    refs = _references(enc, rng)
    space = DistanceSpace.fit(enc)
    s_rows = _sample(n_syn, MAX_SEARCH_ROWS, rng)
    out: dict[str, Any] = dict.fromkeys(_NAN_KEYS, math.nan)
    out.update(
        exact_copies=int((copy_of >= 0).sum()),
        exact_copy_rate=float((copy_of >= 0).mean()),
        exact_copy_of=copy_of,
        excluded_columns=excluded,
        columns=list(enc.analysed),
        holdout_copy_rate=0.0,
        near_copy_percentile=NEAR_COPY_PERCENTILE,
        n_searched=len(s_rows),
        dcr_holdout=np.array([]),
        sample_note="",
    )
    n_hold = enc.holdout.n_rows if enc.holdout is not None else 0
    if max(n_syn, real.n_rows, n_hold) > MAX_SEARCH_ROWS:
        out["sample_note"] = (
            f"Distances use a seeded sample of {len(s_rows):,} synthetic rows and at most "
            f"{MAX_SEARCH_ROWS:,} real and holdout rows; exact copies use every row."
        )
    d_hold = np.full(n_syn, np.nan)
    d_train = np.full(n_syn, np.nan)
    if refs is None:
        out["holdout_note"] = (
            f"The real data has {real.n_rows} rows, too few to set a holdout aside: no DCR "
            "share, only exact copies."
        )
        top = nearest(space, syn, real, k=2, query_rows=s_rows)
        d_train[s_rows] = top.distance[:, 0]
    else:
        out["holdout_note"] = refs.note
        top = _search(enc, space, refs, s_rows, rng, out, d_train, d_hold, progress)
    closest, closest_d = np.full(n_syn, -1, dtype=np.int64), np.full(n_syn, np.nan)
    closest[s_rows], closest_d[s_rows] = top.index[:, 0], top.distance[:, 0]
    # A copy's closest record is the row it copies (folded categories could hide it).
    closest[copy_of >= 0], closest_d[copy_of >= 0] = copy_of[copy_of >= 0], 0.0
    nndr = np.full(n_syn, np.nan)
    nndr[s_rows] = _ratio(top)
    out.update(dcr_synthetic=d_train, closest_real=closest, closest_distance=closest_d, nndr=nndr)
    out["nndr_median"] = _median(nndr[s_rows])
    return _finish(out, d_hold, s_rows, n_syn)


_NAN_KEYS = (
    "dcr_share dcr_expected dcr_score nndr_median holdout_nndr_median near_copy_threshold"
).split()


def _search(
    enc: Encoded,
    space: DistanceSpace,
    refs: _References,
    s_rows: np.ndarray,
    rng: np.random.Generator,
    out: dict[str, Any],
    d_train: np.ndarray,
    d_hold: np.ndarray,
    progress: Progress,
) -> Neighbours:
    """Run the searches, fill ``d_train``/``d_hold`` and the DCR parts of ``out``; return the
    top-2 over all real rows of every searched synthetic row."""
    syn = enc.synthetic
    n_t, n_h = len(refs.train_rows), len(refs.hold_rows)
    h_rows = refs.hold_rows[_sample(n_h, MAX_HOLDOUT_QUERIES, rng)]
    share_rows = s_rows if refs.split else s_rows[_sample(len(s_rows), MAX_SHARE_QUERIES, rng)]
    work = np.array([len(s_rows) * n_t, len(share_rows) * n_h, len(h_rows) * n_t], dtype=float)
    base = np.r_[0.0, np.cumsum(work)] / max(work.sum(), 1.0)

    def search(i: int, q: Side, q_rows: np.ndarray, r: Side, r_rows: np.ndarray, k: int):
        def sub(fraction: float, message: str) -> None:
            progress(base[i] + fraction * (base[i + 1] - base[i]), message)

        words = ("synthetic to real", "synthetic to holdout", "holdout to real")[i]
        return nearest(space, q, r, k, q_rows, r_rows, sub, f"Privacy: {words}")

    to_train = search(0, syn, s_rows, refs.train, refs.train_rows, 2)
    to_hold = search(1, syn, share_rows, refs.hold, refs.hold_rows, 2 if refs.split else 1)
    hold_nb = search(2, refs.hold, h_rows, refs.train, refs.train_rows, 2)
    progress(1.0, "Privacy: done")

    d_train[s_rows] = to_train.distance[:, 0]
    d_hold[share_rows] = to_hold.distance[:, 0]
    # An exact copy is at distance 0 from its set, whatever a folded search returned.
    d_train[s_rows[match_rows(enc, syn, s_rows, refs.train, refs.train_rows) >= 0]] = 0.0
    d_hold[share_rows[match_rows(enc, syn, share_rows, refs.hold, refs.hold_rows) >= 0]] = 0.0
    hold_copy = match_rows(enc, refs.hold, refs.hold_rows, refs.train, refs.train_rows) >= 0
    dt, dh = d_train[share_rows], d_hold[share_rows]
    share = float(np.mean(np.where(dt < dh, 1.0, np.where(dt == dh, 0.5, 0.0))))
    expected = n_t / (n_t + n_h)
    out.update(
        dcr_holdout=hold_nb.distance[:, 0],
        holdout_nndr_median=_median(_ratio(hold_nb)),
        holdout_copy_rate=float(hold_copy.mean()),
        near_copy_threshold=float(np.percentile(hold_nb.distance[:, 0], NEAR_COPY_PERCENTILE)),
        dcr_share=share,
        dcr_expected=expected,
        dcr_score=float(min(1.0, (1.0 - share) / (1.0 - expected))),
        n_training=n_t,
        n_holdout=n_h,
        n_share_rows=len(share_rows),
    )
    return _merge_top2(to_train, to_hold) if refs.split else to_train


def _finish(out: dict[str, Any], d_hold: np.ndarray, s_rows: np.ndarray, n: int) -> MetricResult:
    excess = max(0.0, out["exact_copy_rate"] - out["holdout_copy_rate"])
    out["copy_score"] = copy_score = float(max(0.0, 1.0 - COPY_WEIGHT * excess))
    share, expected, dcr_score = out["dcr_share"], out["dcr_expected"], out["dcr_score"]
    out["score"] = min(dcr_score, copy_score) if np.isfinite(dcr_score) else copy_score
    copies = (
        f"{out['exact_copies']:,} of {n:,} synthetic rows ({_pct(out['exact_copy_rate'])}) are "
        f"exact copies of a real row; {_pct(out['holdout_copy_rate'])} of holdout rows equal a "
        "training row by chance."
    )
    closer = (
        f"{_pct(share)} of synthetic rows are closer to the training rows than to the holdout, "
        f"against {_pct(expected)} for a generator that does not memorise."
    )
    parts = [copies, closer if np.isfinite(share) else "", out["holdout_note"], out["sample_note"]]
    out["message"] = " ".join(p for p in parts if p)
    details = pd.DataFrame(
        {
            "row": s_rows,
            "closest_real": out["closest_real"][s_rows],
            "distance": out["closest_distance"][s_rows],
            "distance_to_training": out["dcr_synthetic"][s_rows],
            "distance_to_holdout": d_hold[s_rows],
            "nndr": out["nndr"][s_rows],
            "exact_copy": out["exact_copy_of"][s_rows] >= 0,
        }
    )
    found = []
    severity: Severity
    if out["exact_copies"]:
        severity = "high" if excess >= 0.01 else "medium" if excess > 0 else "low"
        rows = tuple(int(r) for r in np.flatnonzero(out["exact_copy_of"] >= 0)[:FINDING_ROWS])
        found.append(Finding("exact_copies", severity, (), copies, NAME, rows, copy_score))
    if np.isfinite(dcr_score) and dcr_score < 0.9:
        severity = "high" if dcr_score < 0.6 else "medium"
        msg = f"{closer} {out['holdout_note']}"
        found.append(Finding("dcr_closer_to_training", severity, (), msg, NAME, (), dcr_score))
    return MetricResult(NAME, FAMILY, out["score"], share, details, found, out)


_JSON_KEYS = (
    "exact_copies exact_copy_rate holdout_copy_rate dcr_share dcr_expected dcr_score copy_score "
    "nndr_median holdout_nndr_median near_copy_threshold n_searched holdout_note sample_note "
    "message excluded_columns"
).split()


def privacy_json(result: MetricResult) -> dict[str, Any]:
    """The ``privacy`` section of the JSON report: ``exact_copies``, ``exact_copy_rate``,
    ``dcr_share``, ``score`` and the other scalars (NaN as None), plus ``error``."""
    out: dict[str, Any] = {k: result.extra[k] for k in _JSON_KEYS if k in result.extra}
    out.update(score=result.score, error=result.error)
    for k, v in out.items():
        v = v.item() if isinstance(v, np.generic) else v
        out[k] = None if isinstance(v, float) and not math.isfinite(v) else v
    return out
