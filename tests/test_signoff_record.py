"""The printable sign-off record and the signature in both reports, as an auditor reads them.

The record must carry the signature in its one sentence, the input hashes, the policy version
and gates, and the audit chain's head; hostile text a reviewer typed must stay text; and the
page must fit one A4 sheet when printed (checked in Chromium when Playwright is installed).
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from outputs import html_review, signoff_record
from outputs import review_report as rr
from review import Store, evaluate
from review.roles import Identity

HOSTILE = "<script>alert(1)</script>"
SCORES = {"overall": 0.9, "fidelity": 0.88, "coverage": 0.95, "detection": 0.7,
          "privacy": 0.8, "utility": 0.75}  # fmt: skip
ATTACKS = {"exact_copy_rate": 0.0, "singling_out_risk": 0.0, "linkability_risk": 0.0,
           "inference_risk": 0.0, "membership_auc": 0.5}  # fmt: skip
NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def _sha(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


@pytest.fixture
def store(tmp_path: Path):
    with Store(f"sqlite+pysqlite:///{tmp_path / 'review.db'}", webhooks=None) as opened:
        yield opened


def _signed(store: Store, signer: Identity | str, comment: str, meaning: str | None = None):
    run = store.get_or_create_run(
        {"real": _sha("real"), "synthetic": _sha("synth")},
        {"real": "real.csv", "synthetic": f"synth {HOSTILE}.csv"}, "0.1.0", {"seed": 0}, SCORES,
    )  # fmt: skip
    policy, version = store.current_policy()
    gates = evaluate(policy, SCORES, 0, ATTACKS)
    store.sign_off(run.id, "approved", signer, comment, policy, SCORES, gates,
                   meaning=meaning, policy_version=version)  # fmt: skip
    return run, policy, gates


def test_the_record_shows_the_signature_hashes_policy_gates_and_chain_head(store):
    ada = Identity("Ada Lovelace", "ada@example.org", True, "oidc")
    run, _, gates = _signed(store, ada, "Fit for model X.", "approved for training models")
    page = signoff_record.html(store, run.id, NOW)
    signature = rr.signature_sentence(rr.sign_off_dict(store.current_sign_off(run.id)))
    assert signature.startswith("Signed by Ada Lovelace <ada@example.org> (verified by the "
                                "company login) on ")  # fmt: skip
    assert signature.replace("<", "&lt;").replace(">", "&gt;") in page
    assert _sha("real") in page and _sha("synth") in page
    assert "Policy version: <b>0</b>" in page  # the built-in policy, version 0
    assert all(g.label in page for g in gates)
    assert store.chain_state().head_hash in page and "intact" in page
    assert "Generated 2026-03-01 09:30 UTC" in page
    assert "@page{size:A4" in page and "<script" not in page.lower()


def test_hostile_text_stays_text(store):
    run, _, _ = _signed(store, f"Eve {HOSTILE}", f"ok {HOSTILE}")
    page = signoff_record.html(store, run.id, NOW)
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "unverified: a typed name" in page


def test_without_a_sign_off_the_record_says_so(store):
    run = store.get_or_create_run({"real": _sha("a"), "synthetic": _sha("b")},
                                  {"real": "a", "synthetic": "b"}, "0.1.0", {}, SCORES)  # fmt: skip
    page = signoff_record.html(store, run.id, NOW)
    assert "Not signed off" in page and store.chain_state().head_hash in page


def test_a_long_gate_list_is_capped_so_the_page_stays_one_page():
    gates = [{"name": f"g{i}", "label": f"Gate {i}", "threshold": 0.5, "value": 0.9,
              "passed": True, "blocking": False, "status": "passed"} for i in range(30)]  # fmt: skip
    data = {"run": {"id": 1, "created_at": "2026-01-01T00:00:00", "tool_version": "1"},
            "inputs": [], "chain": {}, "sign_off": {"decision": "approved", "gates": gates,
                                                    "decisions": [], "signature": "Signed."}}  # fmt: skip
    page = signoff_record.render(data, NOW)
    assert f"and {30 - signoff_record.MAX_GATES} more" in page
    assert f"Gate {signoff_record.MAX_GATES}<" not in page


def test_reports_show_the_signature_and_the_chain_head(store):
    ada = Identity("Ada Lovelace", "ada@example.org", True, "proxy")
    run, policy, gates = _signed(store, ada, "Fine.")
    review = rr.review_dict(store, run.id, policy, gates)
    so = review["sign_off"]
    assert so["signature"].startswith("Signed by Ada Lovelace <ada@example.org> (verified by "
                                      "the company proxy)")  # fmt: skip
    assert (so["signer_email"], so["verified"], so["source"]) == ("ada@example.org", True, "proxy")
    assert so["meaning"] == "approved for training models" and so["policy_version"] == 0
    chain = review["audit_chain"]
    assert chain["intact"] is True and chain["head_hash"] == store.chain_state().head_hash
    section = html_review.review_section(review)
    assert "verified by the company proxy" in section and chain["head_hash"] in section


def test_an_old_sign_off_without_signature_fields_stays_readable():
    old = {"id": 3, "decision": "approved", "name": "Ana", "statement": "ok",
           "created_at": "2024-05-01T10:00:00+00:00", "inputs": {"real": "ab"}, "gates": []}  # fmt: skip
    sentence = rr.signature_sentence(old)
    assert sentence.startswith("Signed by Ana (unverified: a typed name) on 2024-05-01 10:00 UTC")
    assert "policy version not recorded" in sentence
    assert "Signed by Ana" in html_review.review_section({"sign_off": old})


def _pages(pdf: bytes) -> int:
    """Page objects in a PDF (``/Type /Page``, not the ``/Pages`` tree)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-z])", pdf))
