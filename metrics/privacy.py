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
``dcr_score = min(1, (1 - share) / (1 - expected))`` (sdmetrics' ``min(1, 2 * (1 - share))`` for
equal sets); the copy part ``max(0, 1 - COPY_WEIGHT * (copy excess + near-copy excess))``: a copy
discloses its record outright, so 5% excess copies halve it. The lowest of the copy part, the
DCR score and the attacks' part decides (:mod:`metrics.privacy_score`, which says which).

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
Exact and one-cell near copies use every row (hashing). Searches: at most :data:`MAX_SEARCH_ROWS`
synthetic rows and :data:`MAX_REFERENCE_ROWS` real and holdout rows each (seeded samples, stated in
``sample_note``; training and holdout sampled alike, so the expected DCR share holds; 100k x 100k
took 17 s of a 30 s report budget), :data:`MAX_HOLDOUT_QUERIES` holdout rows (for a percentile),
and with an uploaded holdout :data:`MAX_SHARE_QUERIES` synthetic rows for the DCR share.

Values travel in :class:`PrivacyInfo` (:func:`info`; with the JSON in :mod:`metrics.privacy_info`);
row matching and the holdout split live in :mod:`metrics.privacy_rows`.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from metrics import uncertainty
from metrics.distance import DistanceSpace, Neighbours, nearest
from metrics.encode import Encoded, Side
from metrics.options import Options
from metrics.privacy_copies import (
    copy_findings,
    copy_sentences,
    count_copies,
    dcr_finding,
    paren,
    unique_findings,
    unique_sentence,
)
from metrics.privacy_info import NEAR_COPY_PERCENTILE, PrivacyInfo, floor_note, pct
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
from metrics.privacy_score import decide
from metrics.results import MetricResult, Progress, no_progress, typed_extra
from metrics.schema import Kind
from metrics.unique_copies import unique_copies

NAME = "privacy"
FAMILY = "privacy"
HOLDOUT_SPLIT = 0.5
MIN_SPLIT_ROWS = 10  # real rows needed to split off a holdout
MAX_SEARCH_ROWS, MAX_REFERENCE_ROWS = 100_000, 50_000
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


# long: mostly its numpy-style docstring; the work is in _distances and _finish.
def compute_privacy(
    enc: Encoded,
    options: Options | None = None,
    progress: Progress = no_progress,
    needs: dict[str, MetricResult] | None = None,
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
    needs:
        The ``privacy_attacks`` result, when it ran: the score is at most its score
        (:mod:`metrics.privacy_score`).

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
    uc = unique_copies(enc, options.confidence)
    refs = references(enc, rng, MAX_REFERENCE_ROWS, MIN_SPLIT_ROWS, HOLDOUT_SPLIT)
    space = DistanceSpace.fit(enc)
    s_rows = sample_rows(syn.n_rows, MAX_SEARCH_ROWS, rng)
    base = PrivacyInfo(
        **copies.fields(),
        unique_copies=uc,
        excluded_columns=excluded,
        columns=list(enc.analysed),
        n_searched=len(s_rows),
        sample_note=_sample_note(enc, len(s_rows)),
    )
    found, d_hold = _distances(enc, space, refs, s_rows, rng, base, progress, options.confidence)
    return _finish(found, d_hold, s_rows, options, (needs or {}).get("privacy_attacks"))


def _sample_note(enc: Encoded, n_searched: int) -> str:
    n_hold, syn_n = (enc.holdout.n_rows if enc.holdout is not None else 0), enc.synthetic.n_rows
    if max(enc.real.n_rows, n_hold) <= MAX_REFERENCE_ROWS and syn_n <= MAX_SEARCH_ROWS:
        return ""
    return (
        f"Distances use a seeded sample of {n_searched:,} synthetic rows and at most "
        f"{MAX_REFERENCE_ROWS:,} real and holdout rows; exact and near copies use every row."
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
    found: PrivacyInfo,
    d_hold: np.ndarray,
    s_rows: np.ndarray,
    options: Options,
    attacks: MetricResult | None,
) -> MetricResult:
    """Scores, intervals, floors, message, details and findings from the measured values."""
    excess = max(0.0, found.exact_copy_rate - found.holdout_copy_rate)
    near_excess = max(0.0, found.near_copy_rate - found.holdout_near_copy_rate)
    copy_score = float(max(0.0, 1.0 - COPY_WEIGHT * (excess + near_excess)))
    counts = counts_of(found)
    b = bounds(counts, COPY_WEIGHT, options.confidence)
    gen = uncertainty.rng(options.seed, NAME, "floor")
    f = floors(counts, COPY_WEIGHT, gen, options.n_boot)
    d = decide(
        {"copy": copy_score, "near_excess": near_excess, "dcr": found.dcr_score},
        {"copy": b.copy_score, "near_excess": b.near_copy_excess, "dcr": b.dcr_score},
        {"copy": f.copy_score, "dcr": f.dcr_score},
        found.unique_copies, attacks, COPY_WEIGHT, gen, options.n_boot,
    )  # fmt: skip
    copy_score, score = d.copy_score, d.score
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
        copy_score_interval=d.copy_interval,
        copy_rule=d.copy_rule,
        score_rule=d.rule,
        score_rule_sentence=d.rule_sentence,
        dcr_share_interval=b.dcr_share,
        dcr_score_interval=b.dcr_score,
        score_interval=d.interval,
        nndr_median_interval=median_interval(found.nndr[s_rows], options.confidence),
        floor=d.floor,
        copy_floor=d.copy_floor,
        near_copy_floor=f.near_copy_score,
        dcr_floor=f.dcr_score,
        floor_note=floor_note(found, d.floor, options.n_boot),
    )
    c = options.confidence
    copies, near = copy_sentences(found, b, c)
    closer = (
        f"{pct(found.dcr_share)} of synthetic rows{paren(b.dcr_share, c)} are closer to the "
        f"training rows than to the holdout, against {pct(found.dcr_expected)} for a generator "
        "that does not memorise."
    )
    dcr = [closer if np.isfinite(found.dcr_share) else "", found.holdout_note]
    unique = unique_sentence(found.unique_copies, c)
    parts = [
        found.score_rule_sentence, copies, unique, near, found.baseline_note, *dcr,
        found.sample_note, found.floor_note,
    ]  # fmt: skip
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
    findings = copy_findings(found, copies, near)
    findings += [*unique_findings(found, unique, findings), *dcr_finding(found, closer)]
    return MetricResult(
        NAME, FAMILY, score, found.dcr_share, details, findings, found, interval=d.interval,
        floor=d.floor,
    )  # fmt: skip
