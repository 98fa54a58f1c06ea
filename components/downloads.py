"""The Sign-off page's downloads. Each file is built when its button is clicked (a deferred
callable), from the store as it is then, so a report always shows the latest decisions."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import streamlit as st

from components import html_report, state
from components import review_report as rr
from components.assessment import Loaded
from metrics import report
from review import Gate, Policy, Store


def buttons(store: Store, run: int, loaded: Loaded, policy: Policy | None,
            gates: Sequence[Gate]) -> None:  # fmt: skip
    """HTML report, JSON report, decisions CSV and the cleaned synthetic dataset."""
    synthetic = state.table("synthetic")
    assert synthetic is not None
    a, enc = loaded.assessment, loaded.enc
    stem = Path(synthetic.name).stem
    rejected = len(store.rejected_rows(run))

    def review() -> dict:
        return rr.review_dict(store, run, policy, gates)

    def html() -> bytes:
        return html_report.render(a, enc, review()).encode("utf-8")

    def json_report() -> bytes:
        return report.to_json(a, review()).encode("utf-8")

    def decisions() -> bytes:
        return rr.decisions_csv(rr.decisions(store, run))

    def cleaned() -> bytes:
        return rr.cleaned_csv(synthetic.frame, store.rejected_rows(run))

    kept = len(synthetic.frame) - rejected
    st.caption(f"Each file is built when you click, with the decisions and sign-off as they are "
               f"then. The cleaned dataset keeps {kept:,} of {len(synthetic.frame):,} synthetic "
               f"rows ({rejected:,} rejected on the Review page are left out).")  # fmt: skip
    cols = st.columns(4)
    specs = [
        ("HTML report", html, f"synthlens_report_{stem}.html", "text/html",
         "One file with every chart inline: opens offline, for stakeholders.",
         ":material/description:"),
        ("JSON report", json_report, f"synthlens_report_{stem}.json", "application/json",
         "Scores, findings, gates, decisions and the sign-off, for pipelines.",
         ":material/data_object:"),
        ("Decisions (CSV)", decisions, f"synthlens_decisions_{stem}.csv", "text/csv",
         "One line per review item with its status, reason, reviewer and comments.",
         ":material/table:"),
        ("Cleaned dataset (CSV)", cleaned, f"{stem}_cleaned.csv",
         "text/csv", "The synthetic data without the rows rejected on the Review page.",
         ":material/cleaning_services:"),
    ]  # fmt: skip
    for col, (label, data, name, mime, help_text, icon) in zip(cols, specs, strict=True):
        col.download_button(label, data=data, file_name=name, mime=mime, help=help_text,
                            icon=icon, on_click="ignore", width="stretch",
                            key=state.widget_key("download", name))  # fmt: skip
