"""Column kinds of a real/synthetic pair: inference, comparison and SDV metadata JSON.

How :func:`infer` decides a column's kind (the rules and their constants live in
``metrics.schema_infer``, the SDV mapping in ``metrics.schema_sdv``). The real data decides, on a
random sample of at most ``SAMPLE_ROWS`` (10,000) rows; full-column checks only confirm empty,
constant and unique columns. The synthetic side is only checked against the result
(:func:`compare`).

- Entirely empty -> categorical, reported; one distinct value -> categorical, reported as constant.
- Booleans, numbers 0/1 and the strings true/false, yes/no, y/n, t/f (any case) -> boolean.
- Numbers, also numeric strings with ``,`` thousands separators (``1,234.5``) and up to 5 %
  unreadable markers such as ``?`` (reported) -> numerical, except:
  whole numbers unique in every row that are dense like a counter (1..n) or whose name says
  id/key/number -> id (whole-valued floats too: a CSV column of ids with gaps reads as floats;
  fractional values never make an id); exactly two distinct numbers other than 0/1 ->
  categorical (a two-level code such as sex 1/2); at most ``FEW_LEVELS`` whole-number levels in
  a column named like a label (target, class, label, group, type, ...) -> categorical. Other
  small whole-number columns (ratings 0..4, cylinders, years of experience, durations 3/6/12)
  stay numerical: their order matters and numerical metrics use it; the reason says so and the
  user can switch.
- Digit strings with leading zeros (zip codes, ``007``) are codes, not quantities.
- Strings that read as dates in one of ``DATE_FORMATS`` -> datetime with that format. Day-first
  wins over month-first when no value tells them apart (the reason says so).
- Other strings: UUIDs, e-mail addresses and values unique in every row -> id; mostly distinct
  values of three or more words on average -> text; a name like ``user_id`` with many distinct
  values -> id; everything else -> categorical.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

import pandas as pd


class Kind(StrEnum):
    """What a column holds; decides which metrics apply to it."""

    NUMERICAL = "numerical"
    CATEGORICAL = "categorical"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    ID = "id"
    TEXT = "text"


@dataclass(frozen=True)
class ColumnSpec:
    """One column of the schema.

    ``datetime_format`` is an strftime pattern when one was detected or given (SDV's
    ``datetime_format``); ``reason`` says in plain words why the kind was inferred.
    ``unique`` is true when every real value is present and different (a primary key
    candidate); ``sdtype`` keeps an SDV sdtype SynthLens has no kind for (``"email"``), so
    exporting the metadata again gives it back.
    """

    name: str
    kind: Kind
    datetime_format: str | None = None
    reason: str = ""
    unique: bool = False
    sdtype: str | None = None


@dataclass
class Schema:
    """The columns both sides share, in the real file's order, and how the sides differ."""

    columns: list[ColumnSpec]
    # Columns present only on one side, and columns whose types cannot be compared.
    only_real: list[str] = field(default_factory=list)
    only_synthetic: list[str] = field(default_factory=list)
    conflicts: dict[str, str] = field(default_factory=dict)  # column -> plain-words reason
    empty: list[str] = field(default_factory=list)  # columns with no value in the real data
    constant: dict[str, str] = field(default_factory=dict)  # column -> its single value, shown
    notes: list[str] = field(default_factory=list)  # other sentences worth a warning
    primary_key: str | None = None

    def kind_of(self, name: str) -> Kind:
        return self.spec(name).kind

    def spec(self, name: str) -> ColumnSpec:
        """The column's spec (``KeyError`` when it is not compared)."""
        for spec in self.columns:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def names(self, *kinds: Kind) -> list[str]:
        """Column names, optionally only those of the given kinds."""
        return [c.name for c in self.columns if not kinds or c.kind in kinds]

    def missing_from(self, columns: Iterable[Any]) -> list[str]:
        """Compared columns that are not among ``columns`` (a holdout's, say)."""
        have = {str(c) for c in columns}
        return [c.name for c in self.columns if c.name not in have]

    def with_kind(self, name: str, kind: Kind) -> Schema:
        """A copy with one column's kind changed (the user's correction)."""
        cols = [
            replace(c, kind=kind, reason="set by the user", sdtype=None) if c.name == name else c
            for c in self.columns
        ]
        out = self.copy(cols)
        if name == self.primary_key and kind is not Kind.ID:
            out.primary_key = None
        return out

    def copy(self, columns: list[ColumnSpec] | None = None) -> Schema:
        """A copy that shares no list or dict with this one (with other columns if given)."""
        return replace(
            self, columns=list(self.columns if columns is None else columns),
            only_real=list(self.only_real), only_synthetic=list(self.only_synthetic),
            conflicts=dict(self.conflicts), empty=list(self.empty), constant=dict(self.constant),
            notes=list(self.notes),
        )  # fmt: skip

    def warnings(self) -> list[str]:
        """Sentences to show above the schema: what is left out and what looks wrong."""
        out = []
        if self.only_real:
            out.append(f"Only in the real data, left out: {listing(self.only_real)}.")
        if self.only_synthetic:
            out.append(f"Only in the synthetic data, left out: {listing(self.only_synthetic)}.")
        out += [f"'{col}' is left out: {why}." for col, why in self.conflicts.items()]
        out += [f"'{col}' is empty in the real data: nothing to compare." for col in self.empty]
        out += [
            f"'{col}' has the same value ({value}) in every real row."
            for col, value in self.constant.items()
        ]
        return out + self.notes


class SchemaError(ValueError):
    """SDV metadata that cannot be used; the message says what to fix."""


def missing_columns_message(role: str, label: str, missing: list[str]) -> str:
    """The sentence for an input that lacks compared columns (a holdout, usually)."""
    many = len(missing) != 1
    return (
        f"The {role} file '{label}' lacks {len(missing)} compared column{'s' if many else ''}: "
        f"{listing(missing)}. Load a {role} file with the same columns as the real data"
        + (", or leave the holdout out." if role == "holdout" else ".")
    )


def listing(names: list, limit: int = 10) -> str:
    """``'a', 'b' and 3 more``: column names quoted for a sentence."""
    shown = ", ".join(f"'{n}'" for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


# The work lives in schema_infer and schema_sdv, which import the types above; importing them
# here, when called, keeps `from metrics.schema import ...` free of import cycles.


def infer(real: pd.DataFrame, synthetic: pd.DataFrame | None = None) -> Schema:
    """Infer every real column's kind and compare the synthetic side's shape against it.

    Parameters
    ----------
    real:
        The real table; it decides each column's kind (rules in the module docstring).
    synthetic:
        The synthetic table, checked against the real kinds: columns on one side only and
        columns whose values mostly cannot be read as the real kind are left out and reported.

    Returns
    -------
    Schema
        The compatible common columns in the real order, each with a plain-words ``reason``;
        ``warnings()`` gives the sentences to show.
    """
    from metrics import schema_infer

    return schema_infer.infer(real, synthetic)


def compare(real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema | None = None) -> Schema:
    """Check the pair against a schema (inferred when not given), e.g. after the user's edits.

    Parameters
    ----------
    real, synthetic:
        The two tables.
    schema:
        Kinds to check against. A column whose values, on either side, mostly do not read as
        its kind moves to ``conflicts``; earlier conflicts without a kind keep their reason.

    Returns
    -------
    Schema
        A new schema with ``only_real``, ``only_synthetic``, ``conflicts``, ``empty``,
        ``constant``, ``notes`` and ``primary_key`` recomputed.
    """
    from metrics import schema_infer

    if schema is None:
        return schema_infer.infer(real, synthetic)
    return schema_infer.check(real, synthetic, schema)


def to_sdv_metadata(schema: Schema, table_name: str | None = None) -> dict[str, Any]:
    """The schema as SDV metadata, as sdmetrics and SDV read it.

    Parameters
    ----------
    schema:
        Its compared columns are exported; columns left out (one side only, conflicts) are not.
    table_name:
        When given, the multi-table form ``{"tables": {table_name: {...}}}``.

    Returns
    -------
    dict
        ``{"columns": {name: {"sdtype": ...}}}`` with ``datetime_format`` for dates and a
        ``primary_key`` when an id column is unique, plus ``METADATA_SPEC_VERSION``.
    """
    from metrics import schema_sdv

    return schema_sdv.to_metadata(schema, table_name)


def from_sdv_metadata(
    meta: dict[str, Any] | str | bytes,
    real_columns: list[str],
    base: Schema | None = None,
    table_name: str | None = None,
) -> Schema:
    """A schema from SDV metadata: single-table, or multi-table with one (or the named) table.

    Parameters
    ----------
    meta:
        The metadata as a dict or JSON text. ``METADATA_SPEC_VERSION`` and other SDV keys are
        accepted, and SDV's older ``{"fields": {name: {"type": ...}}}`` form. sdtypes without a
        kind of their own map to one, with a reason: places (city, country, ...) ->
        categorical; personal identifiers (email, phone_number, ssn, ...) and unknown sdtypes
        marked ``pii`` -> id; addresses and other unknown sdtypes -> text (or, with ``base``,
        the inferred kind).
    real_columns:
        The real data's columns, in order; the schema follows it.
    base:
        The inferred schema: columns the metadata does not describe keep their inferred kind,
        and the comparison with the synthetic side (only_real, conflicts, ...) carries over.
        Call :func:`compare` afterwards to re-check the pair against the new kinds.
    table_name:
        Which table of a multi-table metadata to use.

    Raises
    ------
    SchemaError
        Not JSON, not shaped like SDV metadata, several tables and no ``table_name``, or
        columns that are not in the real data; the message says what to do.
    """
    from metrics import schema_sdv

    return schema_sdv.from_metadata(meta, real_columns, base, table_name)
