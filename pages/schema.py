"""Schema: how each column was understood, editable, with SDV metadata in and out."""

import streamlit as st

from components import inputs, privacy_marks, rules_editor, schema_editor
from outputs.escape import md

st.title("Schema")
schema = inputs.current_schema()
if schema is None:
    st.info("Load a real and a synthetic table first.")
    st.page_link("pages/data.py", label="Go to Data", icon=":material/upload_file:")
    st.stop()

st.write(
    "Each column's **kind** decides how it is compared: numbers and dates by their distribution, "
    "categories and booleans by their frequencies; **id** and **text** columns are left out of "
    "the statistics. Correct a kind in the table if it is wrong."
)
for warning in schema.warnings():
    st.warning(md(warning), icon=":material/warning:")

schema_editor.kind_table(schema)
schema_editor.metadata_io(schema)
privacy_marks.privacy_section(schema)
rules_editor.rules_section(schema)
