"""Small widgets that show a loaded table, and what a loaded set can be compared on."""

from __future__ import annotations

import streamlit as st

from components import inputs, state
from metrics.schema import Schema, listing
from outputs.escape import md, md_code


def loaded_card(role: str) -> None:
    """File name, shape, a Remove button and a preview of one loaded input."""
    t = state.table(role)
    if t is None:
        return
    st.caption(f"{md_code(t.name)}: {t.shape_text}, {t.size_bytes / 1e6:,.2f} MB")
    st.button("Remove", key=state.widget_key("remove", role), icon=":material/close:",
                on_click=inputs.remove, args=(role,), type="tertiary",
                help=f"Unload the {state.ROLE_LABELS[role].lower()}.")  # fmt: skip
    read = t.frame.attrs.get("synthlens_read") or {}
    if "invalid bytes replaced" in str(read.get("encoding", "")):
        line = read.get("first_replaced_byte_line")
        where = f", the first on line {line:,}" if isinstance(line, int) else ""
        st.warning(f"Some bytes of {md_code(t.name)} are not valid text in its encoding: they "
                   f"show as \ufffd{where}. Check the file's encoding if names or categories "
                   "look wrong.", icon=":material/warning:")  # fmt: skip
    with st.expander("Preview the first rows"):
        st.dataframe(t.frame.head(20), hide_index=True)


def holdout_missing(schema: Schema) -> list[str]:
    """Compared columns the loaded holdout lacks (empty when there is no holdout)."""
    holdout = state.table("holdout")
    if holdout is None:
        return []
    have = {str(c) for c in holdout.frame.columns}
    return [c.name for c in schema.columns if c.name not in have]


def comparison_summary(schema: Schema) -> bool:
    """Say at once what the loaded files can and cannot be compared on.

    Returns whether anything can be compared (the next step is worth taking).
    """
    real, synthetic = state.table("real"), state.table("synthetic")
    assert real is not None and synthetic is not None
    n = len(schema.columns)
    if n == 0:
        st.error(
            "**Nothing can be compared:** the real and the synthetic file share no column. "
            f"Real columns: {md(listing(list(map(str, real.frame.columns)), 6))}. Synthetic "
            f"columns: {md(listing(list(map(str, synthetic.frame.columns)), 6))}. Check that "
            "these two files belong together, or rename the columns so they match.",
            icon=":material/link_off:",
        )
        return False
    total = len({*map(str, real.frame.columns), *map(str, synthetic.frame.columns)})
    problems = [md(w) for w in schema.warnings()]
    missing = holdout_missing(schema)
    if missing:
        problems.insert(0, md(f"The holdout lacks {len(missing)} compared column"
                              f"{'s' if len(missing) != 1 else ''} ({listing(missing, 6)}): "
                              "it is left out of privacy and utility until you load a holdout "
                              "with the same columns or remove it."))  # fmt: skip
    head = f"**{n} of {total} columns can be compared.**" if n < total else (
        f"**Both sides are loaded: all {n} columns can be compared.**")  # fmt: skip
    if problems:
        shown = problems[:6]
        more = f"\n- and {len(problems) - 6} more on the Schema page" if len(problems) > 6 else ""
        st.warning(head + "\n" + "".join(f"\n- {p}" for p in shown) + more,
                   icon=":material/warning:")  # fmt: skip
    else:
        st.success(head + " Next, check how each column was understood.",
                   icon=":material/check_circle:")  # fmt: skip
    return True
