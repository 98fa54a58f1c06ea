"""The Utility page body: the target, the score against no skill (or why it cannot be measured),
TSTR against TRTR, per-class recall, importances."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import streamlit as st

from components import assessment, scorecard, state
from components.assessment import Loaded
from metrics.results import MetricResult
from metrics.schema import Kind
from metrics.utility import info
from metrics.utility_target import LOW_DROP, MEDIUM_DROP, default_target
from metrics.utility_words import (
    interval_text,
    method_words,
    not_measurable_words,
    numbers_words,
    score_text,
    score_words,
    trivial_words,
)
from outputs import row_charts
from outputs.escape import md
from outputs.result_words import METRIC_WORDS, comparison_table, fitness

TARGET_KINDS = (Kind.CATEGORICAL, Kind.BOOLEAN, Kind.NUMERICAL)
# Error text -> what the user can do about it (first match wins).
HINTS = (
    ("No target column", "Choose the column a model should predict in the box above."),
    (" column; choose", "Choose a numerical, categorical or boolean column in the box above."),
    ("missing from the synthetic", "Regenerate the synthetic data with this column, or choose "
     "another target above."),
    ("empty in every synthetic", "Regenerate the synthetic data with this column filled in, or "
     "choose another target above."),
    ("needs at least", "Upload more rows (or a larger holdout), or choose a target that is "
     "filled in more often."),
    ("single value", "Choose a target that takes at least two values in both datasets."),
    ("constant", "Choose a target that varies in the real data."),
    ("do not predict", "The other columns say nothing about this target even in the real data, "
     "so the comparison is meaningless: choose a target they can predict."),
    ("besides the target", "Add the columns a model would use as inputs to both files."),
    ("No feature column varies", "Add input columns that vary, or choose another target."),
)  # fmt: skip


def result(loaded: Loaded) -> MetricResult | None:
    return loaded.assessment.result("utility")


def target_picker(loaded: Loaded) -> None:
    """Choose the column to predict; a change re-computes only the utility metric."""
    enc, res = loaded.enc, result(loaded)
    options = enc.schema.names(*TARGET_KINDS)
    shown = state.target() or info(res).target or default_target(enc)
    kinds = {c: enc.schema.kind_of(c).value for c in options}
    st.selectbox(
        "Column to predict (target)", options, key=state.target_widget(shown if shown in options
                                                                       else None),
        on_change=state.target_chosen, format_func=lambda c: f"{c} ({kinds[c]})",
        placeholder="Choose the column a model should predict",
        help="Models learn this column from all the others. The first choice is the column "
        "that looks most like a label; categorical and boolean targets (and numbers with few "
        "whole values) are classification, other numbers regression.",
    )  # fmt: skip


def verdict(res: MetricResult) -> None:
    """The score in words (with its interval, TSTR, TRTR and the no-skill value), or why it
    cannot be measured; the trivial-target notice and its checkbox; the utility findings."""
    found = info(res)
    left, right = st.columns([1, 3])
    if not found.measurable or not math.isfinite(res.score):
        left.metric(
            "Utility score",
            "n/a",
            border=True,
            help="Not measurable: the real data does not predict this target either.",
        )
        with right:
            st.warning("**Not measurable for this target.** " + md(not_measurable_words(found)),
                       icon=":material/block:")  # fmt: skip
            st.caption(md(numbers_words(found)))
    else:
        level, sentence = fitness_words(res.score, res.findings, str(found.target))
        box = {"fit": st.success, "care": st.warning, "not fit": st.error}[level]
        if res.excluded:
            box = st.info  # shown, but it says little: no green light for a trivial target
        left.metric("Utility score", score_text(res.score), border=True,
                    help="1 = models trained on the synthetic data keep all the skill beyond "
                    "chance that models trained on real data have; 0 = none of it.")  # fmt: skip
        if res.interval is not None:
            left.caption(f"{found.confidence:.0%} interval {interval_text(res.interval)}")
        with right:
            box(md(sentence))
            st.caption(md(score_words(res) + " " + numbers_words(found)))
    st.caption(md(f"Formula: {found.formula or ''}. Fit from {LOW_DROP:g}, usable with care "
                  f"from {MEDIUM_DROP:g}. {method_words(found)}"))  # fmt: skip
    if found.trivial:
        trivial_notice(res)
    for f in res.findings:
        if f.kind != "utility_not_measurable":  # the warning above says it
            scorecard.finding_line(f)


def fitness_words(score: float, findings: list, target: str) -> tuple[str, str]:
    """``(level, sentence)`` with the level of :func:`fitness` and words for this score: the
    share of the real-trained models' skill beyond chance that synthetic training keeps."""
    level, _ = fitness(score, findings, target)
    t = f"'{target}'"
    kept = (
        f"models trained on it keep {score:.0%} of the real-trained models' skill beyond "
        "chance on real rows"
    )
    sentence = {
        "fit": f"Fit for training a model of {t}: {kept}.",
        "care": f"Usable with care for a model of {t}: {kept}; check the per-class recall and the "
        "findings first.",
        "not fit": f"Not fit for training a model of {t}: {kept}.",
    }[level]
    if any(f.kind in ("lost_class", "target_missing") for f in findings):
        sentence += " A class of the target is lost or the target is unusable (see below)."
    return level, sentence


def trivial_notice(res: MetricResult) -> None:
    """A trivially predictable target: why its score says little, and the choice to count it."""
    found = info(res)
    target = str(found.target)
    head, _, rest = trivial_words(res).partition(". ")
    st.info(f"**{md(head)}.** {md(rest)}", icon=":material/info:")
    widget = state.widget_key("utility_keep_trivial", target)
    st.session_state[widget] = assessment.keeps_trivial(target)
    st.checkbox(
        "Count this target in Overall anyway", key=widget,
        on_change=lambda: assessment.set_keep_trivial(target, bool(st.session_state.get(widget))),
        help="Utility is re-computed with this target counted: its score then enters the "
        "utility family, Overall and the utility gate.",
    )  # fmt: skip


def error_message(res: MetricResult) -> None:
    """The error in plain words and what to do about it."""
    error = str(res.error)
    hint = next((h for key, h in HINTS if key in error), "Choose another target column above.")
    st.error(md(error), icon=":material/error:")
    st.info(f"**What to do:** {hint}", icon=":material/lightbulb:")


def model_comparison(res: MetricResult) -> None:
    found, details = info(res), res.details
    if details.empty or "train" not in details:
        return
    st.plotly_chart(row_charts.utility_bars(details), key="utility_bars")
    metrics = row_charts.model_metrics(details)
    st.caption(" · ".join(f"**{row_charts.METRIC_LABELS[m]}**: {METRIC_WORDS[m]}" for m in metrics))
    fmt = st.column_config.NumberColumn(format="%.3f")
    st.dataframe(comparison_table(details), hide_index=True, column_config={
        c: fmt for c in ("Trained on real (TRTR)", "Trained on synthetic (TSTR)", "Synthetic minus real",
                         "Real + synthetic")})  # fmt: skip
    sizes = found.n_rows
    if sizes:
        st.caption(
            f"Models: a linear one and a gradient-boosted one. Tested on {sizes['test']:,} real "
            f"rows from {found.holdout or 'the holdout'}; trained on {sizes['train_real']:,} "
            f"real or {sizes['synthetic']:,} synthetic rows (each capped at {sizes['cap']:,})."
        )
    errors = details["error"].dropna() if "error" in details else []
    for e in errors:
        st.caption(f"A model could not be trained: {md(str(e))}")


def recall_table(recall: dict[str, Any]) -> pd.DataFrame:
    """Class x (model, training set) recall, with the classes synthetic training loses."""
    classes = list(dict.fromkeys(c for m in recall.values() for s in m.values() for c in s))
    out = pd.DataFrame({"Class": classes})
    lost = pd.Series(False, index=out.index)
    for model, per in recall.items():
        trtr = out["Class"].map(per.get("trtr", {})).astype(float)
        tstr = out["Class"].map(per.get("tstr", {})).astype(float)
        out[f"{model}: real-trained"], out[f"{model}: synthetic-trained"] = trtr, tstr
        lost |= (tstr == 0) & (trtr > 0)
    out["Lost by synthetic training"] = lost.map({True: "yes", False: ""})
    return out


def class_recall(res: MetricResult) -> None:
    found = info(res)
    recall = found.per_class_recall
    if found.task != "classification" or not recall:
        st.caption("Per-class recall applies to classification targets; this target is "
                   "predicted as a number (regression).")  # fmt: skip
        return
    st.plotly_chart(row_charts.recall_bars(recall), key="recall_bars")
    table = recall_table(recall)
    st.dataframe(table.style.apply(
        lambda r: ["background-color: #FDE2E2" if r["Lost by synthetic training"] else ""] * len(r),
        axis=1).format(precision=2), hide_index=True)  # fmt: skip
    st.caption(
        "Recall: the share of real holdout rows of a class that the model recognises. A class "
        "whose synthetic-trained recall is 0 while the real-trained one is not (red) has been "
        "lost by the generator; a class at 0 for both is too rare for either model."
    )


def importance_view(res: MetricResult) -> None:
    imps = info(res).importances
    models = [m for m, v in imps.items() if "trtr" in v or "tstr" in v]
    if not models:
        return
    for col, model in zip(st.columns(len(models)), models, strict=True):
        rho = imps[model].get("spearman", math.nan)
        col.metric(f"{model} model: rank agreement", f"{rho:.2f}" if math.isfinite(rho) else "n/a",
                   help="Spearman correlation of the features' importance ranks, real-trained "
                   "against synthetic-trained: 1 = same order, 0 = unrelated, below 0 = "
                   "reversed.")  # fmt: skip
        if not row_charts.relied_on(imps[model]):
            col.caption("Shuffling any single feature leaves this model's score unchanged, so "
                        "there is no ranking to compare.")  # fmt: skip
            continue
        col.caption(agreement_words(rho))
        col.plotly_chart(row_charts.importance_bars(imps[model]), key=f"importance_{model}")
    st.caption(
        "Importance of a feature: how much the model's score on the real holdout drops when "
        "that feature's values are shuffled (below 0: shuffling helped, so the model does not "
        "really use it). If the synthetic data kept what predicts the target, both models lean "
        "on the same features."
    )


def agreement_words(rho: float) -> str:
    if not math.isfinite(rho):
        return "No ranking to compare: one of the two models relies on no single feature."
    if rho >= 0.7:
        return "Both models rely on much the same features."
    if rho >= 0.3:
        return "The models partly rely on the same features."
    return "The synthetic-trained model relies on different features than the real-trained one."


def augmentation_view(res: MetricResult) -> None:
    found = info(res)
    aug = found.augmentation
    if not aug:
        return
    metric = row_charts.METRIC_LABELS.get(found.primary_metric or "", "score")
    for col, (model, v) in zip(st.columns(len(aug)), aug.items(), strict=True):
        same = abs(v["gain"]) < 0.005
        col.metric(f"{metric}, {model} model trained on real + synthetic",
                   f"{v['real+synthetic']:.3f}",
                   delta=f"{v['gain']:+.3f} against real alone ({v['real']:.3f})",
                   delta_color="off" if same else "normal", delta_arrow="off" if same else "auto",
                   help=f"{metric} on the real holdout when the synthetic rows are added to the "
                   "real training rows.")  # fmt: skip
    st.caption(
        "Adding the synthetic rows to the real training rows: a gain means they add useful "
        "examples; a loss means they teach the model something the real data does not say."
    )
