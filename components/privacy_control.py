"""The attacks' control rows and settings on the Privacy page: what to do without a holdout (a
split of the real file the user confirms the generator never saw), withdrawing that split, and
the number of attacks.

A split is a valid control only if the generator was trained without those rows, so it applies
only after the user ticks that confirmation; it and the confirmation are stated in the reports
(``metrics.privacy_attacks.controlled`` writes the sentence).
"""

from __future__ import annotations

import streamlit as st

from components import state
from components.assessment import Loaded
from metrics.privacy_attacks import MIN_CONTROL_ROWS
from metrics.privacy_attacks_info import AttacksInfo
from outputs.escape import md

DEFAULT_SHARE = 20  # percent of the real rows offered as the control
MIN_ATTACKS, MAX_ATTACKS = 100, 10_000
CONFIRM = "I confirm the generator was trained without these rows"
APPLY = "Run the attacks with these rows as the control"
WITHDRAW = "Withdraw the split"


def control_rows(n_real: int, share: float) -> tuple[int, int]:
    """(control rows, training rows) of a split of ``n_real`` rows: the count the attacks use."""
    n_control = int(round(n_real * share)) if 0 < share < 1 else 0
    return n_control, n_real - n_control


def _why_none(loaded: Loaded) -> str:
    hold = loaded.enc.holdout
    if hold is None or hold.n_rows == 0:
        return "no holdout was uploaded"
    return f"the holdout has only {hold.n_rows} rows (at least {MIN_CONTROL_ROWS} are needed)"


def no_control(loaded: Loaded, found: AttacksInfo) -> None:
    """Say in one sentence why no risk is shown, then offer the split."""
    st.warning(
        "No attack risk is shown: a risk means something only against real rows the generator "
        f"never saw, and {_why_none(loaded)}.",
        icon=":material/shield:",
    )
    if state.unseen_share() > 0:
        n_control, n_train = control_rows(loaded.enc.real.n_rows, state.unseen_share())
        st.caption(f"The split you confirmed ({state.unseen_share():.0%}: {n_control:,} control "
                   f"rows, {n_train:,} training rows) is too small: each side needs at least "
                   f"{MIN_CONTROL_ROWS} rows.")  # fmt: skip
        withdraw_button()
    offer_split(loaded)


def offer_split(loaded: Loaded) -> None:
    """A share of the real rows at the end of the file as the control, once the user confirms
    the generator never saw them."""
    n = loaded.enc.real.n_rows
    with st.container(border=True):
        st.markdown("**Use the last rows of the real file as the control**")
        st.caption(
            "If the generator was trained on the first rows of the real file only, the rows "
            "after them are real records it never saw: they can stand in for a holdout. The "
            "split and your confirmation are stated in the reports."
        )
        pct = st.number_input(
            "Share of the real rows at the end of the file that the generator never saw (%)",
            min_value=5, max_value=50, value=DEFAULT_SHARE, step=5,
            key=state.widget_key("unseen_share_pct"),
        )  # fmt: skip
        share = float(pct) / 100
        n_control, n_train = control_rows(n, share)
        st.caption(f"The last {n_control:,} of the {n:,} real rows (rows {n_train + 1:,}-{n:,} "
                   f"of the real file) become the control; the first {n_train:,} are taken as "
                   "the generator's training rows.")  # fmt: skip
        too_few = min(n_control, n_train) < MIN_CONTROL_ROWS
        if too_few:
            st.caption(f"Too few rows: each side needs at least {MIN_CONTROL_ROWS}.")
        ok = st.checkbox(CONFIRM, key=state.widget_key("unseen_confirm"),
                         help="If the generator saw these rows, the risks read too low.")  # fmt: skip
        st.button(APPLY, type="primary", disabled=not ok or too_few, icon=":material/play_arrow:",
                  on_click=state.set_unseen_share, args=(share,),
                  key=state.widget_key("unseen_apply"))  # fmt: skip
        if not ok:
            st.caption("Tick the confirmation to run the attacks.")


def withdraw_button() -> None:
    st.button(WITHDRAW, icon=":material/undo:", on_click=state.set_unseen_share, args=(0.0,),
              key=state.widget_key("unseen_withdraw"),
              help="Stop using the last rows of the real file as the control.")  # fmt: skip


def split_in_force(found: AttacksInfo) -> None:
    """The control sentence of a confirmed split, and the way back."""
    st.info(md(found.control_note), icon=":material/call_split:")
    withdraw_button()


def _set_count(key: str) -> None:
    state.set_attack_count(int(st.session_state[key]))


def settings(found: AttacksInfo) -> None:
    """The number of attacks (a new run), with what it changes."""
    key = state.widget_key("attack_count")
    with st.expander("Number of attacks"):
        st.number_input(
            "Attacks per kind", min_value=MIN_ATTACKS, max_value=MAX_ATTACKS,
            value=min(max(state.attack_count(), MIN_ATTACKS), MAX_ATTACKS), step=100, key=key,
            on_change=_set_count, args=(key,),
            help="Changing it runs the assessment again.",
        )  # fmt: skip
        used = [a.n_attacks for a in found.ran()]
        ran = f" This run: {max(used):,} attacks a side at most." if used else ""
        st.caption(
            "Each attack is tried on up to this many training records and as many control "
            "records (fewer when there are fewer rows): more attacks give narrower intervals "
            f"and take longer. The number is stated in the reports.{ran}"
        )
