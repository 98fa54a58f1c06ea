"""What leaves SynthLens for a person or a pipeline: escaping for every sink, and (as the
results-spine work moves them here) the reports and figures. Never imports Streamlit, so the CLI
can use all of it."""
