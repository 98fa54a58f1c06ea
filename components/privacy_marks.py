"""The Schema page's privacy marks: quasi-identifier, sensitive and secret columns, and
SynthLens' settings file that keeps them beside the SDV metadata."""

from __future__ import annotations

import hashlib

import streamlit as st

from components import state
from metrics import settings_file as sf
from metrics.attacks import MAX_SECRETS
from metrics.schema import Kind, Schema
from outputs.escape import md, md_code

ANALYSED = (Kind.NUMERICAL, Kind.DATETIME, Kind.CATEGORICAL, Kind.BOOLEAN)
FILE_NAME = "metadata" + sf.SUFFIX  # beside the "metadata.json" the SDV section downloads

LABELS = {
    "quasi_identifiers": "Quasi-identifiers",
    "sensitive": "Sensitive columns",
    "secrets": "Secret columns for the inference attack",
}
HELP = {
    "quasi_identifiers": "Columns an attacker may already know about a person from elsewhere "
    "(age, sex, postcode...). The privacy checks count the real people these columns single "
    "out whom the synthetic data reproduces. A column is a quasi-identifier or sensitive, not "
    "both: columns marked sensitive are not offered here.",
    "sensitive": "Columns an attacker must not learn (a diagnosis, an income...). The privacy "
    "checks say how varied they are among the real people the quasi-identifiers narrow down. "
    "Columns marked as quasi-identifiers are not offered here.",
    "secrets": "The columns the attribute-inference attack tries to guess from all the others. "
    f"Default (none chosen): the sensitive columns, else the first {MAX_SECRETS} columns in "
    "turn.",
}


def _widget(kind: str) -> str:
    return state.widget_key("privacy_mark", kind)


def privacy_section(schema: Schema) -> None:
    """Pick the marked columns, download them as a settings file or load one."""
    st.subheader("Privacy: quasi-identifiers and sensitive columns")
    st.write(
        "Mark what an attacker could know and what they must not learn: the privacy attacks "
        "and the quasi-identifier counts use these columns. Id and text columns are not offered."
    )
    columns = schema.names(*ANALYSED)
    if not columns:
        st.info("No column can be marked: every compared column is an id or text column.")
        return
    _drop_gone(columns)
    pickers, files = st.container(), st.container()
    with files:  # first, so that a loaded file shows in the pickers drawn above it
        _settings_io(columns)
    with pickers:
        _pickers(columns)


def _drop_gone(columns: list[str]) -> None:
    """Marks on columns no longer offered (now an id, say) are dropped, and the user told."""
    marks = state.privacy_marks()
    kept = {k: tuple(c for c in v if c in columns) for k, v in marks.items()}
    # Never both (the pickers could not show it): the quasi-identifier mark wins.
    kept["sensitive"] = tuple(c for c in kept["sensitive"] if c not in kept["quasi_identifiers"])
    if kept != marks:
        state.set_privacy_marks(**kept)
    gone = sorted({c for v in marks.values() for c in v if c not in columns})
    if gone:
        st.caption(
            md(f"No longer marked (not a column the attacks compare now): {', '.join(gone)}.")
        )


def _store(kind: str) -> None:
    """The picker's new value becomes the mark (a callback: before the page is drawn)."""
    state.set_privacy_marks(**{kind: tuple(st.session_state[_widget(kind)])})


def _pickers(columns: list[str]) -> None:
    marks = state.privacy_marks()
    taken = {"quasi_identifiers": set(marks["sensitive"]),
             "sensitive": set(marks["quasi_identifiers"]), "secrets": set()}  # fmt: skip
    for kind in sf.LISTS:
        key = _widget(kind)
        if list(st.session_state.get(key, [])) != list(marks[kind]):  # a loaded file, a reset
            st.session_state[key] = list(marks[kind])
        st.multiselect(
            LABELS[kind],
            [c for c in columns if c not in taken[kind]],
            key=key,
            on_change=_store,
            args=(kind,),
            help=HELP[kind],
            placeholder="None" if kind != "secrets" else "Default",
        )
    if not marks["secrets"]:
        default = marks["sensitive"] or tuple(columns[:MAX_SECRETS])
        whose = "the sensitive columns" if marks["sensitive"] else "the first columns in turn"
        st.caption(md(f"The inference attack guesses: {whose} ({', '.join(default)})."))
    st.caption(
        "A column is a quasi-identifier or sensitive, not both: to move one, remove it from the "
        "other list first."
    )


def _settings_io(columns: list[str]) -> None:
    left, right = st.columns(2)
    uploaded = right.file_uploader(
        "Load SynthLens settings JSON",
        type=["json"],
        key=f"synthlens_settings_{state.pair_key()[0][:12]}",
        help=f"A {md_code(sf.SUFFIX)} file as the button on the left writes it.",
    )
    applied = state.widget_key("privacy_settings_applied", state.pair_key()[0][:12])
    if uploaded is None:
        st.session_state.pop(applied, None)  # removed: loading it again applies it again
    else:
        data = uploaded.getvalue()
        try:
            loaded = sf.read_settings(data, columns)
        except sf.SettingsError as exc:
            right.error(md(f"{uploaded.name}: {exc}."), icon=":material/error:")
        else:
            digest = hashlib.sha256(data).hexdigest()
            if st.session_state.get(applied) != digest:  # once: later picks are not undone
                st.session_state[applied] = digest
                state.set_privacy_marks(**loaded.marks())
            right.success(f"Marks from {md_code(uploaded.name)} loaded.")
    marks = state.privacy_marks()
    left.download_button(
        "Download SynthLens settings JSON",
        data=sf.settings_json(**marks),
        file_name=FILE_NAME,
        mime="application/json",
        icon=":material/download:",
        help=f"Keep it beside the SDV metadata file ({md_code('X.json')} -> "
        f"{md_code('X' + sf.SUFFIX)}): the command line reads it from there.",
    )
