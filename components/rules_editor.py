"""The Schema page's "Rules the data should obey": discovered rules to keep or drop, and
declared constraints (SDV 2's ``sdv.cag`` classes) to load, add, remove and download.

Both end up in the run's options (``components.assessment.current_options``), so a change here
is a new assessment the next time a page needs one.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from components import state
from metrics.encode import encode
from metrics.rules_declared import (
    CLASSES,
    ConstraintError,
    canonical,
    constraints_json,
    describe,
    read_constraints,
)
from metrics.rules_discover import Discovery, discover
from metrics.schema import Kind, Schema
from outputs.escape import md, md_code


@st.cache_data(show_spinner="Looking for rules in the real data...", max_entries=4)
def _discovered(_frame: pd.DataFrame, _schema: Schema, key: str) -> Discovery:
    """The rules the real file obeys, once per (real file, schema): the same function and seed
    the ``rules`` metric uses, on the real data alone."""
    enc = encode(_frame, _frame.iloc[:0], _schema)
    return discover(enc, seed=0)


def _key(schema: Schema) -> str:
    kinds = repr([(c.name, c.kind.value, c.datetime_format) for c in schema.columns])
    return hashlib.sha256((state.pair_key()[0] + kinds).encode()).hexdigest()


def rules_section(schema: Schema) -> None:
    """Draw the whole section."""
    st.subheader("Rules the data should obey")
    st.write(
        "Each synthetic row is checked against these rules. **Discovered** rules hold in "
        "(almost) every real row; drop one that is a coincidence. **Declared** constraints "
        "use SDV's constraint classes. A missing cell breaks no rule."
    )
    real = state.table("real")
    if real is None:
        return
    found = _discovered(real.frame, schema, _key(schema))
    _discovered_list(found)
    _declared(schema)


def _discovered_list(found: Discovery) -> None:
    st.markdown("**Discovered in the real data**")
    st.caption(md(found.searched))
    if not found.rules:
        st.info("No rule was found in the real data.")
        return
    dropped = state.dropped_rules()
    for rule in found.rules:
        widget = state.widget_key("keep_rule", state.pair_key()[0][:12], rule.rule_id)
        keep = st.checkbox(md(rule.text), value=rule.rule_id not in dropped, key=widget,
                           help=md(f"Rule id: {rule.rule_id}"))  # fmt: skip
        if keep == (rule.rule_id in dropped):
            state.set_rule_dropped(rule.rule_id, not keep)
    now = state.dropped_rules() & {r.rule_id for r in found.rules}
    st.caption(f"{len(found.rules) - len(now)} of {len(found.rules)} discovered rules are checked.")


def _declared(schema: Schema) -> None:
    st.markdown("**Declared constraints**")
    columns = {c.name: c.kind for c in schema.columns}
    left, right = st.columns(2)
    uploaded = left.file_uploader(
        "Load constraints JSON", type=["json"], key=f"constraints_{state.pair_key()[0][:12]}",
        help='A list of {"constraint_class": ..., "parameters": {...}} entries, as SDV writes them.',
    )  # fmt: skip
    if uploaded is not None:
        data = uploaded.getvalue()
        try:
            loaded = read_constraints(data, columns)
        except ConstraintError as exc:
            left.error(md(f"{uploaded.name}: {exc}."), icon=":material/error:")
        else:
            if not state.constraints_file_applied(hashlib.sha256(data).hexdigest()):
                state.set_constraints(state.constraints() + loaded)
            left.success(f"{len(loaded)} constraint(s) from {md_code(uploaded.name)} in use.")
    with right:
        _add_form(columns)
    current = state.constraints()
    if not current:
        st.caption("No constraint declared.")
        return
    for i, text in enumerate(current):
        line, button = st.columns([6, 1])
        line.markdown(f"- {md(describe(text, columns))}")
        if button.button("Remove", key=state.widget_key("remove_constraint", i, text)):
            state.set_constraints(tuple(c for c in current if c != text))
            st.rerun()
    st.download_button(
        "Download constraints JSON", data=constraints_json(current),
        file_name="constraints.json", mime="application/json", icon=":material/download:",
    )  # fmt: skip


def _add_form(columns: dict[str, Kind]) -> None:
    """Pick a class and its columns; a wrong choice is a message, not an exception."""
    names = list(columns)
    numbers = [c for c, k in columns.items() if k in (Kind.NUMERICAL, Kind.DATETIME)]
    cls = st.selectbox("Add a constraint", list(CLASSES), key=state.widget_key("add_class"))
    params: dict = {}
    if cls in ("Inequality", "Range"):
        roles = ["low", "high"] if cls == "Inequality" else ["low", "middle", "high"]
        for role in roles:
            params[f"{role}_column_name"] = st.selectbox(
                f"{role.capitalize()} column", numbers, key=state.widget_key("add", cls, role)
            )
        params["strict_boundaries"] = st.checkbox(
            "Strict (no equal values)", value=cls == "Range", key=state.widget_key("add", cls, "strict")
        )  # fmt: skip
    elif cls == "FixedIncrements":
        params["column_name"] = st.selectbox(
            "Column", [c for c, k in columns.items() if k is Kind.NUMERICAL],
            key=state.widget_key("add", cls, "col"),
        )  # fmt: skip
        params["increment_value"] = st.number_input(
            "Increment", min_value=0.0, value=1.0, key=state.widget_key("add", cls, "step")
        )
    else:
        params["column_names"] = st.multiselect(
            "Columns", names, key=state.widget_key("add", cls, "cols")
        )
    if st.button("Add constraint", key=state.widget_key("add_constraint")):
        try:
            text = canonical({"constraint_class": cls, "parameters": params}, columns)
        except ConstraintError as exc:
            st.error(md(f"{exc}."), icon=":material/error:")
            return
        state.set_constraints((*state.constraints(), text))
        st.rerun()


__all__ = ["rules_section"]
