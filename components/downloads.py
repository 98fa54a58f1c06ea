"""The Sign-off page's downloads. Each file is built when its button is clicked (a deferred
callable), from the store as it is then, so a report always shows the latest decisions."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import streamlit as st

from components import state
from components.assessment import Loaded
from outputs import html_report, json_report, signoff_record
from outputs import review_report as rr
from outputs.words import plural
from review import Gate, Policy, Store


def buttons(store: Store, run: int, loaded: Loaded, policy: Policy | None,
            gates: Sequence[Gate]) -> None:  # fmt: skip
    """HTML report, JSON report, decisions CSV and the cleaned synthetic dataset."""
    synthetic = state.table("synthetic")
    assert synthetic is not None
    a, enc = loaded.assessment, loaded.enc
    stem = Path(synthetic.name).stem
    removed = rr.rows_to_remove(a, store.items(run))
    raw = bool(st.session_state.get(state.widget_key("cleaned_raw")))

    def review() -> dict:
        return rr.review_dict(store, run, policy, gates)

    def html() -> bytes:
        return html_report.render(a, enc, review()).encode("utf-8")

    def json_file() -> bytes:
        return json_report.to_json(a, review()).encode("utf-8")

    def decisions() -> bytes:
        return rr.decisions_csv(rr.decisions(store, run))

    def cleaned() -> bytes:
        return rr.cleaned_csv(synthetic.frame, rr.rows_to_remove(a, store.items(run)),
                              safe=not raw)  # fmt: skip

    total = len(synthetic.frame)
    st.caption(f"Each file is built when you click, with the decisions and sign-off as they are "
               f"then. The cleaned dataset keeps {plural(total - len(removed), 'row')} of "
               f"{total:,}: {plural(len(removed), 'row')} rejected on the Review page (flagged "
               "rows, and the rows of rejected findings such as exact copies) are left out.")  # fmt: skip
    cols = st.columns(4)
    specs = [
        ("HTML report", html, f"synthlens_report_{stem}.html", "text/html",
         "One file with every chart inline: opens offline, for stakeholders.",
         ":material/description:"),
        ("JSON report", json_file, f"synthlens_report_{stem}.json", "application/json",
         "Scores, findings, gates, decisions and the sign-off, for pipelines.",
         ":material/data_object:"),
        ("Decisions (CSV)", decisions, f"synthlens_decisions_{stem}.csv", "text/csv",
         "One line per review item with its status, reason, reviewer and comments.",
         ":material/table:"),
        ("Cleaned dataset (CSV)", cleaned, f"{stem}_cleaned{'_raw' if raw else ''}.csv",
         "text/csv", "The synthetic data without the rows rejected on the Review page.",
         ":material/cleaning_services:"),
    ]  # fmt: skip
    for col, (label, data, name, mime, help_text, icon) in zip(cols, specs, strict=True):
        col.download_button(label, data=data, file_name=name, mime=mime, help=help_text,
                            icon=icon, on_click="ignore", width="stretch",
                            key=state.widget_key("download", name))  # fmt: skip
    st.toggle("Cleaned dataset with raw values", key=state.widget_key("cleaned_raw"),
              help="Off (the default): text cells that a spreadsheet would run as a formula "
              "(starting with = + - @) get a leading ' so opening the file runs nothing. On: "
              "every value exactly as read, for pipelines that never open it in a spreadsheet.")  # fmt: skip
    st.caption("The cleaned dataset is " + ("**raw**: values exactly as read; do not open it in "
               "a spreadsheet." if raw else "**protected**: cells that would run as spreadsheet "
               "formulas start with '.") )  # fmt: skip
    _audit_buttons(store, run, stem)


def _audit_buttons(store: Store, run: int, stem: str) -> None:
    """For auditors: the printable sign-off record and the whole audit trail with its hashes."""
    from review.chain_export import audit_export

    def record() -> bytes:
        return signoff_record.html(store, run).encode("utf-8")

    def trail(index: int) -> bytes:
        return audit_export(store.engine)[index].encode("utf-8")

    specs = [
        ("Sign-off record (HTML, printable)", record, f"synthlens_signoff_record_{stem}.html",
         "text/html", "One A4 page: input hashes, the signature and its meaning, the policy "
         "version and gates, the decisions and the audit chain's head.", ":material/print:"),
        ("Audit trail (CSV)", lambda: trail(0), "synthlens_audit_trail.csv", "text/csv",
         "Every audit row and sign-off of this database with its chain hashes.",
         ":material/history:"),
        ("Audit trail (JSON)", lambda: trail(1), "synthlens_audit_trail.json",
         "application/json", "The same with the chain's head and state, for tools.",
         ":material/data_object:"),
    ]  # fmt: skip
    for col, (label, data, name, mime, help_text, icon) in zip(st.columns(3), specs, strict=True):
        col.download_button(label, data=data, file_name=name, mime=mime, help=help_text,
                            icon=icon, on_click="ignore", width="stretch",
                            key=state.widget_key("download", name))  # fmt: skip
