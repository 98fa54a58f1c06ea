"""The Privacy page as a user meets it (AppTest on the real app.py): the attacks against their
control on the demo, and without a holdout no risk until the user confirms a split.

The demo pair has a 54-row holdout and plants 12 synthetic rows copied from real rows
(demo/make_demo.py).
"""

from __future__ import annotations

import pytest

from components.privacy_control import APPLY, CONFIRM, WITHDRAW
from tests.app.conftest import no_exceptions, texts

PRIVACY = "pages/privacy.py"
W = "synthlens.w."
SHARE_KEY, CONFIRM_KEY = W + "unseen_share_pct", W + "unseen_confirm"
ATTACKS = ("Singling out", "Linkability", "Attribute inference", "Membership inference")


def risks(at) -> list[str]:
    return [m.value for m in at.metric if m.label in ("Risk", "AUC")]


def charts(at) -> int:
    return len(at.get("plotly_chart"))


@pytest.fixture
def privacy(demo_app):
    demo_app.switch_page(PRIVACY).run()
    no_exceptions(demo_app)
    return demo_app


def test_demo_shows_each_attack_against_its_control(privacy):
    body = texts(privacy)
    assert privacy.title[0].value == "Privacy"
    # The verdict line comes first: the score and what set it.
    assert privacy.metric[0].label == "Privacy score"
    assert "Control: the 54 uploaded holdout rows, which the generator never saw." in body
    for label in ATTACKS:
        assert f"**{label}**" in body
    assert len(risks(privacy)) == 4  # three risks and the membership AUC
    assert "Succeeds on" in body and "of control records" in body and "random guess" in body
    # A chart per attack and the distance histogram moved from the old page.
    assert charts(privacy) >= 5
    secrets = [d.value for d in privacy.dataframe if "Secret column" in d.value.columns]
    assert secrets and len(secrets[0]) == 10 and "gender" in set(secrets[0]["Secret column"])
    # The copies the old "Outliers & privacy" page showed live here now.
    assert "12 of 600 synthetic rows (2.0%) are exact copies of real records" in body
    assert "closer to a training record than to any holdout record" in body
    # No quasi-identifier is marked: the page says where to mark them.
    assert "No quasi-identifier is marked" in body


def test_quasi_identifiers_and_attack_count(privacy):
    privacy.session_state["synthlens.privacy.marks"] = {
        "quasi_identifiers": ("gender", "degree_type", "work_experience"),
        "sensitive": ("placed",),
    }
    privacy.number_input(key=W + "attack_count").set_value(500).run()
    no_exceptions(privacy)
    assert privacy.session_state["synthlens.privacy.n_attacks"] == 500
    body = texts(privacy)
    assert "Quasi-identifiers: gender, degree_type, work_experience; sensitive: placed." in body
    labels = [m.label for m in privacy.metric]
    assert "Unique records reproduced" in labels and "Rows in groups under 5" in labels
    assert "Single-valued sensitive groups" in labels
    assert "real records that are alone with their quasi-identifier values" in body
    assert "placed: " in body
    assert "500 attacks a side" in body or "54 attacks a side" in body


def test_without_holdout_no_risk_until_a_split_is_confirmed(demo_app):
    demo_app.switch_page("pages/data.py").run()
    demo_app.button(key=W + "remove.holdout").click().run()
    no_exceptions(demo_app)
    demo_app.switch_page(PRIVACY).run()
    no_exceptions(demo_app)
    body = texts(demo_app)
    assert "No attack risk is shown" in body and "no holdout was uploaded" in body
    assert not risks(demo_app)
    assert demo_app.number_input(key=SHARE_KEY).value == 20
    assert "The last 32 of the 161 real rows (rows 130-161 of the real file)" in body
    apply = [b for b in demo_app.button if b.label == APPLY]
    assert apply and apply[0].disabled  # not before the user confirms
    box = demo_app.checkbox(key=CONFIRM_KEY)
    assert box.label == CONFIRM and not box.value
    box.check().run()
    no_exceptions(demo_app)
    [b for b in demo_app.button if b.label == APPLY][0].click().run()
    no_exceptions(demo_app)
    assert demo_app.session_state["synthlens.privacy.unseen_share"] == pytest.approx(0.2)
    body = texts(demo_app)
    assert "Control: the last 32 real rows (20%, rows 130-161 of the real file)" in body
    assert "the user confirmed the generator was trained without" in body
    assert len(risks(demo_app)) == 4 and charts(demo_app) >= 4
    # Withdrawing the split takes the risks away again.
    [b for b in demo_app.button if b.label == WITHDRAW][0].click().run()
    no_exceptions(demo_app)
    assert demo_app.session_state["synthlens.privacy.unseen_share"] == 0
    assert not risks(demo_app) and "No attack risk is shown" in texts(demo_app)
