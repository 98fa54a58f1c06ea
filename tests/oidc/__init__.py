"""A local OpenID Connect provider and a minimal Streamlit login app, for login tests."""
