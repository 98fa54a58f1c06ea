"""The Privacy section of the HTML report: the attacks with their risk against a control, the
copies of unique records, the rule that set the score, no risk without a control, the
quasi-identifier counts, and hostile column names kept as text."""

from __future__ import annotations

import re
from html import unescape

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer

from metrics import suite
from metrics.encode import encode
from metrics.options import Options
from metrics.privacy_attacks import info as attacks_info
from metrics.privacy_attacks_info import ATTACK_LABELS
from metrics.schema import infer
from outputs import html_privacy, html_report
from outputs.escape import html_text
from outputs.html_parts import Figures
from tests.app.test_html_report_render import Page
from tests.payloads import payloads

# Families the Privacy section does not read: skipped to keep the runs short.
SKIP = frozenset({"detection", "utility", "subgroups", "rules", "pair_trends", "coverage"})


def _thirds() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Three disjoint random thirds of the breast cancer table: training, holdout, other."""
    frame = load_breast_cancer(as_frame=True).frame
    frame = frame.sample(frac=1.0, random_state=0).reset_index(drop=True)
    n = len(frame) // 3
    return tuple(frame.iloc[i * n : (i + 1) * n].reset_index(drop=True) for i in range(3))  # type: ignore[return-value]


def _leaky(train: pd.DataFrame, other: pd.DataFrame) -> pd.DataFrame:
    """An independent real sample with 20% of its rows replaced by verbatim training rows."""
    syn = other.copy()
    k = len(syn) // 5
    syn.iloc[:k] = train.sample(k, random_state=3).to_numpy()
    return syn


def _section(text: str) -> str:
    start = text.index("<section id='privacy'>")
    return text[start : text.index("</section>", start)]


def _words(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


@pytest.fixture(scope="module")
def leak() -> tuple[suite.Assessment, str]:
    train, hold, other = _thirds()
    syn = _leaky(train, other)
    enc = encode(train, syn, infer(train, syn), holdout=hold)
    a = suite.run(enc, Options(n_attacks=300, skip=SKIP))
    return a, html_report.render(a, enc)


def test_each_attack_is_named_with_its_risk_and_interval_against_the_holdout(leak):
    a, text = leak
    found = attacks_info(a.result("privacy_attacks"))
    assert found.control == "holdout"
    section = _section(text)
    rows = {r[0]: r for r in Page(section).rows if r}
    for attack in found.ran():
        label = ATTACK_LABELS[attack.attack]
        row = next(r for name, r in rows.items() if name.startswith(label))
        lo, hi = attack.interval
        assert f"{attack.risk:.2f} ({lo:.2f}-{hi:.2f})" in row  # the risk with its interval
        assert (
            f"{100 * attack.train_rate:.1f}%" in row[1]
            and f"{100 * attack.control_rate:.1f}%" in row[2]
        )
    m = found.membership
    assert m is not None and m.interval is not None
    row = next(r for name, r in rows.items() if name.startswith(ATTACK_LABELS["membership"]))
    assert f"AUC {m.auc:.3f} ({m.interval[0]:.3f}-{m.interval[1]:.3f})" in row
    words = _words(section)
    assert "Control: the 189 uploaded holdout rows" in words
    # Copied rows give an attack a risk beyond noise, shown in the findings' colours.
    assert any(r.interval[0] > 0 for r in found.ran())
    assert "class='sev-" in section
    # One row per secret column, and the defaults that make the numbers compare stated.
    assert "Attribute inference, per secret column" in words
    assert all(s in words for s in found.secrets)
    assert "on 3 columns" in words and "first and second halves in file order" in words


def test_the_chart_draws_training_against_control_success(leak):
    _, text = leak
    figs = Page(text).figures()
    chart = next(f for f in figs.values()
                 if {t.get("name") for t in f["data"]} >= {"Training records", "Control records"})  # fmt: skip
    labels = {y for t in chart["data"] for y in t["y"]}
    assert {"Singling out", "Linkability", "Attribute inference"} <= labels


def test_the_copies_of_unique_records_and_the_rule_that_set_the_score_are_said(leak):
    a, text = leak
    ex = a.result("privacy").extra
    section = _words(_section(text))
    unique = getattr(ex, "unique_copies", None)
    if unique is None:
        pytest.skip("the privacy metric does not count copies of unique records yet")
    assert unique.copies >= 37  # every copied row is a unique record of this table
    assert f"Copies of unique records {unique.copies:,} of 189" in section
    rule = getattr(ex, "score_rule_sentence", "")
    assert rule and rule in section
    assert rule in _words(text[text.index("<section id='scores'>") :])


def test_without_a_holdout_no_risk_is_shown_and_a_confirmed_split_is_named():
    train, _, other = _thirds()
    syn = _leaky(train, other)
    enc = encode(train, syn, infer(train, syn))
    a = suite.run(enc, Options(n_attacks=300, skip=SKIP | {"row_flags"}))
    section = _section(html_report.render(a, enc))
    words = _words(section)
    assert "No attack risk is shown" in words and "no holdout was uploaded" in words
    assert "Risk (interval)" not in words and "AUC" not in words
    split = suite.run(enc, Options(n_attacks=300, skip=SKIP | {"row_flags"}, unseen_share=0.5))
    words = _words(_section(html_report.render(split, enc)))
    assert "confirmed the generator was trained without" in words
    assert "Risk (interval)" in words


def test_hostile_names_stay_text_and_quasi_identifiers_are_counted():
    p = payloads()
    train, hold, other = (t.iloc[:, [0, 1, 2, 3, -1]].copy() for t in _thirds())
    names = {"mean radius": p["html_img"], "mean texture": p["plotly_style"],
             "target": p["plotly_link"]}  # fmt: skip
    for t in (train, hold, other):
        t.rename(columns=names, inplace=True)
        t[p["plotly_link"]] = np.where(t[p["plotly_link"]] == 1, p["md_link"], "no")
        t[p["html_img"]] = t[p["html_img"]].round(0)
    syn = _leaky(train, other)
    enc = encode(train, syn, infer(train, syn), holdout=hold)
    options = Options(n_attacks=300, skip=SKIP | {"row_flags"}, secrets=(p["plotly_style"],),
                      quasi_identifiers=(p["html_img"], "mean perimeter"),
                      sensitive=(p["plotly_link"],))  # fmt: skip
    a = suite.run(enc, options)
    section = html_privacy.privacy(a, enc, Figures())
    page = Page(section)
    for tag, attrs in page.elements:
        assert tag not in ("img", "a"), (tag, attrs)
        assert "style" not in attrs, (tag, attrs)
    for name in (p["html_img"], p["plotly_style"], p["plotly_link"]):
        assert html_text(name) in section
    cells = [c for r in page.rows for c in r]
    assert p["plotly_style"] in cells  # the secret column's row
    q = attacks_info(a.result("privacy_attacks")).quasi
    assert q is not None
    words = _words(section)
    assert f"Unique records reproduced {q.unique_matched:,} of {q.n_unique:,}" in words
    assert f"Synthetic rows in groups smaller than {q.k} {q.small:,} of {q.n_synthetic:,}" in words
    assert f"Small groups that give {p['plotly_link']} away" in words


def test_no_quasi_identifier_marked_is_said(leak):
    _, text = leak
    assert "No quasi-identifier columns marked" in _words(_section(text))
