"""The assessment of the loaded pair: computed once per (data, schema, settings), with progress.

Encoded arrays and the Assessment can be hundreds of MB for large inputs, so they are kept in a
small process-wide LRU (held by ``st.cache_resource``) instead of ``st.cache_data``, which would
pickle and copy them on every rerun. The LRU also lets the first computation draw a progress bar,
which a cached function cannot do. Returned objects are shared: never mutate them.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import streamlit as st

from components import inputs, state, tables
from metrics import catalogue
from metrics.encode import Encoded, encode
from metrics.io import InputError
from metrics.options import Options
from metrics.schema import Schema
from metrics.suite import Assessment, InputInfo, run, with_result
from metrics.utility import info as utility_info
from outputs.escape import md

if TYPE_CHECKING:
    from engines.assess import ScaleRun

MAX_ENTRIES = 6
# Whether the user counts a trivially predictable target in Overall: the inputs' hashes and
# the target it was ticked for, so it never carries over to another target or another pair.
# (The one session key outside components/state.py; it belongs there.)
_KEEP_TRIVIAL = "synthlens.keep_trivial"


@dataclass(frozen=True)
class Loaded:
    enc: Encoded
    assessment: Assessment


class _LRU:
    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[str, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> Any | None:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        return None

    def put(self, key: str, value: Any) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


@st.cache_resource(show_spinner=False)
def _lru() -> _LRU:
    return _LRU(MAX_ENTRIES)


def _key(schema: Schema, options: Options) -> str:
    scale = state.scale_source()
    parts = [
        *state.pair_key(),
        scale.key() if scale is not None else "",
        repr([(c.name, c.kind.value, c.datetime_format) for c in schema.columns]),
        repr(options),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def current_options() -> Options:
    # The target only changes the utility result; it is applied separately (see ``current``)
    # so choosing another target does not re-run every other metric.
    chosen = state.scoring()
    # Declared constraints and dropped rules are part of the options, so changing them on the
    # Schema page is a new run (cached by repr(options)).
    marks = state.privacy_marks()
    return Options(correlation=chosen["correlation"],
                   sdmetrics_compatible=chosen["sdmetrics_compatible"],
                   constraints=state.constraints(),
                   dropped_rules=state.dropped_rules(),
                   n_attacks=state.attack_count(),
                   secrets=marks["secrets"],
                   quasi_identifiers=marks["quasi_identifiers"],
                   sensitive=marks["sensitive"],
                   unseen_share=state.unseen_share())  # fmt: skip


def _used_tables(schema: Schema) -> dict[str, state.Table]:
    """The loaded inputs the assessment uses: a holdout that lacks compared columns is left
    out (the Data page says so) rather than scoring privacy and utility on part of it."""
    used = dict(state.tables())
    if tables.holdout_missing(schema):
        used.pop("holdout", None)
    return used


def _inputs(used: dict[str, state.Table]) -> dict[str, InputInfo]:
    out = {}
    for role, t in used.items():
        rows, cols = t.frame.shape
        out[role] = InputInfo(role, t.name, rows, cols, t.sha256)
    return out


def _compute(schema: Schema, options: Options, progress: Callable[[float, str], None]) -> Loaded:
    used = _used_tables(schema)
    scale = state.scale_source()
    if scale is not None:  # the whole files again, on the engine, with this schema
        return _compute_scale(scale, schema, options, progress, with_holdout="holdout" in used)
    real, synthetic, holdout = (used.get(r) for r in state.ROLES)
    assert real is not None and synthetic is not None
    progress(0.0, "Encoding the data...")
    enc = encode(real.frame, synthetic.frame, schema, holdout.frame if holdout else None)
    return Loaded(enc, run(enc, options, progress, _inputs(used)))


def _compute_scale(
    scale: state.ScaleSource,
    schema: Schema | None,
    options: Options,
    progress: Callable[[float, str], None],
    with_holdout: bool = True,
) -> Loaded:
    """Assess the data-folder files on the engine; a file that cannot be read stops the page
    with its message."""
    from engines.assess import assess_files  # the engines load only when the folder is used

    paths = scale.paths()
    if not with_holdout:
        paths["holdout"] = None
    try:
        found = assess_files(paths, engine=scale.engine, schema=schema, options=options,
                             progress=progress, sample_rows=scale.sample_rows)  # fmt: skip
    except InputError as exc:  # a file's or the engine's error (assess_files words both)
        st.error(md(str(exc)), icon=":material/error:")
        st.stop()
    return Loaded(found.enc, found.assessment)


def assess_folder(scale: state.ScaleSource, options: Options) -> ScaleRun:
    """Run the engine on the data-folder files with a progress bar (the Data page's button);
    the caller puts the samples in session, then :func:`remember` keeps the result."""
    from engines.assess import assess_files

    with _progress_bar(f"Reading the files on {scale.engine}...") as progress:
        return assess_files(scale.paths(), engine=scale.engine, schema=None, options=options,
                            progress=progress, sample_rows=scale.sample_rows)  # fmt: skip


def remember(loaded: Loaded, options: Options) -> None:
    """Keep ``loaded`` (computed with ``options``) as the assessment of the pair now in session
    when those are the options in force (else :func:`current` computes it again)."""
    schema = inputs.current_schema()
    if schema is not None and options == current_options() and not tables.holdout_missing(schema):
        _lru().put(_key(schema, options), loaded)


def current() -> Loaded | None:
    """The encoded pair and its assessment, computing them (with a progress bar) if needed.

    None when no pair is loaded or the pair shares no columns (the page says why).
    """
    schema = inputs.current_schema()
    if schema is None or not schema.columns:
        return None
    options = current_options()
    key = _key(schema, options)
    loaded = _lru().get(key)
    if loaded is None:
        with _progress_bar("Starting the assessment...") as progress:
            loaded = _compute(schema, options, progress)
        _lru().put(key, loaded)
    target = state.target()
    found = utility_info(loaded.assessment.result("utility"))
    if target is not None and found.target != target:
        loaded = _with_target(loaded, key, target, keep=False)
        found = utility_info(loaded.assessment.result("utility"))
    if found.trivial and found.target is not None and keeps_trivial(found.target):
        loaded = _with_target(loaded, key, found.target, keep=True)
    return loaded


def keeps_trivial(target: str) -> bool:
    """Whether the user chose to count the trivially predictable ``target`` in Overall."""
    return st.session_state.get(_KEEP_TRIVIAL) == (*state.pair_key(), target)


def set_keep_trivial(target: str, keep: bool) -> None:
    """Count (or stop counting) the trivially predictable ``target`` in Overall."""
    if keep:
        st.session_state[_KEEP_TRIVIAL] = (*state.pair_key(), target)
    else:
        st.session_state.pop(_KEEP_TRIVIAL, None)


@contextmanager
def _progress_bar(text: str):
    # Progress text is Markdown and the metrics name columns in it: escaped, as every page does.
    bar = st.progress(0.0, text=md(text))

    def progress(fraction: float, message: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=md(message))

    try:
        yield progress
    finally:
        bar.empty()


def _with_target(loaded: Loaded, key: str, target: str, keep: bool) -> Loaded:
    """The assessment with utility re-computed for the user's target, counting a trivially
    predictable one in Overall when ``keep`` (cached per target and choice)."""
    tkey = f"{key}|target={target}|keep={keep}"
    cached = _lru().get(tkey)
    if cached is not None:
        return cached
    options = replace(loaded.assessment.options, target=target, keep_trivial_target=keep)
    with _progress_bar(f"Training models to predict {target}...") as progress:
        result = catalogue.entry("utility").fn(loaded.enc, options, progress)
    out = Loaded(loaded.enc, with_result(loaded.assessment, result, options))
    _lru().put(tkey, out)
    return out


def require() -> Loaded:
    """For pages that need results: stop with a helpful message when there are none."""
    if not state.has_pair():
        st.info("Load a real and a synthetic table first.")
        st.page_link("pages/data.py", label="Go to Data", icon=":material/upload_file:")
        st.stop()
    loaded = current()
    if loaded is None:
        st.warning(
            "The real and synthetic tables share no columns that can be compared. "
            "Check the column names on the Schema page."
        )
        st.page_link("pages/schema.py", label="Go to Schema", icon=":material/table_rows:")
        st.stop()
    return loaded
