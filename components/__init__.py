"""Streamlit-aware glue between the pure ``metrics`` package and the pages."""
