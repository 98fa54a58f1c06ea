"""Pure computation for SynthLens: reading, schema, encoding and every metric.

Nothing in this package imports Streamlit; results are typed dataclasses (see ``results.py``).
"""
