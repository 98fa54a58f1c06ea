"""The Data page's section for files on the server: pick a pair from the data folder that the
administrator configured (``SYNTHLENS_DATA_DIR``), assess it on DuckDB, and make its seeded
samples the session's tables. The whole files never enter the session, only the samples."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from components import assessment, state
from components import review_state as rs
from engines import data_folder as folder
from engines.assess import DEFAULT_SAMPLE_ROWS, ScaleRun
from metrics.io import InputError
from metrics.suite import frame_sha256
from outputs.escape import md

SOURCE = "the server's data folder"
_ERROR = "synthlens.folder.error"
EXACT_AND_SAMPLED = (
    "Column shapes, pair trends, missing values, coverage, validity and exact copies are "
    "computed over every row of the files; detection, utility, distances and near copies, "
    "privacy attacks, row flags, subgroups and rules use a seeded sample of this many rows "
    "per table."
)


def section() -> None:
    """Drawn only when the data folder is configured; refuses roles that may not use it."""
    root = folder.root()
    if root is None:
        return
    st.subheader("Large files on the server")
    role = rs.my_role()
    if not folder.allowed(role):
        needed = " or ".join(folder.allowed_roles())
        st.info(f"Opening large files from the server's data folder needs the {md(needed)} "
                f"role; you have {md(role) + ' role' if role else 'no role'}. Ask a SynthLens "
                "admin to grant it.", icon=":material/lock:")  # fmt: skip
        return
    try:
        files = folder.list_files(root)
    except folder.DataFolderError as exc:
        st.error(md(str(exc)), icon=":material/error:")
        return
    st.caption(
        "Files above the upload limit are read where they are, from the folder the "
        f"administrator set up ({len(files):,} .parquet or .csv files), on the DuckDB engine. "
        "Your session keeps only a sample of their rows."
    )
    if len(files) < 1:
        st.info("The data folder holds no .parquet or .csv files yet.")
        return
    _pickers({f.name: f for f in files})
    error = st.session_state.get(_ERROR)
    if error:
        st.error(md(error), icon=":material/error:")
    scale = state.scale_source()
    if scale is not None:
        st.success(md(scale.text()), icon=":material/storage:")


def _pickers(by_name: dict[str, folder.DataFile]) -> None:
    names = list(by_name)

    def label(name: str | None) -> str:
        return "No holdout" if name is None else f"{name} ({by_name[name].size_text})"

    cols = st.columns(3)
    real = cols[0].selectbox("Real data", names, format_func=label,
                             key=state.widget_key("folder", "real"))  # fmt: skip
    synthetic = cols[1].selectbox("Synthetic data", names, index=min(1, len(names) - 1),
                                  format_func=label, key=state.widget_key("folder", "synthetic"))  # fmt: skip
    holdout = cols[2].selectbox("Real holdout (optional)", [None, *names], format_func=label,
                                key=state.widget_key("folder", "holdout"))  # fmt: skip
    sample = st.number_input(
        "Sample size (rows per table)",
        min_value=1_000,
        max_value=5_000_000,
        value=DEFAULT_SAMPLE_ROWS,
        step=10_000,
        key=state.widget_key("folder", "sample"),
        help="A larger sample makes the sampled checks more precise and the run slower.",
    )
    st.caption(EXACT_AND_SAMPLED)
    if st.button("Assess on DuckDB", type="primary", icon=":material/play_arrow:"):
        chosen = {"real": real, "synthetic": synthetic, "holdout": holdout}
        if _assess({r: n for r, n in chosen.items() if n}, by_name, int(sample)):
            st.rerun()


def _assess(chosen: dict[str, str], by_name: dict[str, folder.DataFile], sample: int) -> bool:
    """Run the engine on the chosen files and put its samples in session; False on an error
    (kept to show under the pickers; the pair loaded before stays in use)."""
    st.session_state.pop(_ERROR, None)
    root = folder.root()
    assert root is not None
    if chosen.get("real") == chosen.get("synthetic"):
        st.session_state[_ERROR] = "Choose two different files for the real and synthetic data."
        return False
    try:
        paths = {role: folder.resolve(root, name) for role, name in chosen.items()}
    except folder.DataFolderError as exc:
        st.session_state[_ERROR] = str(exc)
        return False
    files = []
    for role, name in chosen.items():
        info = paths[role].stat()
        files.append((role, name, str(paths[role]), info.st_size, info.st_mtime_ns))
    scale = state.ScaleSource(files=tuple(files), rows=(), sample_rows=sample)
    # The options a new pair starts with: replacing the real table forgets the declared
    # constraints, dropped rules, privacy marks and confirmed split (components/state.py).
    options = replace(assessment.current_options(), constraints=(), dropped_rules=frozenset(),
                      secrets=(), quasi_identifiers=(), sensitive=(), unseen_share=0.0)  # fmt: skip
    try:
        run = assessment.assess_folder(scale, options)
    except InputError as exc:  # a file's or the engine's error (assess_files words both)
        st.session_state[_ERROR] = str(exc)
        return False
    rows = []
    for role in state.ROLES:
        sample_frame = run.samples.get(role)
        if sample_frame is None or role not in chosen:
            state.set_table(role, None)
            continue
        total = _total_rows(run, role, len(sample_frame))
        rows.append((role, total, len(sample_frame)))
        state.set_table(role, state.Table(
            name=chosen[role], sha256=frame_sha256(sample_frame),
            size_bytes=by_name[chosen[role]].size, frame=sample_frame,
            total_rows=total))  # fmt: skip
    state.set_source(f"{SOURCE}, on DuckDB")
    state.set_schema(run.assessment.schema)
    state.set_scale_source(replace(scale, rows=tuple(rows)))
    assessment.remember(assessment.Loaded(run.enc, run.assessment), options)
    return True


def _total_rows(run: ScaleRun, role: str, sampled: int) -> int:
    """Rows in the whole file, as the engine counted them."""
    scale = run.assessment.scale
    if scale is not None and role in scale.rows:
        return int(scale.rows[role])
    info = run.assessment.inputs.get(role)
    return int(info.rows) if info is not None else sampled
