"""Sign-off: who signs under which stored policy, the gates, what still blocks approval, the
signed record with its signature, the audit chain, the downloads."""

import streamlit as st

from components import (
    assessment,
    cleaned_review,
    downloads,
    policy_view,
    review_state,
    run_versions,
    signature_view,
    signoff_view,
)
from components import identity as ident
from outputs import review_report

st.title("Sign-off")
loaded = assessment.require()
st.caption(
    "Approvers approve or reject a run for training under the policy stored in the review "
    "database: minimum scores per family, no open high-severity or rejected findings, no copied "
    "real rows, limits on the privacy attacks' risks. Each signature records who signed, when "
    "and what it means; the record is stored for good."
)
run = review_state.run_id(loaded)
store = review_state.store()
policy, saved = policy_view.in_force()
me = review_state.me()
# A policy that cannot be read gives typed names no more than it would under the strictest one.
role = review_state.my_role() if policy else ident.role(me, store.grants(), True)
signature_view.identity_panel(me, role, policy.sign_off if policy else None,
                              policy_view.version_words(saved))  # fmt: skip
run_versions.banner(run)
cleaned_review.notice()
items = review_state.current_items(run)
history = store.sign_offs(run)

st.subheader("Current sign-off", anchor=False)
signature_view.current(history, items)
signature_view.chain_line(store)

st.subheader("Policy and gates", anchor=False)
policy_view.panel(saved, me, role)
gates = review_report.gates_for(policy, loaded.assessment, items) if policy else []
if policy is not None:
    signoff_view.gates(gates)
signoff_view.blockers(items)
cleaned_review.offer(run, loaded, items)

st.subheader("Sign off", anchor=False)
if policy is None:
    st.info("The stored policy cannot be read, so nobody can sign off until an admin saves a "
            "corrected version above.")  # fmt: skip
else:
    signoff_view.sign_form(run, policy, saved.version, loaded.assessment.scores, gates, me, role)
signature_view.history_table(store.sign_offs(run))

st.subheader("Downloads", anchor=False)
downloads.buttons(store, run, loaded, policy, gates)
