"""Sentences and labels the pages and the HTML report share: what a result means in words.

Pure (no Streamlit): the Outliers, Privacy and Utility pages and the self-contained HTML report
(which the CLI writes too) all say the same thing the same way.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from metrics.results import Finding
from metrics.utility_target import LOW_DROP, MEDIUM_DROP
from outputs import row_charts
from outputs.review_items import REASON_WORDS

if TYPE_CHECKING:
    from metrics.flags import FlagsInfo
    from metrics.privacy import PrivacyInfo

# Flag reasons as labels: the review queue's words, capitalised (one vocabulary, two pages).
KIND_LABELS = {k: v[:1].upper() + v[1:] for k, v in REASON_WORDS.items()}
# metrics.privacy and metrics.flags are imported where used, not here: importing a metric module
# registers it, and the suite runs metrics in registration order (row flags need detection and
# privacy to have run first).
DISTANCE_WORDS = (
    "Distance between two rows: the root mean square of per-column differences, numbers in "
    "units of the real interquartile range, categories 0 when equal and 1 when not, a missing "
    "value against a present one 1. 0 means identical rows; two random rows are about 1 apart."
)


def pct(x: float) -> str:
    return f"{100 * x:.1f}%" if math.isfinite(x) else "n/a"


def copy_sentence(found: PrivacyInfo, n_rows: int) -> str:
    """The exact-copy count in words a stakeholder understands."""
    k = int(found.exact_copies)
    if k == 0:
        return f"None of the {n_rows:,} synthetic rows is an exact copy of a real record."
    return (
        f"{k:,} of {n_rows:,} synthetic rows ({pct(k / max(n_rows, 1))}) are exact copies of "
        "real records: whoever receives the synthetic data sees these real rows unchanged."
    )


def dcr_sentence(found: PrivacyInfo, split: bool = False) -> str:
    """What the DCR share means against the share a non-memorising generator gets.

    ``split``: no holdout was uploaded, so part of the real rows stood in for one; a share near
    the expected one then says little (a generator trained on every real row gets it too).
    """
    share, expected = found.dcr_share, found.dcr_expected
    if not (math.isfinite(share) and math.isfinite(expected)):
        return "Without a holdout there is nothing to compare distances with: only copies count."
    score = found.dcr_score
    verdict = (
        "close to that: no sign that the generator memorised its training rows"
        if share <= expected or score >= 0.9
        else "somewhat above: a mild sign that synthetic rows lean towards the training rows"
        if score >= 0.6
        else "well above: synthetic rows sit nearer the training rows than chance explains, "
        "a sign the generator reproduces them"
    )
    if split and (share <= expected or score >= 0.9):
        verdict = (
            "close to that; but without an uploaded holdout this clears the generator only if "
            "it never saw the stand-in rows"
        )
    n_t, n_h = found.n_training, found.n_holdout
    sizes = f" ({n_t:,} training rows of {n_t + n_h:,} real rows)" if n_t and n_h else ""
    return (
        f"{pct(share)} of synthetic rows are closer to a training record than to any holdout "
        f"record. A generator that does not memorise lands near {pct(expected)}{sizes}; this "
        f"is {verdict}."
    )


def privacy_help() -> str:
    from metrics.privacy import COPY_WEIGHT

    return (
        "1 = no sign that real records leak. score = min(copy score, DCR score, attacks); copy "
        f"score = max(0, 1 - {COPY_WEIGHT:g} x (copy excess + (near-copy rate - its natural "
        "rate)+)), the copy excess the larger of (exact-copy rate - its natural rate)+ and "
        "(rate of copies of records found once in the training data - its natural rate)+, the "
        "natural rates measured on the holdout (without one: each real row against the others); "
        "DCR score = min(1, (1 - DCR share) / (1 - expected share)); attacks = 1 - the upper end "
        "of the largest attack risk's interval (singling out, linkability, inference; only "
        "with a holdout or a confirmed split as control)."
    )


def reason_meanings(found: FlagsInfo) -> dict[str, str]:
    """What each reason means, with the tolerance and thresholds this run used."""
    from metrics.flags import NATURAL_COPY_LIMIT

    tol, share = found.range_tolerance, found.anomaly_share
    anomaly, near = found.anomaly_threshold, found.near_copy_threshold
    level = f" (anomaly score above {anomaly:.2f})" if anomaly is not None else ""
    return {
        "invalid": f"a value the real data rules out: outside the real range by more than {tol:.0%}"
        " of that range (more on small tables, where the tolerance follows the real tail so that "
        "at most 0.5% of unseen real rows cross it), a category the real data never has, an unreadable value, a missing "
        "value where the real column is never missing, a broken whole-number or sign rule.",
        "anomalous": f"an unusual row: a combination of values that only {share:.0%} of real rows "
        f"reach{level}, by isolation forests fitted on the real rows, in at least "
        f"{found.stable_share:.0%} of {found.runs_by_kind.get('anomalous', 5)} seeded runs.",
        "copied": "equal to a real row on every compared column. Where "
        f"{NATURAL_COPY_LIMIT:.0%} or more of holdout rows (without a holdout: real rows) equal a "
        "real row by nature, only copies of a record found once in the training data are "
        "flagged.",
        "near_copy": "equal to a real row on every column but one number (at most 1% of its "
        f"range apart), or closer to a training record (distance below {near:.3g}) than 99% of "
        "real holdout rows get.",
        "implausible_combination": "each value is in range, but one column is far from what "
        "real rows with the same value of a strongly related column have (only "
        f"{found.implausible_share:.1%} of unseen real rows go as far).",
        "broken_rule": "breaks a rule declared for the data or discovered in the real data (see "
        "the rules on the Schema page); the reason gives the rule and the row's values.",
        "obviously_synthetic": "a classifier trained to tell real from synthetic rows gives it "
        f"at least a {found.proba_level:.0%} chance of being synthetic, confirmed by seeded "
        "refits of the classifier.",
    }


METRIC_WORDS = {
    "accuracy": "share of real holdout rows predicted right",
    "f1_macro": "F1 averaged over classes, so a rare class counts as much as a common one",
    "roc_auc": "how well the model ranks rows by class, 0.5 = chance, 1 = perfect",
    "average_precision": "how well the model ranks the rare class first; its share among the "
    "real test rows = chance, 1 = perfect",
    "r2": "share of the target's variance explained, 1 = perfect, 0 = no better than the mean",
    "mae": "average size of the error, in the target's units (lower is better)",
}


def fitness(
    score: float, findings: list[Finding], target: str, excluded: str | None = None
) -> tuple[str, str]:
    """``(level, sentence)``: whether the synthetic data is fit for training a model of target.

    ``level`` is ``"fit"``, ``"care"`` or ``"not fit"`` by the utility score (at least
    ``LOW_DROP`` fit, at least ``MEDIUM_DROP`` with care), one step lower when a class of the
    target is lost or the target column is unusable. ``excluded``: why the score is kept out of
    Overall (``MetricResult.excluded``); a score that could not be measured then says why, with
    level ``"care"`` (nothing is known against the synthetic data, nor for it).
    """
    t = f"'{target}'"
    if not math.isfinite(score):
        if excluded:
            return "care", f"Utility {excluded.rstrip('.')}."
        return "not fit", f"Whether the synthetic data is fit for predicting {t} is not known."
    level = 0 if score >= LOW_DROP else 1 if score >= MEDIUM_DROP else 2
    lost = [f for f in findings if f.kind in ("lost_class", "target_missing")]
    if lost:
        level = min(2, level + 1)
    kept = f"models trained on it keep {score:.0%} of the real-trained models' skill beyond chance on real rows"
    sentence = [
        f"Fit for training a model of {t}: {kept}.",
        f"Usable with care for {t}: {kept}; check the per-class recall and the findings first.",
        f"Not fit for training a model of {t}: {kept}.",
    ][level]
    if lost:
        sentence += " A class of the target is lost or the target is unusable (see below)."
    if any(f.kind == "easy_target" for f in findings):
        sentence += " But the target is almost trivial to predict, so this says little (see below)."
    return ("fit", "care", "not fit")[level], sentence


def comparison_table(details: pd.DataFrame) -> pd.DataFrame:
    """Model | Metric | TRTR | TSTR | synthetic minus real | real + synthetic, one line per model
    and metric."""
    lines = []
    for model, part in details.groupby("model", sort=False):
        by = part.set_index("train")
        for metric in row_charts.model_metrics(details):
            value = {s: float(by[metric].get(s, math.nan)) for s in ("trtr", "tstr", "augmented")}
            lines.append({
                "Model": model, "Metric": row_charts.METRIC_LABELS[metric],
                "Trained on real (TRTR)": value["trtr"],
                "Trained on synthetic (TSTR)": value["tstr"],
                "Synthetic minus real": value["tstr"] - value["trtr"],
                "Real + synthetic": value["augmented"],
            })  # fmt: skip
    return pd.DataFrame(lines)
