"""Row flags: the synthetic rows that deserve a look, each with its reasons, a score and a sentence.

Reasons (``kinds``)
-------------------
- ``invalid``: a number or date outside the real range by more than :data:`RANGE_TOLERANCE` of
  that range; a category the real data never has; a value that cannot be read as the column's
  kind; a missing value in a column never missing in the real data; a rule the real column
  implies: not a whole number where every real value is whole, negative where no real value is.
- ``anomalous``: an isolation forest fitted on the real rows (seeded) scores the row above the
  level only :data:`ANOMALY_SHARE` of real rows reach. The real rows' levels come from
  cross-fitting (two forests on the two halves of the real rows, each scoring the other half), so
  that share holds for rows the forest never saw; each synthetic row is scored by one of them.
- ``copied``: an exact copy of a real row (from :mod:`metrics.privacy`), flagged when copies are
  rare among real rows themselves (holdout copy rate at most :data:`NATURAL_COPY_LIMIT`;
  otherwise equal rows are the norm in this data and say nothing about one row).
- ``near_copy``: distance to the closest training record below the
  :data:`~metrics.privacy.NEAR_COPY_PERCENTILE` th percentile of the holdout rows' distances to
  the same records, i.e. closer than 99 % of unseen real rows get.
- ``obviously_synthetic``: the detection classifier's out-of-fold probability of being synthetic
  is at least :data:`PROBA_LEVEL`.

Scores in [0, 1] say how sure or serious a reason is (1 = certain); a row's score is the
highest of its reasons. The metric's ``score`` is ``1 - share of flagged rows``. On a good
synthetic set about 1 % of rows are flagged anomalous and about 1 % near copies by construction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest

from metrics import privacy as privacy_mod
from metrics.distance import DistanceSpace
from metrics.encode import MISSING, Encoded, Side
from metrics.registry import Options, register
from metrics.results import Finding, MetricResult, Progress, Severity, no_progress
from metrics.schema import Kind
from metrics.schema_dates import date_text

NAME = "row_flags"
FAMILY = "validity"
KINDS = ("invalid", "anomalous", "copied", "near_copy", "obviously_synthetic")
RANGE_TOLERANCE = 0.01
ANOMALY_SHARE = 0.01
ANOMALY_TREES = 50  # per forest; each row is scored by one of two
MIN_ANOMALY_ROWS = 20
MAX_ANOMALY_FIT_ROWS = 50_000
PROBA_LEVEL = 0.9
NATURAL_COPY_LIMIT = 0.05
MAX_REASONS = 3
FINDING_ROWS = 50


def _num(value: float, kind: Kind) -> str:
    if kind is Kind.DATETIME:
        return date_text(value)
    return f"{value:,.6g}"


class _Events:
    """Flagged cells (row, kind, column, score, sentence), gathered check by check."""

    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, int, str, np.ndarray, list[str]]] = []

    def add(self, kind: str, col: str, rows: Any, scores: Any, text: Callable[[int], str] | str):
        """Record ``rows``; ``text`` is one sentence for all or a function of the row."""
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows):
            texts = [text] * len(rows) if isinstance(text, str) else [text(r) for r in rows]
            scores = np.broadcast_to(np.asarray(scores, dtype=float), rows.shape)
            self.parts.append((rows, KINDS.index(kind), col, scores, texts))

    def bad(self, col: str, rows: Any, scores: Any, text: Callable[[int], str] | str) -> None:
        self.add("invalid", col, rows, scores, text)


def _invalid(enc: Encoded, ev: _Events) -> None:
    real, syn = enc.real, enc.synthetic
    for spec in enc.schema.columns:
        col, kind = spec.name, spec.kind
        never_missing = f"{col} is missing, but it is never missing in the real data"
        if kind in (Kind.NUMERICAL, Kind.DATETIME):
            wrong = getattr(syn, "unparsed_rows", {}).get(col, np.array([], dtype=np.int64))
            what = "a date" if kind is Kind.DATETIME else "a number"
            ev.bad(col, wrong, 1.0, f"{col} holds a value that cannot be read as {what}")
            if not np.isnan(real.numeric[col]).any():
                gone = np.isnan(syn.numeric[col])
                gone[wrong] = False  # already reported as unreadable
                ev.bad(col, np.flatnonzero(gone), 0.7, never_missing)
            _range_and_rules(col, kind, real.numeric[col], syn.numeric[col], ev)
        elif kind in (Kind.CATEGORICAL, Kind.BOOLEAN):
            _unseen(col, syn.codes[col], enc.categories[col], enc.n_real_levels[col], ev)
            if not (real.codes[col] == MISSING).any():
                ev.bad(col, np.flatnonzero(syn.codes[col] == MISSING), 0.7, never_missing)
        elif not pd.isna(real.strings[col]).any():
            ev.bad(col, np.flatnonzero(pd.isna(syn.strings[col])), 0.7, never_missing)


def _unseen(col: str, codes: np.ndarray, labels: list[str], n_real: int, ev: _Events) -> None:
    def text(r: int) -> str:
        return f"{col} = '{labels[codes[r]]}' is a category the real data never has"

    ev.bad(col, np.flatnonzero(codes >= n_real), 0.9, text)


def _range_and_rules(col: str, kind: Kind, real: np.ndarray, syn: np.ndarray, ev: _Events):
    finite = real[np.isfinite(real)]
    if finite.size == 0:
        return
    lo, hi = float(finite.min()), float(finite.max())
    span, tol = hi - lo, RANGE_TOLERANCE * (hi - lo)
    outside = (syn < lo - tol) | (syn > hi + tol)
    tolerance = f"(tolerance {RANGE_TOLERANCE:.0%} of the range)"
    for words, limit, bad in (
        ("below the real minimum", lo, syn < lo - tol),
        ("above the real maximum", hi, syn > hi + tol),
    ):
        rows = np.flatnonzero(bad)
        scores = 0.6 + 0.4 * np.minimum(1.0, np.abs(syn[rows] - limit) / span) if span else 1.0
        tail = f"is {words} {_num(limit, kind)} {tolerance}"
        ev.bad(col, rows, scores, _value_text(col, kind, syn, tail))
    if kind is not Kind.NUMERICAL:
        return
    if lo >= 0:
        rows = np.flatnonzero((syn < 0) & ~outside)
        ev.bad(col, rows, 0.8, lambda r: f"{col} = {syn[r]:,.6g} is negative, but no real value is")
    if finite.size > 1 and np.all(finite == np.round(finite)):
        with np.errstate(invalid="ignore"):
            frac = np.abs(syn - np.round(syn)) > 1e-6 * np.maximum(1.0, np.abs(syn))
        rows = np.flatnonzero(frac & ~outside)
        tail = "is not a whole number, but every real value is"
        ev.bad(col, rows, 0.8, lambda r: f"{col} = {syn[r]:,.6g} {tail}")


def _value_text(col: str, kind: Kind, values: np.ndarray, tail: str) -> Callable[[int], str]:
    return lambda r: f"{col} = {_num(float(values[r]), kind)} {tail}"


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


def _anomalous(enc: Encoded, seed: int, ev: _Events, notes: list[str]) -> dict[str, float]:
    n_real = enc.real.n_rows
    if n_real < MIN_ANOMALY_ROWS or not enc.analysed:
        notes.append(
            f"Anomalies not checked: they need at least {MIN_ANOMALY_ROWS} real rows "
            "and one analysed column."
        )
        return {}
    space = DistanceSpace.fit(enc)
    Xr, Xs = _anomaly_matrix(enc, space, enc.real), _anomaly_matrix(enc, space, enc.synthetic)
    fit_rows = np.random.default_rng(seed).permutation(n_real)[:MAX_ANOMALY_FIT_ROWS]
    halves = (fit_rows[0::2], fit_rows[1::2])
    forests = [
        IsolationForest(
            n_estimators=ANOMALY_TREES, max_samples=min(256, len(h)), random_state=seed + i
        ).fit(Xr[h])
        for i, h in enumerate(halves)
    ]
    # Each real half is scored by the forest that never saw it (higher = more anomalous).
    real_scores = np.r_[
        -forests[1].score_samples(Xr[halves[0]]), -forests[0].score_samples(Xr[halves[1]])
    ]
    thr = float(np.quantile(real_scores, 1.0 - ANOMALY_SHARE))
    syn_scores = np.empty(enc.synthetic.n_rows)
    pick = np.arange(enc.synthetic.n_rows) % 2
    for i, forest in enumerate(forests):
        if (pick == i).any():
            syn_scores[pick == i] = -forest.score_samples(Xs[pick == i])
    rows = np.flatnonzero(syn_scores > thr)
    scores = 0.5 + 0.5 * np.minimum(1.0, (syn_scores[rows] - thr) / max(1.0 - thr, 1e-9))
    rarest = dict(zip(rows.tolist(), _rarest(enc, rows), strict=True))
    level = f"above {thr:.2f}, which only {ANOMALY_SHARE:.0%} of real rows reach"

    def text(r: int) -> str:
        return (
            f"unusual combination of values (anomaly score {syn_scores[r]:.2f}, {level}); "
            f"most unusual: {rarest[int(r)]}"
        )

    ev.add("anomalous", "", rows, scores, text)
    return {"anomaly_threshold": thr}


def _rarest(enc: Encoded, rows: np.ndarray) -> list[str]:
    """For each synthetic row, the cell the real data has least often, in words."""
    best, pick = np.full(len(rows), 2.0), np.full(len(rows), -1)
    cols = list(enc.analysed)
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
        better = tail < best
        best[better], pick[better] = tail[better], j
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
            value = _num(float(enc.synthetic.numeric[col][r]), enc.schema.kind_of(col))
            out.append(f"{col} = {value} ({best[i]:.1%} of real values as far out)")
    return out


def _copies(privacy: MetricResult, ev: _Events, notes: list[str]) -> dict[str, float]:
    ex = privacy.extra
    if privacy.error or "exact_copy_of" not in ex:
        notes.append(f"Copies not checked: {privacy.error or 'no privacy result'}")
        return {}
    copy_of = np.asarray(ex["exact_copy_of"])
    natural = float(ex.get("holdout_copy_rate", 0.0))
    m = len(ex.get("columns", []))
    if natural <= NATURAL_COPY_LIMIT:
        words = f"on all {m} analysed columns"
        rows = np.flatnonzero(copy_of >= 0)
        ev.add(
            "copied",
            "",
            rows,
            1.0 - natural,
            lambda r: f"exact copy of real row {copy_of[r]} {words}",
        )
    else:
        notes.append(
            f"Exact copies not flagged row by row: {natural:.0%} of holdout rows equal a "
            "real row too, so equal rows are common in this data."
        )
    thr = float(ex.get("near_copy_threshold", np.nan))
    d, closest = np.asarray(ex["dcr_synthetic"]), np.asarray(ex["closest_real"])
    if np.isfinite(thr) and thr > 0:
        with np.errstate(invalid="ignore"):
            rows = np.flatnonzero((d < thr) & (copy_of < 0))
        level = f"{thr:.3g}, which only {privacy_mod.NEAR_COPY_PERCENTILE:g}% of holdout rows reach"

        def text(r: int) -> str:
            return (
                f"near copy: distance {d[r]:.3g} to the closest training record is below "
                f"{level} (closest real record: row {closest[r]})"
            )

        ev.add("near_copy", "", rows, 0.5 + 0.5 * (1.0 - d[rows] / thr), text)
        searched = int(np.isfinite(d).sum())
        if searched < len(d):
            notes.append(
                f"Near copies are checked on a seeded sample of {searched:,} of {len(d):,} "
                "synthetic rows (the distance search is capped); exact copies on every row."
            )
    return {"near_copy_threshold": thr}


def _obvious(proba: Any, n: int, ev: _Events, notes: list[str]) -> None:
    p = np.asarray(proba, dtype=float)
    if p.shape != (n,):
        notes.append(f"Detection probabilities ignored: {p.size} values for {n} synthetic rows.")
        return
    with np.errstate(invalid="ignore"):
        rows = np.flatnonzero(p >= PROBA_LEVEL)
    scores = 0.5 + 0.5 * (p[rows] - PROBA_LEVEL) / (1 - PROBA_LEVEL)
    level = f"(flagged from {PROBA_LEVEL:.0%})"

    def text(r: int) -> str:
        return f"the detection classifier gives it a {p[r]:.0%} chance of being synthetic {level}"

    ev.add("obviously_synthetic", "", rows, scores, text)


def _table(ev: _Events) -> pd.DataFrame:
    """One row per flagged synthetic row: its kinds, highest score and surest reasons first."""
    if not ev.parts:
        return pd.DataFrame({"row": np.array([], np.int64), "kinds": [], "score": [], "reason": []})
    rows = np.concatenate([p[0] for p in ev.parts])
    kind = np.concatenate([np.full(len(p[0]), p[1]) for p in ev.parts])
    score = np.concatenate([p[3] for p in ev.parts])
    texts = [t for p in ev.parts for t in p[4]]
    order = np.lexsort((-score, rows))
    rows, kind, score = rows[order], kind[order], score[order]
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    ends = np.r_[starts[1:], len(rows)]
    bits = np.bitwise_or.reduceat(1 << kind, starts)
    reasons = []
    for s, e in zip(starts, ends, strict=True):
        parts = [texts[order[i]] for i in range(s, min(e, s + MAX_REASONS))]
        more = [f"and {e - s - MAX_REASONS} more"] if e - s > MAX_REASONS else []
        reasons.append("; ".join(parts + more))
    table = pd.DataFrame(
        {
            "row": rows[starts],
            "kinds": [[k for i, k in enumerate(KINDS) if b >> i & 1] for b in bits],
            "score": score[starts],  # sorted by score within a row: the first is the highest
            "reason": reasons,
        }
    )
    order = np.lexsort((table["row"].to_numpy(), -table["score"].to_numpy()))
    return table.iloc[order].reset_index(drop=True)


def flag_rows(
    enc: Encoded,
    options: Options | None = None,
    detection_proba: Any = None,
    privacy: MetricResult | None = None,
    progress: Progress = no_progress,
) -> MetricResult:
    """Flag the synthetic rows that deserve a look (see the module docstring).

    Parameters
    ----------
    enc:
        The encoded pair.
    options:
        ``seed`` fixes the isolation forests (and the privacy search when it runs here).
    detection_proba:
        Per synthetic row, the detection metric's out-of-fold probability of being synthetic
        (``extra["synthetic_proba"]`` of the ``detection`` result; NaN where not scored). When
        None the ``obviously_synthetic`` reason is skipped.
    privacy:
        The ``privacy`` result, so the suite does not search nearest records twice; computed
        here when None.
    progress:
        Reports the privacy search when it runs here.

    Returns
    -------
    MetricResult
        ``details``: one row per flagged synthetic row, worst first: ``row`` (0-based position in
        the synthetic file), ``kinds``, ``score``, ``reason``, ``closest_real`` (-1 if unknown).
        ``score`` = 1 - flagged share, ``raw`` = flagged share. ``extra``: ``n_flagged``,
        ``flagged_share``, ``count_by_kind``, ``share_by_kind``, the thresholds used, ``notes``
        and ``message``.
    """
    options = options or Options()
    n = enc.synthetic.n_rows
    if n == 0:
        error = "The synthetic data has no rows."
        return MetricResult(NAME, FAMILY, score=float("nan"), error=error)
    ev, notes = _Events(), list[str]()
    _invalid(enc, ev)
    progress(0.05, "Row flags: checking values")
    limits = {
        "range_tolerance": RANGE_TOLERANCE,
        "anomaly_share": ANOMALY_SHARE,
        "proba_level": PROBA_LEVEL,
        **_anomalous(enc, options.seed, ev, notes),
    }
    progress(0.2, "Row flags: anomalies scored")
    if privacy is None:
        privacy = privacy_mod.compute_privacy(
            enc, options, lambda fraction, message: progress(0.2 + 0.75 * fraction, message)
        )
    limits.update(_copies(privacy, ev, notes))
    if detection_proba is None:
        notes.append("Obviously synthetic rows not checked: no detection probabilities given.")
    else:
        _obvious(detection_proba, n, ev, notes)
    details = _table(ev)
    closest = np.asarray(privacy.extra.get("closest_real", []))
    rows = details["row"].to_numpy(dtype=np.int64)
    details["closest_real"] = closest[rows] if len(closest) == n else -1
    counts = {k: int(sum(k in ks for ks in details["kinds"])) for k in KINDS}
    share = len(details) / n
    message = (
        f"{len(details):,} of {n:,} synthetic rows ({share:.1%}) are flagged: "
        + ", ".join(f"{counts[k]:,} {k.replace('_', ' ')}" for k in KINDS)
        + ". "
        + " ".join(notes)
    )
    progress(1.0, "Row flags: done")
    extra = {
        "n_flagged": len(details),
        "flagged_share": share,
        "count_by_kind": counts,
        "share_by_kind": {k: c / n for k, c in counts.items()},
        **limits,
        "notes": notes,
        "message": message.strip(),
    }
    findings = _findings(details, counts, n, ev)
    return MetricResult(NAME, FAMILY, 1.0 - share, share, details, findings, extra)


_SEVERITY = {  # kind -> (share above which "high", share above which "medium", finding kind)
    "invalid": (0.01, 0.0, "invalid_rows"),
    "copied": (0.0, 0.0, "copied_rows"),
    "near_copy": (0.1, 0.02, "near_copy_rows"),
    "anomalous": (0.1, 3 * ANOMALY_SHARE, "anomalous_rows"),
    "obviously_synthetic": (0.2, 0.05, "obviously_synthetic_rows"),
}
_WORDS = {
    "invalid": "hold values the real data rules out (out of range, unseen categories, "
    "unreadable or missing values, broken whole-number or sign rules)",
    "anomalous": f"are unusual combinations that only {ANOMALY_SHARE:.0%} of real rows match",
    "copied": "are exact copies of real rows",
    "near_copy": "are closer to a real record than 99% of unseen real rows are",
    "obviously_synthetic": f"are told apart as synthetic with {PROBA_LEVEL:.0%} confidence",
}


def _findings(details: pd.DataFrame, counts: dict[str, int], n: int, ev: _Events):
    found = []
    for kind in (k for k in KINDS if counts[k]):
        share = counts[kind] / n
        high, medium, name = _SEVERITY[kind]
        severity: Severity = "high" if share > high else "medium" if share > medium else "low"
        has = [kind in ks for ks in details["kinds"]]
        rows = tuple(sorted(int(r) for r in details["row"][has].iloc[:FINDING_ROWS]))
        cols = tuple(dict.fromkeys(p[2] for p in ev.parts if p[2] and KINDS[p[1]] == kind))
        msg = f"{counts[kind]:,} synthetic rows ({share:.1%}) {_WORDS[kind]}."
        found.append(Finding(name, severity, cols, msg, NAME, rows, 1.0 - share))
    return found


@register(
    NAME,
    FAMILY,
    goal="Which synthetic rows deserve a look: invalid, anomalous, copied, near copies or "
    "obviously synthetic. 1 = no row flagged.",
    kinds=(),
    result="rows",
)
def row_flags(enc: Encoded, options: Options, progress: Progress = no_progress) -> MetricResult:
    """Standalone entry: computes privacy itself and skips detection. The suite instead calls
    :func:`flag_rows` with the ``privacy`` result and the detection probabilities it has."""
    return flag_rows(enc, options, progress=progress)


def flags_json(result: MetricResult) -> list[dict[str, Any]]:
    """The ``flags`` section of the JSON report: ``[{row, kinds, score, reason}]``, worst first."""
    if result.details is None or result.details.empty:
        return []
    return [
        {"row": int(r.row), "kinds": list(r.kinds), "score": float(r.score), "reason": r.reason}
        for r in result.details.itertuples(index=False)
    ]
