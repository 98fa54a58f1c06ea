"""The result sections of the HTML report: columns, pairs, utility and flagged rows (privacy:
``outputs.html_privacy``).

Each function takes the assessment (and the encoded pair for charts that need the data) and
returns escaped HTML; results are read from the metrics' ``details`` and ``extra`` as the pages
read them. Pure: no Streamlit here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from metrics import catalogue
from metrics import flags as flags_mod
from metrics.encode import Encoded
from metrics.pair_findings import pair_words
from metrics.pair_findings import worst_first as pair_order
from metrics.pair_words import pair_profile
from metrics.pairs import info as pairs_info
from metrics.results import MetricResult
from metrics.suite import Assessment
from metrics.utility import info as utility_info
from outputs import charts, row_charts, score_charts
from outputs import result_words as words
from outputs import score_words as sw
from outputs.escape import plotly_label
from outputs.html_parts import Figures, count, e, num, para, pct, table
from outputs.pair_charts import profile_chart

MAX_COLUMN_CHARTS = 12  # worst columns drawn, plus every column with invalid values
MAX_PAIRS = 15  # worst pairs listed
MAX_FLAGGED_ROWS = 30  # flagged rows listed
MEASURES = {"CorrelationSimilarity": "correlation", "ContingencySimilarity": "association"}


def _failed(res: MetricResult | None, what: str) -> str | None:
    """Why a section has nothing to show, or None when it has."""
    if res is None:
        return para(f"{what} was not measured in this run.", "muted")
    if res.error:
        return para(f"{what} could not be measured: {res.error}", "muted")
    return None


def _bounds_cells(r: pd.Series) -> list[str]:
    """Score, interval and floor of a details row, with the decimals that show the
    difference (empty cells before the metric computes an interval or a floor)."""
    interval, floor = sw.interval_of(r), sw.floor_of(r.get("floor"))
    digits = sw.digits_for([r.get("score"), floor], interval)
    span = f"{interval[0]:.{digits}f}-{interval[1]:.{digits}f}" if interval else ""
    return [e(sw.score_text(r.get("score"), digits)), e(span),
            e(f"{floor:.{digits}f}") if floor is not None else ""]  # fmt: skip


def _has_bounds(d: pd.DataFrame) -> bool:
    return {"low", "high"} <= set(d) and pd.to_numeric(d["low"], errors="coerce").notna().any()


BOUNDS_WORDS = (
    "Interval: where the score would land on other samples of the same data "
    "({conf:.0%}). A real sample: what an independent real sample of the synthetic data's size "
    "scores against the real data; a score whose interval reaches it is as good as a real sample."
)


def columns(a: Assessment, enc: Encoded | None, figs: Figures) -> str:
    res = a.result("column_shapes")
    if res is None or res.details.empty:
        return para("No numerical, date, categorical or boolean columns to compare.", "muted")
    d = sw.worst_first(res.details)
    validity = a.result("validity")
    invalid: dict[str, int] = {}
    if validity is not None and "invalid" in validity.details:
        invalid = {str(r["column"]): int(r["invalid"] or 0) for _, r in validity.details.iterrows()}
    rows = [[e(r["column"]), e(r.get("kind", "")), e(r.get("metric", "")), *_bounds_cells(r),
             e(sw.verdict(r.get("score"), sw.interval_of(r), sw.floor_of(r.get("floor")))
               .replace(sw.REAL_SAMPLE, "a real sample")),
             count(invalid.get(str(r["column"]), 0)) if str(r["column"]) in invalid else "n/a"]
            for _, r in d.iterrows()]  # fmt: skip
    bounds = BOUNDS_WORDS.format(conf=a.options.confidence) if _has_bounds(d) else ""
    parts = [
        para("Each column's real and synthetic distributions compared, worst first (farthest "
             "below what a real sample scores). Score: 1 = the same distribution (KS complement "
             "for numbers and dates, total-variation complement for categories). " + bounds +
             " Invalid: synthetic values the real data rules out (outside the real range, or a "
             "category it never has)."),
        table(["Column", "Kind", "Metric", "Score", "Interval", "A real sample", "Verdict",
               "Invalid synthetic values"], rows, (3, 4, 5, 7)),
        figs.add(score_charts.interval_bars(d, "column")),
    ]  # fmt: skip
    if enc is None:
        return "".join(parts)
    drawn = [c for c in d["column"].head(MAX_COLUMN_CHARTS)]
    drawn += [c for c in d["column"] if invalid.get(str(c)) and c not in drawn]
    parts.append(para("Real and synthetic distributions as shares of rows. Values outside the "
                      "real range get a hatched bar of their own, with their count under the "
                      "chart.", "muted"))  # fmt: skip
    for name in drawn:
        fig = charts.distribution(enc, name)
        fig.update_layout(title=dict(text=plotly_label(name), x=0, font=dict(size=15)))
        parts.append(figs.add(fig))
    return "".join(parts)


def _worst_pairs(d: pd.DataFrame) -> pd.DataFrame:
    """The pairs in the order the Pairs page and the findings share (``pair_findings``: by the
    relation lost beyond the floor); before the pair metric gives that order's columns, counted
    pairs first and then as :func:`outputs.score_words.worst_first` orders them."""
    if {"beyond", "relation"} <= set(d):
        return pair_order(d)
    counted = d["weight"] > 0 if "weight" in d else pd.Series(True, index=d.index)
    return sw.worst_first(d.assign(counted=counted), leading=("counted",))


def pairs(a: Assessment, enc: Encoded | None, figs: Figures) -> str:
    res = a.result("pair_trends")
    failed = _failed(res, "Pair trends")
    if failed or res is None:
        return failed or ""
    d = res.details
    if d.empty:
        return para("Fewer than two comparable columns: no pairs to compare.", "muted")
    worst = _worst_pairs(d)
    said = "relation" in d  # the pair metric says what changed (lost, invented...)
    rows = [[e(f"{r['column_a']} ~ {r['column_b']}"), e(MEASURES.get(r["metric"], r["metric"])),
             num(r.get("real")), num(r.get("synthetic")), *_bounds_cells(r),
             *([e(pair_words(r) + (f": {r['change']}" if r.get("change") else ""))]
               if said else [])]
            for _, r in worst.head(MAX_PAIRS).iterrows()]  # fmt: skip
    bounds = BOUNDS_WORDS.format(conf=a.options.confidence) if _has_bounds(d) else ""
    parts = [
        para("How each pair of columns relates in the real and in the synthetic data: the "
             "correlation for two numbers, the association strength (Cramér's V) otherwise. "
             "Score: 1 = the same relation. The worst pairs first (farthest below what a real "
             "sample scores). " + bounds),
        table(["Pair", "Measure", "Real", "Synthetic", "Score", "Interval", "A real sample",
               *(["What changed"] if said else [])], rows, (2, 3, 4, 5, 6)),
    ]  # fmt: skip
    if len(d) > MAX_PAIRS:
        parts.append(
            para(f"{MAX_PAIRS} worst of {len(d):,} pairs; the JSON report has all.", "muted")
        )
    corr = d[d["metric"] == "CorrelationSimilarity"]
    names = [c for c in (enc.continuous if enc is not None else []) if
             c in set(corr["column_a"]) | set(corr["column_b"])]  # fmt: skip
    if len(names) >= 2:
        kind = pairs_info(res).correlation.capitalize()
        parts.append(f"<h3>{e(kind)} correlations of the numerical and date columns</h3>")
        parts.append(para("Left: real; middle: synthetic; right: synthetic minus real (white = "
                          "the same relation).", "muted"))  # fmt: skip
        real = charts.pair_matrix(corr, "real", names)
        parts.append(figs.add(charts.correlation_heatmaps(real, charts.pair_matrix(
            corr, "synthetic", names))))  # fmt: skip
    if enc is not None and not worst.empty:
        top = worst.iloc[0]
        parts.append(f"<h3>The worst pair: {e(top['column_a'])} ~ {e(top['column_b'])}</h3>")
        known = set(enc.schema.names())
        if top["column_a"] in known and top["column_b"] in known:  # not a calendar part
            parts.append(figs.add(charts.joint_view(enc, top["column_a"], top["column_b"])))
        found = pair_profile(enc, top["column_a"], top["column_b"])
        if found is not None:
            parts.append(figs.add(profile_chart(*found)))
    return "".join(parts)


def utility(a: Assessment, figs: Figures) -> str:
    res = a.result("utility")
    if res is None:
        return para("Utility was not measured in this run.", "muted")
    if res.error:
        return para(f"Utility was not measured: {res.error}", "muted")
    found, details = utility_info(res), res.details
    _, sentence = words.fitness(res.score, res.findings, str(found.target), res.excluded)
    if res.excluded:
        head = sw.excluded_words("Utility", res)
        sentence = sentence if np.isfinite(res.score) else ""
    else:
        head = "Utility " + sw.score_words(
            res.score, sw.interval_of(res.interval), sw.floor_of(res.floor),
            a.options.confidence, sw.REFERENCE["utility"]) + "."  # fmt: skip
    baseline = getattr(found, "baseline_words", None)
    parts = [
        para(f"{head} {sentence}".strip()),
        *([para(f"No skill: {baseline}.".replace("..", "."))] if baseline else []),
        para("TRTR: a model trained on real rows, tested on real holdout rows. TSTR: the same "
             "model trained on the synthetic rows instead, tested on the same real rows. TSTR "
             "close to TRTR means the synthetic data teaches a model what the real data does. "
             f"{found.formula or ''}."),
    ]  # fmt: skip
    if not details.empty and "train" in details:
        parts.append(figs.add(row_charts.utility_bars(details)))
        parts.append(_comparison(details))
        metrics = row_charts.model_metrics(details)
        parts.append("<ul>" + "".join(
            f"<li><b>{e(row_charts.METRIC_LABELS[m])}</b>: {e(words.METRIC_WORDS[m])}</li>"
            for m in metrics) + "</ul>")  # fmt: skip
    sizes = found.n_rows
    if sizes:
        parts.append(para(
            f"Tested on {count(sizes.get('test'))} real rows from {found.holdout or 'the holdout'};"
            f" trained on {count(sizes.get('train_real'))} real or {count(sizes.get('synthetic'))}"
            f" synthetic rows (each capped at {count(sizes.get('cap'))}).", "muted"))  # fmt: skip
    recall = found.per_class_recall
    if found.task == "classification" and recall:
        parts.append("<h3>Recall per class of the target</h3>")
        parts.append(figs.add(row_charts.recall_bars(recall)))
        parts.append(para("Recall: the share of real holdout rows of a class the model "
                          "recognises. A class at 0 for the synthetic-trained model but not the "
                          "real-trained one is lost by the generator.", "muted"))  # fmt: skip
    return "".join(parts)


def _comparison(details: pd.DataFrame) -> str:
    t = words.comparison_table(details)
    cols = [c for c in t.columns if c not in ("Model", "Metric")]
    rows = [[e(r["Model"]), e(r["Metric"]), *(num(r[c]) for c in cols)] for _, r in t.iterrows()]
    return table(["Model", "Metric", *cols], rows, tuple(range(2, 2 + len(cols))))


def flagged_rows(a: Assessment, enc: Encoded | None, figs: Figures) -> str:
    res = a.result("row_flags")
    failed = _failed(res, "Row flags")
    if failed or res is None:
        return failed or ""
    ex, details = flags_mod.info(res), res.details
    n = enc.synthetic.n_rows if enc is not None else 0
    counts: dict[str, Any] = ex.count_by_kind
    total = f" of {count(n)}" if n else ""
    parts = [para(f"{count(ex.n_flagged)}{total} synthetic rows "
                  f"({pct(ex.flagged_share)}) deserve a look. A row can have several "
                  "reasons.")]  # fmt: skip
    meanings = words.reason_meanings(ex)
    parts.append(table(
        ["Reason", "Rows", "What it means"],
        [[e(words.KIND_LABELS[k]), count(counts.get(k, 0)), e(meanings[k])] for k in meanings],
        (1,)))  # fmt: skip
    if n:
        parts.append(figs.add(row_charts.flag_share_bars(counts, n, words.KIND_LABELS)))
    if ex.obvious_once:
        parts.append(para(ex.obvious_once))
    parts += [para(str(note), "muted") for note in ex.notes]
    if details.empty:
        return "".join(parts) + para("No synthetic row is flagged.")
    shown = details.sort_values(["score", "row"], ascending=[False, True], kind="stable")
    rows = [[count(r["row"]), e(", ".join(words.KIND_LABELS.get(k, k) for k in r["kinds"])),
             num(r["score"], 2), count(r["closest_real"]) if r["closest_real"] >= 0 else "",
             e(", ".join(map(str, r.get("columns", ()) or ()))),
             e(r["reason"])] for _, r in shown.head(MAX_FLAGGED_ROWS).iterrows()]  # fmt: skip
    first = min(MAX_FLAGGED_ROWS, len(shown))
    parts.append(f"<h3>The {first} most serious flagged rows</h3>")
    parts.append(table(["Synthetic row", "Reasons", "Seriousness", "Closest real row",
                        "Columns", "Why"],
                       rows, (0, 2, 3)))  # fmt: skip
    parts.append(para("Rows are 0-based positions in the synthetic file. Seriousness: how sure or "
                      "serious the surest reason is (1 = certain).", "muted"))  # fmt: skip
    return "".join(parts)


def default_metrics(a: Assessment) -> str:
    """Every catalogued metric without a view of its own, drawn by its result shape: a new
    metric appears here with no edit to the report."""
    parts = []
    for entry in catalogue.CATALOGUE:
        res = a.result(entry.name)
        if entry.rendering != "default" or res is None:
            continue
        counted = "counts in" if entry.counts else "is reported beside, not counted in,"
        title = entry.name.replace("_", " ").capitalize()
        parts.append(f"<h3>{e(title)}: {e(sw.score_text(res.score))}</h3>")
        parts.append(para(f"{entry.goal} This metric {counted} the {entry.family} score."))
        interval, floor = sw.interval_of(res.interval), sw.floor_of(res.floor)
        if interval is not None or floor is not None:
            parts.append(para("Score " + sw.score_words(res.score, interval, floor,
                                                        a.options.confidence) + "."))  # fmt: skip
        if res.error:
            parts.append(para(f"Could not be computed: {res.error}"))
        d = res.details
        key = {"columns": "column", "pairs": "column_a"}.get(entry.result)
        if key and d is not None and not d.empty and key in d:
            names = (d[key].astype(str) if entry.result == "columns"
                     else d["column_a"].astype(str) + " ~ " + d["column_b"].astype(str))  # fmt: skip
            errors = d["error"] if "error" in d else [None] * len(d)
            rows = [[e(n), num(sc), e(err or "")]
                    for n, sc, err in zip(names, d["score"], errors, strict=True)]  # fmt: skip
            parts.append(table([entry.result[:-1].capitalize(), "Score", "Problem"], rows))
    return "".join(parts) or para("Every metric has its own section above.")
