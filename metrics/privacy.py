"""Privacy: real records copied or nearly copied into the synthetic data.

Columns
-------
Everything but id and text columns (see :mod:`metrics.distance`). Id columns are left out
because a fresh id would never match a real one, and text because free text identifies rather
than describes; the result names them in ``PrivacyInfo.excluded_columns``.

Measures
--------
- **Exact copies**: synthetic rows equal to some real row on every analysed column, compared on
  the shared category codes and the parsed numbers (so ``1`` and ``1.0`` or ``yes`` and ``True``
  are equal). Real data can hold rows that coincide by nature (few distinct combinations), so
  the same count for rows standing for fresh real data gives the natural rate (below).
- **Near copies** (one cell): synthetic rows equal to some real row on every analysed column but
  one number or date, which differs by more than 0 and at most 1% of that column's real range
  (:mod:`metrics.near_copies`). They do not rely on distances, so they survive data where real
  rows repeat (there the distance-based near copies below find nothing: the holdout's own
  closest distances collapse to 0). Counted, with their natural rate, as exact copies are.
- **DCR share** (distance to closest record, as sdmetrics' ``DCROverfittingProtection``): for each
  synthetic row, is its closest training row closer than its closest holdout row? Ties count
  one half. If the generator did not memorise, the synthetic row is no more tied to the training
  rows than to fresh rows, and the share is ``n_train / (n_train + n_holdout)``: 0.5 for sets of
  equal size (exchangeability; it holds whatever the synthetic data looks like).
- **Nearest-neighbour distance ratio** (NNDR): distance to the closest over the second-closest
  real row; near 0 means a synthetic row singles out one real record. Compared with the
  holdout's own ratio.

Natural copy rates
------------------
With an uploaded holdout, every holdout row against every real row; without one, every real row
against the other real rows (leave-one-out): see :mod:`metrics.privacy_copies` for why not the
seeded split below. ``PrivacyInfo.baseline`` says which.

Holdout
-------
Without an uploaded holdout, a seeded :data:`HOLDOUT_SPLIT` of the real rows stands in for one
(equal halves, so the expected DCR share is 0.5). That measures memorisation only if the
generator never saw those rows; if it was trained on all real rows, a copied row is as likely to
sit in either half and the share stays near 0.5, so the exact-copy count is the evidence then.

Score
-----
``dcr_score = min(1, (1 - share) / (1 - expected))``, which is sdmetrics' ``min(1, 2 * (1 -
share))`` when the sets are equal; ``copy_score = max(0, 1 - COPY_WEIGHT * excess)`` where ``excess = max(0, exact_copy_rate -
holdout_copy_rate) + max(0, near_copy_rate - holdout_near_copy_rate)``; ``score =
min(dcr_score, copy_score)``. A verbatim copy discloses its record outright, and a near copy all
of it but one nudged number, so copies above the natural rate weigh ten times the copy rate (5 %
excess copies halve the score, 10 % give 0), and the worse of the two kinds of evidence decides.

Intervals, floor and findings
-----------------------------
Wilson intervals on every rate and share, Newcombe's interval on the copy excess, both mapped
through the score formulas (:mod:`metrics.privacy_intervals`). The floor is what an independent
real sample of the synthetic data's size scores against the holdout reference (the uploaded
holdout or the seeded split): the mean of seeded binomial draws at the natural copy rate and
the expected DCR share. Memorisation is a finding only when the DCR score's interval lies below
its floor (severity from that distance), and so are near copies (``near_copies``: the copy part
near copies alone leave, against its floor). Exact copies above the natural rate stay a finding
even when few or within the noise, as before (high from 1% excess, medium below): each one
discloses a real record outright. Copies at or below the natural rate are not a finding.

Size
----
Exact and one-cell near copies use every row (hashing and sorting). The nearest-neighbour searches use at most
:data:`MAX_SEARCH_ROWS` real and synthetic rows (a seeded sample beyond that, stated in
``PrivacyInfo.sample_note``), the holdout's distances at most :data:`MAX_HOLDOUT_QUERIES` holdout
rows (enough for a percentile), and with an uploaded holdout the DCR share at most
:data:`MAX_SHARE_QUERIES` synthetic rows (standard error below 0.004).

The values measured travel in :class:`PrivacyInfo` (read with :func:`info`; it and the JSON
section live in :mod:`metrics.privacy_info`); row matching and the holdout split live in
:mod:`metrics.privacy_rows`.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from metrics import uncertainty
from metrics.distance import DistanceSpace, Neighbours, nearest
from metrics.encode import Encoded, Side
from metrics.options import Options
from metrics.privacy_copies import copy_findings, copy_sentences, count_copies
from metrics.privacy_info import NEAR_COPY_PERCENTILE, PrivacyInfo, floor_note, pct, rate_words
from metrics.privacy_info import privacy_json as privacy_json  # the JSON section, re-exported
from metrics.privacy_intervals import bounds, counts_of, floors, median_interval
from metrics.privacy_rows import (
    References,
    effective_rows,
    finite_median,
    match_rows,
    merge_top2,
    nn_ratio,
    references,
    sample_rows,
)
from metrics.results import Finding, MetricResult, Progress, no_progress, typed_extra
from metrics.schema import Kind
from metrics.uncertainty import beyond_floor, severity_beyond

NAME = "privacy"
FAMILY = "privacy"
HOLDOUT_SPLIT = 0.5
MIN_SPLIT_ROWS = 10  # real rows needed to split off a holdout
MAX_SEARCH_ROWS = 100_000
MAX_HOLDOUT_QUERIES = 5_000  # 1% of them is 50 rows: enough for the near-copy percentile
MAX_SHARE_QUERIES = 25_000
COPY_WEIGHT = 10.0


def info(result: MetricResult | None) -> PrivacyInfo:
    """The :class:`PrivacyInfo` of a privacy result; an empty one when there is none (the
    metric was skipped, or the suite caught it failing)."""
    return typed_extra(result, PrivacyInfo)


def _failed(message: str, excluded_columns: list[str] | None = None) -> MetricResult:
    extra = PrivacyInfo(message=message, excluded_columns=excluded_columns or [])
    return MetricResult(NAME, FAMILY, score=float("nan"), error=message, extra=extra)


def compute_privacy(
    enc: Encoded, options: Options | None = None, progress: Progress = no_progress
) -> MetricResult:
    """Exact and one-cell near copies, DCR share against the holdout, NNDR and a privacy score.

    Parameters
    ----------
    enc:
        The encoded pair; ``enc.holdout`` is used when present, otherwise half of the real rows
        (seeded by ``options.seed``) stand in for it.
    options:
        ``seed`` (samples, the holdout split, the floor's draws), ``confidence`` and ``n_boot``
        (the floor's draws).
    progress:
        Reports the nearest-neighbour searches.

    Returns
    -------
    MetricResult
        ``score`` as in the module docstring, ``raw`` = DCR share. ``details``: one row per
        searched synthetic row (``row``, ``closest_real``, ``distance``, ``distance_to_training``,
        ``distance_to_holdout``, ``nndr``, ``exact_copy``, ``near_copy_of``: the real row it
        nearly copies or -1, ``near_copy_column``: the cell that differs or ""). ``extra``: a
        :class:`PrivacyInfo` (read it with :func:`info`).
    """
    options = options or Options()
    rng = np.random.default_rng(options.seed)
    excluded = enc.schema.names(Kind.ID, Kind.TEXT)
    syn, real = enc.synthetic, enc.real
    if not enc.analysed:
        return _failed(
            "Privacy needs at least one numerical, datetime, categorical or boolean column; id "
            "and text columns are left out.",
            excluded_columns=excluded,
        )
    if syn.n_rows == 0 or real.n_rows == 0:
        return _failed(
            f"Privacy needs rows on both sides; the real data has {real.n_rows} and the "
            f"synthetic data {syn.n_rows}."
        )
    copies = count_copies(enc)
    refs = references(enc, rng, MAX_SEARCH_ROWS, MIN_SPLIT_ROWS, HOLDOUT_SPLIT)
    space = DistanceSpace.fit(enc)
    s_rows = sample_rows(syn.n_rows, MAX_SEARCH_ROWS, rng)
    base = PrivacyInfo(
        **copies.fields(),
        excluded_columns=excluded,
        columns=list(enc.analysed),
        n_searched=len(s_rows),
        sample_note=_sample_note(enc, len(s_rows)),
    )
    found, d_hold = _distances(enc, space, refs, s_rows, rng, base, progress, options.confidence)
    return _finish(found, d_hold, s_rows, options)


def _sample_note(enc: Encoded, n_searched: int) -> str:
    n_hold = enc.holdout.n_rows if enc.holdout is not None else 0
    if max(enc.synthetic.n_rows, enc.real.n_rows, n_hold) <= MAX_SEARCH_ROWS:
        return ""
    return (
        f"Distances use a seeded sample of {n_searched:,} synthetic rows and at most "
        f"{MAX_SEARCH_ROWS:,} real and holdout rows; exact and near copies use every row."
    )


def _distances(
    enc: Encoded,
    space: DistanceSpace,
    refs: References | None,
    s_rows: np.ndarray,
    rng: np.random.Generator,
    base: PrivacyInfo,
    progress: Progress,
    confidence: float,
) -> tuple[PrivacyInfo, np.ndarray]:
    """``base`` with the distances, the DCR share and NNDR added; the synthetic rows' distances
    to the holdout (NaN where not searched)."""
    syn, n_syn = enc.synthetic, enc.synthetic.n_rows
    d_hold = np.full(n_syn, np.nan)
    d_train = np.full(n_syn, np.nan)
    if refs is None:
        found = replace(
            base,
            holdout_note=f"The real data has {enc.real.n_rows} rows, too few to set a holdout "
            "aside: no DCR share, only exact copies.",
        )
        top = nearest(space, syn, enc.real, k=2, query_rows=s_rows)
        d_train[s_rows] = top.distance[:, 0]
    else:
        found = replace(base, holdout_note=refs.note)
        top, found = _search(
            enc, space, refs, s_rows, rng, found, d_train, d_hold, progress, confidence
        )
    copy_of = found.exact_copy_of
    closest, closest_d = np.full(n_syn, -1, dtype=np.int64), np.full(n_syn, np.nan)
    closest[s_rows], closest_d[s_rows] = top.index[:, 0], top.distance[:, 0]
    # A copy's closest record is the row it copies (folded categories could hide it).
    closest[copy_of >= 0], closest_d[copy_of >= 0] = copy_of[copy_of >= 0], 0.0
    nndr = np.full(n_syn, np.nan)
    nndr[s_rows] = nn_ratio(top)
    found = replace(
        found,
        dcr_synthetic=d_train,
        closest_real=closest,
        closest_distance=closest_d,
        nndr=nndr,
        nndr_median=finite_median(nndr[s_rows]),
    )
    return found, d_hold


# long: the three searches and the DCR parts share their row sets (nine arrays if split).
def _search(
    enc: Encoded,
    space: DistanceSpace,
    refs: References,
    s_rows: np.ndarray,
    rng: np.random.Generator,
    base: PrivacyInfo,
    d_train: np.ndarray,
    d_hold: np.ndarray,
    progress: Progress,
    confidence: float,
) -> tuple[Neighbours, PrivacyInfo]:
    """Run the searches and fill ``d_train``/``d_hold``; the top-2 over all real rows of every
    searched synthetic row, and ``base`` with the DCR parts added."""
    syn = enc.synthetic
    n_t, n_h = len(refs.train_rows), len(refs.hold_rows)
    h_rows = refs.hold_rows[sample_rows(n_h, MAX_HOLDOUT_QUERIES, rng)]
    share_pos = (
        np.arange(len(s_rows)) if refs.split else sample_rows(len(s_rows), MAX_SHARE_QUERIES, rng)
    )
    share_rows = s_rows[share_pos]
    work = np.array([len(s_rows) * n_t, len(share_rows) * n_h, len(h_rows) * n_t], dtype=float)
    base_work = np.r_[0.0, np.cumsum(work)] / max(work.sum(), 1.0)

    def search(i: int, q: Side, q_rows: np.ndarray, r: Side, r_rows: np.ndarray, k: int):
        def sub(fraction: float, message: str) -> None:
            progress(base_work[i] + fraction * (base_work[i + 1] - base_work[i]), message)

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
    dt, dh = d_train[share_rows], d_hold[share_rows]
    share = float(np.mean(np.where(dt < dh, 1.0, np.where(dt == dh, 0.5, 0.0))))
    expected = n_t / (n_t + n_h)
    found = replace(
        base,
        dcr_holdout=hold_nb.distance[:, 0],
        holdout_nndr_median=finite_median(nn_ratio(hold_nb)),
        holdout_nndr_median_interval=median_interval(nn_ratio(hold_nb), confidence),
        near_copy_threshold=float(np.percentile(hold_nb.distance[:, 0], NEAR_COPY_PERCENTILE)),
        dcr_share=share,
        dcr_expected=expected,
        dcr_score=float(min(1.0, (1.0 - share) / (1.0 - expected))),
        n_training=n_t,
        n_holdout=n_h,
        n_share_rows=len(share_rows),
        dcr_effective_rows=effective_rows(
            np.where(dt < dh, to_train.index[share_pos, 0], -1 - to_hold.index[:, 0]), dt == dh
        ),
    )
    return (merge_top2(to_train, to_hold) if refs.split else to_train), found


# long: assembles the result (scores, intervals, floors, words, details, findings) in one place.
def _finish(
    found: PrivacyInfo, d_hold: np.ndarray, s_rows: np.ndarray, options: Options
) -> MetricResult:
    """Scores, intervals, floors, message, details and findings from the measured values."""
    excess = max(0.0, found.exact_copy_rate - found.holdout_copy_rate)
    near_excess = max(0.0, found.near_copy_rate - found.holdout_near_copy_rate)
    copy_score = float(max(0.0, 1.0 - COPY_WEIGHT * (excess + near_excess)))
    dcr_score = found.dcr_score
    score = min(dcr_score, copy_score) if np.isfinite(dcr_score) else copy_score
    counts = counts_of(found)
    b = bounds(counts, COPY_WEIGHT, options.confidence)
    gen = uncertainty.rng(options.seed, NAME, "floor")
    f = floors(counts, COPY_WEIGHT, gen, options.n_boot)
    found = replace(
        found,
        copy_score=copy_score,
        near_copy_score=float(max(0.0, 1.0 - COPY_WEIGHT * near_excess)),
        score=score,
        exact_copy_rate_interval=b.exact_copy_rate,
        holdout_copy_rate_interval=b.holdout_copy_rate,
        copy_excess_interval=b.copy_excess,
        near_copy_rate_interval=b.near_copy_rate,
        holdout_near_copy_rate_interval=b.holdout_near_copy_rate,
        near_copy_excess_interval=b.near_copy_excess,
        near_copy_score_interval=b.near_copy_score,
        copy_score_interval=b.copy_score,
        dcr_share_interval=b.dcr_share,
        dcr_score_interval=b.dcr_score,
        score_interval=b.score,
        nndr_median_interval=median_interval(found.nndr[s_rows], options.confidence),
        floor=f.score,
        copy_floor=f.copy_score,
        near_copy_floor=f.near_copy_score,
        dcr_floor=f.dcr_score,
        floor_note=floor_note(found, f.score, options.n_boot),
    )
    c = options.confidence
    copies, near = copy_sentences(found, b, c)
    closer = (
        f"{pct(found.dcr_share)} of synthetic rows{_paren(b.dcr_share, c)} are closer to the "
        f"training rows than to the holdout, against {pct(found.dcr_expected)} for a generator "
        "that does not memorise."
    )
    dcr = [closer if np.isfinite(found.dcr_share) else "", found.holdout_note]
    parts = [copies, near, found.baseline_note, *dcr, found.sample_note, found.floor_note]
    found = replace(found, message=" ".join(p for p in parts if p))
    oc = found.near_copy
    details = pd.DataFrame(
        {
            "row": s_rows,
            "closest_real": found.closest_real[s_rows],
            "distance": found.closest_distance[s_rows],
            "distance_to_training": found.dcr_synthetic[s_rows],
            "distance_to_holdout": d_hold[s_rows],
            "nndr": found.nndr[s_rows],
            "exact_copy": found.exact_copy_of[s_rows] >= 0,
            "near_copy_of": oc.ref[s_rows],
            "near_copy_column": np.array([""] + list(oc.columns), dtype=object)[
                oc.column[s_rows] + 1
            ],
        }
    )
    findings = [*copy_findings(found, copies, near), *_dcr_finding(found, closer)]
    return MetricResult(
        NAME, FAMILY, score, found.dcr_share, details, findings, found, interval=b.score,
        floor=f.score,
    )  # fmt: skip


def _paren(interval: tuple[float, float] | None, confidence: float) -> str:
    """`` (95% interval 46.6%-50.9%)`` ("" without an interval)."""
    words = rate_words(interval, confidence)
    return f" ({words[2:]})" if words else ""


def _dcr_finding(found: PrivacyInfo, closer: str) -> list[Finding]:
    """Memorisation (the DCR share) is a finding only when its score's interval lies below its
    floor, with its severity from that distance."""
    beyond = beyond_floor(found.dcr_score_interval, found.dcr_floor)
    dcr_severity = severity_beyond(beyond)
    if dcr_severity is None:
        return []
    msg = f"{closer} {found.holdout_note}"
    return [
        Finding("dcr_closer_to_training", dcr_severity, (), msg, NAME, (), found.dcr_score, beyond)
    ]
