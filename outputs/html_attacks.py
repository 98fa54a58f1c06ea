"""The privacy attacks and the quasi-identifier counts in the HTML report.

Reads the ``privacy_attacks`` result's :class:`metrics.privacy_attacks_info.AttacksInfo`; nothing
is recomputed. A risk is never shown without its control: when there is none, the part says why
and how to get one. Column names and notes are the user's: every one goes through
:func:`outputs.html_parts.e`, and the chart's labels are fixed words. Pure: no Streamlit here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go

from metrics.attacks import AttackResult
from metrics.membership import Membership
from metrics.privacy_attacks import HIGH_AUC, HIGH_RISK, MEDIUM_AUC, MEDIUM_RISK
from metrics.privacy_attacks import info as attacks_info
from metrics.privacy_attacks_info import ATTACK_LABELS, ATTACK_MEANINGS, AttacksInfo
from metrics.quasi_identifiers import QuasiIdentifiers
from metrics.suite import Assessment
from outputs.charts import _LAYOUT, HOLDOUT, REAL
from outputs.finding_groups import columns_text
from outputs.html_parts import Figures, count, e, para, pct, table

BASELINE = "#94A3B8"
NO_CONTROL = "No attack risk is shown (never a risk without its control)."
DEFAULTS = (
    "Defaults, as in anonymeter 1.1 so that the numbers compare: multivariate singling out "
    "builds each condition set on 3 columns (a univariate form on 1 column runs too, and the "
    "riskier of the two is shown); linkability splits the compared columns into their first "
    "and second halves in file order{halves}; attribute inference guesses from the single "
    "closest synthetic row and counts a number as inferred within 5% of the guess."
)


def _interval(lo_hi: tuple[float, float] | None, digits: int = 2) -> str:
    if lo_hi is None:
        return ""
    return f" ({lo_hi[0]:.{digits}f}-{lo_hi[1]:.{digits}f})"


def _rate(value: float, interval: tuple[float, float] | None = None) -> str:
    """The rate, its interval on a line below (keeps the columns narrow)."""
    if interval is None:
        return e(pct(value))
    return f"{e(pct(value))}<br><span class='muted'>{e(f'{pct(interval[0])}-{pct(interval[1])}')}</span>"


def _severity_css(value: float, low: float, threshold: float, high: float, medium: float) -> str:
    """The findings' severity colours: only a value whose interval clears ``threshold``."""
    if not (math.isfinite(value) and low > threshold):
        return ""
    return "sev-high" if value >= high else "sev-medium" if value >= medium else "sev-low"


def _columns_cell(columns: Sequence[str], note: str = "") -> str:
    """The note, then up to four column names with the rest one click away (a wide table's
    linkability uses them all)."""
    head, rest = columns_text(columns)
    names = f"<details><summary>{e(head)}</summary>{e(rest)}</details>" if rest else e(head)
    return (f"{e(note)}<br>" if note else "") + f"<span class='muted'>Columns:</span> {names}"


def _attack_cell(name: str) -> str:
    return f"<b>{e(ATTACK_LABELS[name])}</b><div class='meaning'>{e(ATTACK_MEANINGS[name])}</div>"


def _risk_cell(a: AttackResult) -> str:
    css = _severity_css(a.risk, a.interval[0], 0.0, HIGH_RISK, MEDIUM_RISK)
    text = e(f"{a.risk:.2f}{_interval(a.interval)}")
    return f"<span class='{css}'>{text}</span>" if css else text


def _attack_row(a: AttackResult) -> list[str]:
    cols = a.columns
    if a.attack == "inference":
        cols = tuple(r.columns[-1] for r in a.by_secret) or a.columns
    return [
        _attack_cell(a.attack),
        _rate(a.train_rate, a.train_interval),
        _rate(a.control_rate, a.control_interval),
        _rate(a.baseline_rate),
        _risk_cell(a),
        count(a.n_attacks),
        _columns_cell(cols, a.note),
    ]


def _membership_row(m: Membership) -> list[str]:
    css = _severity_css(m.auc, m.interval[0] if m.interval else 0.5, 0.5, HIGH_AUC, MEDIUM_AUC)
    text = e(f"AUC {m.auc:.3f}{_interval(m.interval, 3)}")
    return [
        _attack_cell("membership"),
        "<span class='muted'>AUC only</span>",
        "<span class='muted'>AUC only</span>",
        e("AUC 0.5"),
        f"<span class='{css}'>{text}</span>" if css else text,
        e(f"{count(m.n_members)} + {count(m.n_controls)} records"),
        _columns_cell(m.columns, m.note) if m.columns else e(m.note),
    ]


def success_chart(found: AttacksInfo) -> go.Figure:
    """Per attack, the success rate on training rows, on control rows and of the random
    baseline, with the Wilson intervals of the first two: a training bar well beyond its control
    bar is the risk."""
    ran = found.ran()
    labels = [ATTACK_LABELS[a.attack] for a in ran]
    fig = go.Figure()
    sides = (
        ("Training records", REAL, [a.train_rate for a in ran], [a.train_interval for a in ran]),
        ("Control records", HOLDOUT, [a.control_rate for a in ran], [a.control_interval for a in ran]),
        ("Random guess", BASELINE, [a.baseline_rate for a in ran], None),
    )  # fmt: skip
    for name, color, rates, spans in sides:
        error = None
        if spans is not None:
            error = dict(type="data", symmetric=False, color="#374151", thickness=1.2,
                         array=[max(s[1] - r, 0.0) for r, s in zip(rates, spans, strict=True)],
                         arrayminus=[max(r - s[0], 0.0) for r, s in zip(rates, spans, strict=True)])  # fmt: skip
        fig.add_bar(x=rates, y=labels, orientation="h", name=name, marker_color=color,
                    error_x=error, hovertemplate=f"{name}: %{{x:.1%}} of attacks succeed<extra>%{{y}}</extra>")  # fmt: skip
    fig.update_layout(**_LAYOUT, barmode="group", height=120 + 90 * len(ran))
    fig.update_xaxes(tickformat=".0%", range=[0, 1.12], title_text="share of attacks that succeed")
    fig.update_yaxes(autorange="reversed")
    return fig


def _secrets_table(infer: AttackResult) -> str:
    ordered = sorted(infer.by_secret, key=lambda r: (not r.informative, -r.interval[1], -r.risk))
    rows = [[e(r.columns[-1]), _rate(r.train_rate, r.train_interval),
             _rate(r.control_rate, r.control_interval), _rate(r.baseline_rate), _risk_cell(r),
             count(r.n_attacks), "yes" if r.informative else "no"] for r in ordered]  # fmt: skip
    return "<h4>Attribute inference, per secret column</h4>" + table(
        ["Secret column", "Training success", "Control success", "Random guess", "Risk",
         "Attacks", "Counted"], rows, (1, 2, 3, 4, 5)) + (
        "<p class='muted'>Not counted: control records may be guessed right 90% of the time or "
        "more and training records do no better beyond noise, so the attack cannot show a risk "
        "for that secret.</p>")  # fmt: skip


def _halves(link: AttackResult | None) -> str:
    if link is None or len(link.columns) < 2:
        return ""
    first = len(link.columns) // 2
    return (
        f" (here the first {first} and the other {len(link.columns) - first} of the "
        f"{len(link.columns)} compared columns)"
    )


def attacks(a: Assessment, figs: Figures) -> str:
    """The attacks part of the Privacy section: the control, one table row per attack with its
    meaning, rates, risk and interval, the chart of training against control success, the
    inference secrets, and the defaults and notes; or why no risk is shown."""
    res = a.result("privacy_attacks")
    head = "<h3>Privacy attacks</h3>"
    if res is None:
        return head + para("The privacy attacks were not run in this run.", "muted")
    found = attacks_info(res)
    if found.control == "none":
        return head + para(f"{NO_CONTROL} {found.control_note}") + _notes(found)
    if not found.ran():
        why = res.error or found.message or "no attack could be run"
        return head + para(found.control_note) + para(f"The attacks could not be run: {why}")
    c = a.options.confidence
    parts = [
        head,
        para(
            "Someone holding the synthetic data attacks the people in the training data, and "
            "the same attack is run on control records the generator never saw. Risk = "
            "(training success - control success) / (1 - control success): 0 when the "
            "synthetic data tells the attacker no more about the people it was trained on "
            f"than about anyone else; in brackets its {c:.0%} interval (Wilson intervals on "
            "both rates). An attack that does no better than random guessing says nothing."
        ),  # fmt: skip
        para(found.control_note),
    ]
    rows = [_attack_row(r) for r in found.ran()]
    m = found.membership
    if m is not None and m.interval is not None and math.isfinite(m.auc):
        rows.append(_membership_row(m))
    parts.append(table(["Attack", "Training success", "Control success", "Random guess",
                        "Risk (interval)", "Attacks", "How it ran"], rows, (1, 2, 3, 4, 5)))  # fmt: skip
    if math.isfinite(found.max_risk_high):
        parts.append(para(
            f"Largest risk: {ATTACK_LABELS.get(found.max_risk_attack, found.max_risk_attack)}, "
            f"up to {found.max_risk_high:.2f}; the privacy score is at most 1 - "
            f"{found.max_risk_high:.2f} = {1 - found.max_risk_high:.2f}."))  # fmt: skip
    parts.append(figs.add(success_chart(found)))
    parts.append(para("Indigo: attacks on training records; green: the same attacks on control "
                      "records; grey: random guessing. Black whiskers: the intervals. Indigo well "
                      "beyond green is what the synthetic data gives away about the people it "
                      "was trained on.", "muted"))  # fmt: skip
    if found.inference is not None and found.inference.by_secret:
        parts.append(_secrets_table(found.inference))
    parts.append(para(found.secrets_note))
    parts.append(para(DEFAULTS.format(halves=_halves(found.linkability)), "muted"))
    return "".join(parts) + _notes(found)


def _notes(found: AttacksInfo) -> str:
    return "".join(para(str(n), "muted") for n in found.notes if n)


def quasi_identifiers(a: Assessment) -> str:
    """The three quasi-identifier numbers with a sentence each, or "none marked"."""
    head = "<h3>Quasi-identifiers</h3>"
    q = attacks_info(a.result("privacy_attacks")).quasi
    if q is None:
        return head + para(
            "No quasi-identifier columns marked. Quasi-identifiers are columns someone can learn "
            "elsewhere (age, sex, postcode...); mark them on the Schema page (CLI: "
            "--quasi-identifiers) to count the real records the synthetic data points at."
        )
    return head + _quasi_text(q)


def _quasi_text(q: QuasiIdentifiers) -> str:
    def share(value: float, interval: tuple[float, float] | None) -> str:
        span = f", interval {pct(interval[0])}-{pct(interval[1])}" if interval else ""
        return f"{pct(value)}{span}"

    sens = ", ".join(q.sensitive) or "none marked"
    rows = [
        [e("Unique records reproduced"), e(f"{q.unique_matched:,} of {q.n_unique:,}"),
         e(share(q.unique_match_share, q.unique_match_interval)),
         e("Real records that no other real record shares on the quasi-identifiers, and that "
           "some synthetic row reproduces exactly on them (NIST SDNist's unique exact matches): "
           "such a synthetic row points at one real person.")],
        [e(f"Synthetic rows in groups smaller than {q.k}"), e(f"{q.small:,} of {q.n_synthetic:,}"),
         e(share(q.small_share, q.small_interval)),
         e(f"Synthetic rows whose quasi-identifier values match at least one and fewer than "
           f"{q.k} real records: whoever knows those values narrows a person down to a handful. "
           f"{q.unmatched:,} synthetic rows match no real record and point at nobody.")],
    ]  # fmt: skip
    for d in q.diversity:
        rows.append([
            e(f"Small groups that give {d.column} away"),
            e(f"{d.single:,} of {q.small:,}"), e(pct(d.single_share)),
            e(f"Of those small-group rows, the ones whose matching real records all share one "
              f"value of {d.column} (on average {d.mean_distinct:.1f} distinct values): knowing "
              "the quasi-identifiers discloses it."),
        ])  # fmt: skip
    if not q.diversity:
        rows.append([e("Sensitive-value diversity"), "n/a", "",
                     e("No sensitive column marked: mark one on the Schema page to see whether a "
                       "small group discloses its value.")])  # fmt: skip
    intro = para(
        f"Quasi-identifiers: {', '.join(q.columns)}. Sensitive columns: {sens}. Counted on "
        f"every row of {q.n_real:,} real and {q.n_synthetic:,} synthetic rows."
    )
    return intro + table(["Measure", "Count", "Share", "What it means"], rows, (1, 2))
