"""The Privacy page's attacks (catalogue rendering ``attacks_view``): one card per attack with
what it does in a sentence, its risk and interval, its success on training records against
control records and a random guess, and a chart of them; the control in a sentence.

Never a risk without its control: without one, the page says so and offers the split
(:mod:`components.privacy_control`).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import privacy_control
from components.assessment import Loaded
from metrics import privacy_attacks as attacks_mod
from metrics.attacks import AttackResult
from metrics.membership import Membership
from metrics.privacy_attacks import HIGH_AUC, HIGH_RISK, MEDIUM_AUC, MEDIUM_RISK
from metrics.privacy_attacks_info import ATTACK_LABELS, ATTACK_MEANINGS, RISK_ATTACKS
from outputs import attack_charts
from outputs.escape import md

RISK_HELP = (
    "risk = (training success - control success) / (1 - control success): what the people in "
    "the training data lose beyond people the generator never saw. 0 = nothing; 1 = every "
    "attack that fails on a stranger succeeds on a training record. Wilson intervals, as in "
    "anonymeter 1.1."
)
AUC_HELP = (
    "ROC AUC of the distance to the closest synthetic row, training records against control "
    "records: 0.5 = the attacker does no better than a coin; 1 = every training record found."
)


def risk_level(a: AttackResult) -> str:
    """ "within noise" when the interval reaches 0, else high / medium / low (the findings'
    thresholds)."""
    if a.interval[0] <= 0:
        return "within noise (the interval reaches 0)"
    return "high" if a.risk >= HIGH_RISK else "medium" if a.risk >= MEDIUM_RISK else "low"


def auc_level(m: Membership) -> str:
    if m.interval is None or m.interval[0] <= 0.5:
        return "within noise (the interval reaches 0.5)"
    return "high" if m.auc >= HIGH_AUC else "medium" if m.auc >= MEDIUM_AUC else "low"


def _color(words: str) -> str:
    return {"high": "red", "medium": "orange", "low": "blue"}.get(words, "green")


def secret_of(a: AttackResult) -> str:
    """The secret column of an inference result: its own for a per-secret result, the riskiest
    one's for the headline result (chosen as the metric chooses it)."""
    if a.by_secret:
        pool = [r for r in a.by_secret if r.informative] or list(a.by_secret)
        return secret_of(max(pool, key=lambda r: (r.interval[1], r.risk)))
    return a.columns[-1] if a.columns else ""


def chart_title(a: AttackResult) -> str:
    """The chart's title; the inference chart names its secret column (escaped by the chart)."""
    title = "Attacks that succeed, training against control records"
    secret = secret_of(a) if a.attack == "inference" else ""
    return f"{title} (secret column: {secret})" if secret else title


def rates_line(a: AttackResult) -> str:
    """Training, control and random-guess success in one line (numbers only)."""
    return (
        f"Succeeds on **{a.train_rate:.1%}** of training records and **{a.control_rate:.1%}** "
        f"of control records; a random guess on {a.baseline_rate:.1%} ({a.n_attacks:,} "
        "attacks a side)."
    )


def _risk_card(a: AttackResult) -> None:
    words = risk_level(a)
    with st.container(border=True):
        left, right = st.columns([2, 3])
        left.markdown(f"**{ATTACK_LABELS[a.attack]}**")
        left.caption(ATTACK_MEANINGS[a.attack])
        lo, hi = a.interval
        left.metric("Risk", f"{a.risk:.2f}", help=RISK_HELP)
        left.markdown(f"interval {lo:.2f}-{hi:.2f} · :{_color(words)}[{words}]")
        left.markdown(rates_line(a))
        if a.train_rate <= a.baseline_rate:
            left.caption("The attack does no better than a random guess on training records "
                         "here: its risk says little.")  # fmt: skip
        if a.note:
            left.caption(md(a.note[:1].upper() + a.note[1:] + "."))
        right.plotly_chart(attack_charts.attack_rates(a, chart_title(a)),
                           key=f"attack_{a.attack}")  # fmt: skip
        if a.attack == "inference" and len(a.by_secret) > 1:
            _by_secret(a)


def by_secret_frame(a: AttackResult) -> pd.DataFrame:
    """One row per secret column, riskiest (largest upper bound) first. Names stay literal:
    a table cell is not Markdown."""
    rows = sorted(a.by_secret, key=lambda r: (not r.informative, -r.interval[1], -r.risk))
    return pd.DataFrame({
        "Secret column": [secret_of(r) for r in rows],
        # Not counted: control records may be guessed right 90% of the time or more, so the
        # interval spans most of [0, 1] whatever the synthetic data does.
        "Counted": ["yes" if r.informative else "no: control guessed too often" for r in rows],
        "Risk": [r.risk for r in rows],
        "Interval": [f"{r.interval[0]:.2f}-{r.interval[1]:.2f}" for r in rows],
        "Training": [100 * r.train_rate for r in rows],
        "Control": [100 * r.control_rate for r in rows],
        "Random guess": [100 * r.baseline_rate for r in rows],
        "Attacks": [r.n_attacks for r in rows],
    })  # fmt: skip


def _by_secret(a: AttackResult) -> None:
    st.caption(f"Each secret column in turn ({len(a.by_secret)}); the card shows the one most "
               "at risk among those counted. A secret is not counted when control records may "
               "be guessed right 90% of the time or more and training records do no better "
               "beyond noise: the attack cannot show a risk there.")  # fmt: skip
    pct = st.column_config.NumberColumn(format="%.1f%%", help="Share of attacks that succeed")
    st.dataframe(
        by_secret_frame(a), hide_index=True, width="stretch",
        height=min(38 + 35 * len(a.by_secret), 400),
        column_config={"Risk": st.column_config.NumberColumn(format="%.2f", help=RISK_HELP),
                       "Training": pct, "Control": pct, "Random guess": pct},
    )  # fmt: skip


def _membership_card(m: Membership) -> None:
    with st.container(border=True):
        left, right = st.columns([2, 3])
        left.markdown(f"**{ATTACK_LABELS['membership']}**")
        left.caption(ATTACK_MEANINGS["membership"])
        if m.interval is None:
            left.info(md(m.note or "Not computed."), icon=":material/info:")
            return
        words = auc_level(m)
        left.metric("AUC", f"{m.auc:.3f}", help=AUC_HELP)
        left.markdown(f"interval {m.interval[0]:.3f}-{m.interval[1]:.3f} · "
                      f":{_color(words)}[{words}]")  # fmt: skip
        left.caption(md(m.note))
        right.plotly_chart(attack_charts.membership_auc(m), key="attack_membership")


def draw(loaded: Loaded) -> None:
    """The whole attacks section: the control, one card per attack, and the settings."""
    res = loaded.assessment.result("privacy_attacks")
    if res is None:
        st.info("The privacy attacks are not part of this run (they were skipped, or this "
                "version of the assessment predates them).", icon=":material/info:")  # fmt: skip
        return
    found = attacks_mod.info(res)
    if found.control == "none":
        privacy_control.no_control(loaded, found)
        privacy_control.settings(found)
        return
    if res.error and not found.ran():
        st.warning(md(f"The attacks could not run: {res.error}"), icon=":material/warning:")
        privacy_control.settings(found)
        return
    if found.control == "split":
        privacy_control.split_in_force(found)
    else:
        st.info(md(found.control_note), icon=":material/verified_user:")
    for name in RISK_ATTACKS:
        attack = found.attack(name)
        if attack is not None:
            _risk_card(attack)
    if found.membership is not None:
        _membership_card(found.membership)
    notes = [found.secrets_note, *found.notes]
    st.caption(md(" ".join(n for n in notes if n)))
    privacy_control.settings(found)
