"""The Privacy section of the HTML report: the score and the rule that decided it, copies and
distances (with the copies of unique records), the attacks against their control, and the
quasi-identifier counts.

Results are read as the pages read them (``privacy`` and ``privacy_attacks`` extras); fields
the privacy metric gains over time are read with ``getattr`` so an older result still renders.
Every user-supplied string (column names, notes) goes through :func:`outputs.html_parts.e`.
Pure: no Streamlit here.
"""

from __future__ import annotations

import numpy as np

from metrics import flags as flags_mod
from metrics import privacy as privacy_mod
from metrics.encode import Encoded
from metrics.privacy_info import near_copy_sentence
from metrics.results import MetricResult
from metrics.suite import Assessment
from outputs import html_attacks, row_charts
from outputs import result_words as words
from outputs.finding_groups import columns_text
from outputs.html_parts import Figures, count, e, num, para, pct, table

COPY_RULE_UNIQUE = (
    "The copy part of the score is set by copies of unique training records: where real rows "
    "repeat, the exact-copy rate cannot tell a leak from the data's own duplication."
)
FLAGGED_SHOWN = 12  # unique-copy rows named in the text (the flagged-rows section lists them)


def privacy(a: Assessment, enc: Encoded | None, figs: Figures) -> str:
    """The whole Privacy section (escaped HTML)."""
    res = a.result("privacy")
    parts = [_score(res), _distances(a, res, enc, figs)]
    parts.append(html_attacks.attacks(a, figs))
    parts.append(html_attacks.quasi_identifiers(a))
    return "".join(parts)


def _score(res: MetricResult | None) -> str:
    """The privacy score and the rule that decided it (``score_rule_sentence``, else the
    ``score_rule`` label), and which copies set the copy part."""
    if res is None or res.error:
        return ""
    ex = res.extra
    sentence = str(getattr(ex, "score_rule_sentence", "") or "")
    rule = str(getattr(ex, "score_rule", "") or "")
    if not sentence:
        decided = f" Decided by: {rule}." if rule else ""
        sentence = f"Privacy score {num(res.score, 2)}.{decided}"
    parts = [para(sentence)]
    if getattr(ex, "copy_rule", "") == "unique" and rule != "unique copies":
        parts.append(para(COPY_RULE_UNIQUE))
    return "".join(parts)


def _unique_row(u: object, n: int) -> list[str]:
    span = getattr(u, "excess_interval", None)
    excess = f"{pct(getattr(u, 'excess', float('nan')))}"
    if span is not None:
        excess += f" (interval {pct(span[0])} to {pct(span[1])})"
    return [
        e("Copies of unique records"),
        f"{count(getattr(u, 'copies', 0))} of {count(getattr(u, 'n_synthetic', n) or n)}",
        e(f"Synthetic rows equal to a training record that occurs once in the training data and "
          f"nowhere else: {pct(getattr(u, 'rate', float('nan')))} of synthetic rows, against a "
          f"natural {pct(getattr(u, 'natural_rate', float('nan')))}; excess {excess}. "
          f"{getattr(u, 'note', '')}"),
    ]  # fmt: skip


def _unique_rows_text(u: object) -> str:
    rows = np.asarray(getattr(u, "rows", ()), dtype=np.int64)
    if not rows.size:
        return ""
    head, rest = columns_text([f"{r:,}" for r in rows[:200]], FLAGGED_SHOWN)
    more = f" (first 200 of {rows.size:,}: the JSON report lists more)" if rows.size > 200 else ""
    text = f"Synthetic rows that copy a unique training record (0-based): {head}"
    if not rest:
        return para(text + ".")
    return f"<details class='more'><summary>{e(text)}</summary>{e(rest)}{e(more)}</details>"


# long: the table of measures keeps its sentences beside their values, as the page shows them.
def _distances(a: Assessment, res: MetricResult | None, enc: Encoded | None, figs: Figures) -> str:
    """Copies and distances to the training rows (moved here from ``html_sections``)."""
    head = "<h3>Copies and distances</h3>"
    if res is None:
        return head + para("Copies and distances were not measured in this run.", "muted")
    if res.error:
        return head + para(f"Copies and distances could not be measured: {res.error}", "muted")
    ex = privacy_mod.info(res)
    n = enc.synthetic.n_rows if enc is not None else int(ex.n_share_rows or 0)
    near = flags_mod.info(a.result("row_flags")).count_by_kind.get("near_copy", 0)
    split = bool(a.inputs) and "holdout" not in a.inputs
    unique = getattr(res.extra, "unique_copies", None)
    rows = [
        ["Privacy score", num(res.score, 2), e(words.privacy_help())],
        ["Exact copies", f"{count(ex.exact_copies)} of {count(n)}",
         e("Synthetic rows equal to a real row on every compared column. "
           f"{ex.baseline_note}")],
        *([_unique_row(unique, n)] if unique is not None else []),
        ["One-cell near copies", f"{count(ex.near_copies)} of {count(n)}",
         e("Equal to a real row on every column but one number, at most 1% of its range apart. "
           f"Natural rate: {pct(ex.holdout_near_copy_rate)}.")],
        ["Nearer training rows (DCR share)", pct(ex.dcr_share),
         e(f"Share of synthetic rows whose closest real record is a training row; expected "
           f"without memorisation: {pct(ex.dcr_expected)}.")],
        ["Near copies (flagged rows)", count(near),
         e("Synthetic rows (not exact copies) closer to a training record than 99% of real "
           f"holdout rows get (distance below {num(ex.near_copy_threshold)}).")],
    ]  # fmt: skip
    parts = [
        head,
        para(words.copy_sentence(ex, n)),
        para(near_copy_sentence(ex)),
        para(words.dcr_sentence(ex, split=split)),
        table(["Measure", "Value", "What it means"], rows, (1,)),
    ]
    if unique is not None:
        parts.append(_unique_rows_text(unique))
    parts.append(para(f"{ex.holdout_note} {ex.sample_note}", "muted"))
    syn = np.asarray(ex.dcr_synthetic, dtype=float)
    if syn.size:
        hold = np.asarray(ex.dcr_holdout, dtype=float)
        thr = float(ex.near_copy_threshold)
        parts.append("<h4>Distance to the closest training record</h4>")
        parts.append(figs.add(row_charts.distance_histogram(syn, hold, thr)))
        parts.append(para(
            "If the generator does not copy, the amber synthetic bars sit where the green "
            "holdout bars (real rows it never saw) sit; amber bars piled up on the left mean "
            "rows too close to real ones. Rows left of the red line are near copies. "
            + words.DISTANCE_WORDS, "muted"))  # fmt: skip
    return "".join(parts)
