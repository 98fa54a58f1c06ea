"""The only module that knows session-state keys.

Session state holds inputs and decisions only: the uploaded tables, the user's schema
corrections, the chosen target and the reviewer's name. Everything derived is cached in
``components.cache``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from metrics.schema import Schema

ROLES = ("real", "synthetic", "holdout")
ROLE_LABELS = {"real": "Real data", "synthetic": "Synthetic data", "holdout": "Real holdout"}

_TABLES = "synthlens.tables"
_SCHEMA = "synthlens.schema"
_TARGET = "synthlens.target"
_REVIEWER = "synthlens.reviewer"
_SOURCE = "synthlens.source"
_SCORING = "synthlens.scoring"
_CONSTRAINTS = "synthlens.rules.constraints"
_DROPPED = "synthlens.rules.dropped"
_CONSTRAINT_FILES = "synthlens.rules.files"
_PRIVACY_MARKS = "synthlens.privacy.marks"
_UNSEEN_SHARE = "synthlens.privacy.unseen_share"
_N_ATTACKS = "synthlens.privacy.n_attacks"


@dataclass(frozen=True)
class Table:
    """One loaded input: its file name, content hash and parsed frame."""

    name: str
    sha256: str
    size_bytes: int
    frame: pd.DataFrame
    # Rows in the whole file when ``frame`` is only a sample of it (the server's data folder).
    total_rows: int | None = None

    @property
    def shape_text(self) -> str:
        rows, cols = self.frame.shape
        if self.total_rows is not None:
            return f"{self.total_rows:,} rows x {cols:,} columns (a sample of {rows:,} in use)"
        return f"{rows:,} rows x {cols:,} columns"


def tables() -> dict[str, Table]:
    return st.session_state.setdefault(_TABLES, {})


def table(role: str) -> Table | None:
    return tables().get(role)


def set_table(role: str, value: Table | None) -> None:
    current = dict(tables())
    if value is None:
        current.pop(role, None)
    else:
        current[role] = value
    st.session_state[_TABLES] = current
    # A new input invalidates the user's schema corrections made for the old pair.
    st.session_state.pop(_SCHEMA, None)
    st.session_state.pop(_TARGET, None)
    if role == "real":  # declared constraints and dropped rules are about the real columns
        st.session_state.pop(_CONSTRAINTS, None)
        st.session_state.pop(_DROPPED, None)
        st.session_state.pop(_CONSTRAINT_FILES, None)
        st.session_state.pop(_PRIVACY_MARKS, None)
    if role in ("real", "holdout"):  # a confirmed split is about these real rows
        st.session_state.pop(_UNSEEN_SHARE, None)
    st.session_state.pop(_SCALE, None)  # the tables are no longer the folder's samples


@dataclass(frozen=True)
class ScaleSource:
    """The pair in use was read from the server's data folder on an engine: its files
    (``(role, name, real path, size, mtime_ns)``), full row counts and the sample size. The
    session's tables hold only the samples; this names what the assessment reads whole."""

    files: tuple[tuple[str, str, str, int, int], ...]
    rows: tuple[tuple[str, int, int], ...]  # (role, rows in the file, rows in the sample)
    sample_rows: int
    engine: str = "duckdb"

    def text(self) -> str:
        """``Read from the server's data folder on DuckDB: 200,000 rows real, ...``."""
        engine = {"duckdb": "DuckDB", "spark": "Spark"}.get(self.engine, self.engine)
        counts = ", ".join(f"{total:,} rows {role}" for role, total, _ in self.rows)
        sampled = max((n for _, _, n in self.rows), default=0)
        if all(n >= total for _, total, n in self.rows):
            tail = "every row in the sample (the files are smaller than the sample size)"
        else:
            tail = f"sample of {sampled:,} rows"
        return f"Read from the server's data folder on {engine}: {counts}, {tail}."

    def paths(self) -> dict[str, str | None]:
        found = {role: path for role, _, path, _, _ in self.files}
        return {role: found.get(role) for role in ROLES}

    def key(self) -> str:
        """Paths, sizes, mtimes, sample size and engine: part of the assessment's cache key."""
        return repr((self.files, self.sample_rows, self.engine))


_SCALE = "synthlens.scale"


def scale_source() -> ScaleSource | None:
    """The data-folder files the pair in use was sampled from, if it was."""
    return st.session_state.get(_SCALE)


def set_scale_source(value: ScaleSource | None) -> None:
    """Call after the samples are set as the tables (setting a table forgets it)."""
    st.session_state[_SCALE] = value


@dataclass(frozen=True)
class Cleaned:
    """The synthetic table in use is the cleaned data of review run ``run_id``."""

    run_id: int
    original: Table
    removed: int
    sha256: str


_CLEANED = "synthlens.cleaned"


def cleaned() -> Cleaned | None:
    """The link to the review the loaded synthetic data was cleaned in, while it is loaded."""
    link = st.session_state.get(_CLEANED)
    synthetic = table("synthetic")
    if link is None or synthetic is None or synthetic.sha256 != link.sha256:
        return None
    return link


def cleaned_from_run() -> int | None:
    link = cleaned()
    return link.run_id if link else None


def use_cleaned(link: Cleaned | None, synthetic: Table, schema: Schema | None) -> None:
    """Swap the synthetic table, keeping the schema and target in force (the columns are the
    same), and remember where it came from (``None``: back to the original)."""
    kept_target = target()
    set_table("synthetic", synthetic)
    st.session_state[_SCHEMA] = schema
    set_target(kept_target)
    st.session_state[_CLEANED] = link


def set_source(label: str | None) -> None:
    st.session_state[_SOURCE] = label


def source() -> str | None:
    return st.session_state.get(_SOURCE)


def has_pair() -> bool:
    return table("real") is not None and table("synthetic") is not None


def pair_key() -> tuple[str, str, str]:
    """Content hashes of the loaded inputs: the cache key of everything derived from them."""
    t = tables()
    return tuple(t[r].sha256 if r in t else "" for r in ROLES)  # type: ignore[return-value]


def schema_override() -> Schema | None:
    """The schema the user confirmed or corrected, if any."""
    return st.session_state.get(_SCHEMA)


def set_schema(schema: Schema | None) -> None:
    st.session_state[_SCHEMA] = schema


def constraints() -> tuple[str, ...]:
    """Declared constraints (canonical JSON strings, see metrics/rules_declared.py)."""
    return tuple(st.session_state.get(_CONSTRAINTS, ()))


def set_constraints(values: tuple[str, ...]) -> None:
    st.session_state[_CONSTRAINTS] = tuple(dict.fromkeys(values))


def dropped_rules() -> frozenset[str]:
    """Ids of discovered rules the user dropped on the Schema page."""
    return frozenset(st.session_state.get(_DROPPED, frozenset()))


def set_rule_dropped(rule_id: str, dropped: bool) -> None:
    now = set(dropped_rules())
    if dropped:
        now.add(rule_id)
    else:
        now.discard(rule_id)
    st.session_state[_DROPPED] = frozenset(now)


PRIVACY_MARK_KINDS = ("quasi_identifiers", "sensitive", "secrets")


def privacy_marks() -> dict[str, tuple[str, ...]]:
    """Columns the user marked for the privacy attacks: ``quasi_identifiers``, ``sensitive``
    and ``secrets`` (the inference attack's secret columns; empty = the default)."""
    marks = st.session_state.get(_PRIVACY_MARKS, {})
    return {k: tuple(marks.get(k, ())) for k in PRIVACY_MARK_KINDS}


def set_privacy_marks(**marks: tuple[str, ...]) -> None:
    """Set some of :func:`privacy_marks` (unknown kinds are refused)."""
    unknown = set(marks) - set(PRIVACY_MARK_KINDS)
    if unknown:
        raise ValueError(f"unknown privacy marks: {sorted(unknown)}")
    now = dict(privacy_marks())
    now.update({k: tuple(dict.fromkeys(v)) for k, v in marks.items()})
    st.session_state[_PRIVACY_MARKS] = now


def unseen_share() -> float:
    """Share of the real rows, at the end of the file, that the user confirmed the generator
    was trained without (0 = none confirmed)."""
    return float(st.session_state.get(_UNSEEN_SHARE, 0.0))


def set_unseen_share(share: float) -> None:
    st.session_state[_UNSEEN_SHARE] = float(share)


def attack_count() -> int:
    """Attacks per kind the privacy attacks run (``Options.n_attacks``)."""
    return int(st.session_state.get(_N_ATTACKS, 2000))


def set_attack_count(n: int) -> None:
    st.session_state[_N_ATTACKS] = int(n)


def constraints_file_applied(digest: str) -> bool:
    """Whether the uploaded constraints file with this content hash was already added (an
    upload stays in its widget across reruns; it is added once, so a removal sticks)."""
    seen = st.session_state.setdefault(_CONSTRAINT_FILES, set())
    if digest in seen:
        return True
    seen.add(digest)
    return False


def target() -> str | None:
    return st.session_state.get(_TARGET)


def set_target(value: str | None) -> None:
    st.session_state[_TARGET] = value


def target_widget(shown: str | None) -> str:
    """The key of the Utility page's target selector, preset to the target in force.

    Pass ``on_change=target_chosen`` to the widget: the choice then becomes the target
    before the next run computes anything.
    """
    key = widget_key("utility_target")
    st.session_state[key] = shown
    return key


def scoring() -> dict:
    """How fidelity is scored: ``correlation`` ("pearson"/"spearman") and
    ``sdmetrics_compatible`` (score exactly as sdmetrics' QualityReport does)."""
    return st.session_state.get(_SCORING, {"correlation": "pearson", "sdmetrics_compatible": False})


def scoring_widgets() -> tuple[str, str]:
    """Keys of the sidebar's two scoring widgets, preset to the settings in force."""
    keys = widget_key("correlation"), widget_key("sdmetrics_compatible")
    now = scoring()
    st.session_state[keys[0]] = now["correlation"]
    st.session_state[keys[1]] = now["sdmetrics_compatible"]
    return keys


def scoring_key() -> str:
    return _SCORING


def scoring_chosen() -> None:
    st.session_state[_SCORING] = {
        "correlation": st.session_state.get(widget_key("correlation"), "pearson"),
        "sdmetrics_compatible": bool(st.session_state.get(widget_key("sdmetrics_compatible"))),
    }


def target_chosen() -> None:
    set_target(st.session_state.get(widget_key("utility_target")))


def reviewer() -> str:
    return st.session_state.get(_REVIEWER, "")


def set_reviewer(name: str) -> None:
    st.session_state[_REVIEWER] = name.strip()


# ------------------------------------------------------------------------------------ review
_ITEM = "synthlens.review.item"
_NAV = "synthlens.review.nav"
_FLASH = "synthlens.review.flash"
_WIDGET = "synthlens.w"


def widget_key(name: str, *parts: object) -> str:
    """The session key of a review or sign-off widget, e.g. ``widget_key("reason", item_id)``.

    Per-item widgets carry the item id, so text typed for one item never shows on another
    and stays in place when a save is refused.
    """
    return ".".join([_WIDGET, name, *map(str, parts)])


def clear_widget(name: str, *parts: object) -> None:
    """Empty a text widget after a successful save (call from a callback, before it is drawn)."""
    st.session_state[widget_key(name, *parts)] = ""


def kept_widget(name: str, default: object) -> str:
    """The key for a widget whose value must outlive pages that do not draw it.

    Streamlit forgets a widget's value once a run does not draw it (another page); the value
    is kept under a second key and put back before the widget is drawn. Pass
    ``on_change=keep, args=(name,)`` to the widget.
    """
    key = widget_key(name)
    st.session_state[key] = st.session_state.get(widget_key("kept", name), default)
    return key


def keep(name: str) -> None:
    st.session_state[widget_key("kept", name)] = st.session_state.get(widget_key(name))


def kept(name: str, default: object = None) -> object:
    return st.session_state.get(widget_key("kept", name), default)


def set_kept(name: str, value: object) -> None:
    st.session_state[widget_key("kept", name)] = value


def redact() -> bool:
    """Whether real records are hidden (for demos to people who must not see them)."""
    return bool(kept("redact", False))


def review_item() -> int | None:
    """The id of the review item shown in the detail view, if one was chosen."""
    return st.session_state.get(_ITEM)


def set_review_item(item_id: int | None, from_table: bool = False) -> None:
    """Show this item; unless the user clicked it in the queue table, the table is redrawn
    with it selected (a new widget, see :func:`queue_generation`)."""
    st.session_state[_ITEM] = item_id
    if not from_table:
        st.session_state[_NAV] = queue_generation() + 1


def queue_generation() -> int:
    """Goes up whenever the shown item changes other than by a click in the queue table."""
    return st.session_state.get(_NAV, 0)


def flash() -> tuple[str, str] | None:
    """A message for the next run (``(kind, text)``, kind success/info/warning/error)."""
    return st.session_state.get(_FLASH)


def set_flash(kind: str, text: str) -> None:
    st.session_state[_FLASH] = (kind, text)


def pop_flash() -> tuple[str, str] | None:
    return st.session_state.pop(_FLASH, None)
