"""The smallest Streamlit page that uses the built-in login, for the OIDC browser test.

Run with a secrets file whose ``[auth]`` section names the provider; see
``tests/e2e/test_oidc_login.py``.
"""

from __future__ import annotations

import streamlit as st

st.title("Login check")

if not st.user.is_logged_in:
    st.text("Not signed in.")
    if st.button("Log in"):
        st.login()
else:
    # st.user holds the ID token's claims, which Authlib verified (signature, iss, nonce, exp).
    # A provider may omit "groups"; Streamlit's stubs omit list, but a JSON array claim
    # arrives as one at run time.
    raw_groups: object = st.user.get("groups")
    groups = raw_groups if isinstance(raw_groups, list) else []
    st.text(f"Name: {st.user.name}")
    st.text(f"Email: {st.user.email}")
    st.text(f"Email verified: {st.user.get('email_verified')}")
    st.text(f"Groups: {', '.join(str(g) for g in groups)}")
    st.text(f"Issuer: {st.user.get('iss')}")
    if st.button("Log out"):
        st.logout()
