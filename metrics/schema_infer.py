"""Inference rules behind :func:`metrics.schema.infer` and :func:`metrics.schema.compare`.

Everything works on a random sample of at most ``SAMPLE_ROWS`` rows per side; the full column is
read only to confirm what a sample cannot prove (empty, constant, unique) and to count exactly
the values of a column that has a problem. The rules are listed in ``metrics.schema``.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd

from metrics.schema import ColumnSpec, Kind, Schema
from metrics.schema_dates import DATE_FORMATS as DATE_FORMATS  # re-exported
from metrics.schema_dates import date_format
from metrics.schema_values import (
    FALSE_WORDS,
    TRUE_WORDS,
    code_like,
    counted,
    dedupe,
    fmt_values,
    native,
    single_value,
    to_number,
    unique_full,
    unreadable,
)
from metrics.schema_values import to_numbers as to_numbers  # re-exported

SAMPLE_ROWS = 10_000
PARSE_SHARE = 0.95  # share of non-missing values that must read as a kind to get it
MIN_ROWS_UNIQUE = 20  # below this many values, "all different" proves nothing
FEW_LEVELS = 10
_SEED = 0

_ID_WORDS = {"id", "uuid", "guid", "pk", "key", "identifier"}
_CODE_WORDS = {"number", "no", "nr", "num", "code", "ref", "reference"}
_LABEL_WORDS = {"target", "class", "label", "category", "cluster", "segment", "group",
                "species", "outcome", "type", "kind", "status", "y"}  # fmt: skip
_UUID = r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
_EMAIL = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"


def _words(name: object) -> list[str]:
    """Lower-case words of a column name: ``userId`` and ``user_id`` give ``[user, id]``."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(name))
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def _sample(df: pd.DataFrame) -> pd.DataFrame:
    if len(df) <= SAMPLE_ROWS:
        return df
    rows = np.random.default_rng(_SEED).choice(len(df), SAMPLE_ROWS, replace=False)
    return df.take(np.sort(rows))


_SAMPLED = "different in every sampled row"


def _id_spec(name, full: pd.Series, prefix: str = "") -> ColumnSpec:
    """An id spec; uniqueness is settled only for tables the sample covers (see _primary_key)."""
    if len(full) > SAMPLE_ROWS:  # checking a million strings costs more than all the rest
        return ColumnSpec(name, Kind.ID, reason=f"{prefix}{_SAMPLED}: an identifier")
    unique = unique_full(full)
    why = "unique for every row" if unique else "almost every value is different"
    return ColumnSpec(name, Kind.ID, reason=f"{prefix}{why}: an identifier", unique=unique)


def _primary_key(out: Schema, real: pd.DataFrame, preferred) -> str | None:
    """The best unique id column, checked on the full data for at most three candidates."""
    ids = [i for i, c in enumerate(out.columns) if c.kind is Kind.ID]
    ids.sort(key=lambda i: (not out.columns[i].unique, _SAMPLED not in out.columns[i].reason,
                            out.columns[i].name != preferred,
                            _words(out.columns[i].name)[-1:] != ["id"]))  # fmt: skip
    for i in ids[:3]:
        spec = out.columns[i]
        if not spec.unique:
            if not unique_full(real[spec.name]):
                continue
            out.columns[i] = replace(spec, unique=True,
                                     reason=spec.reason.replace(_SAMPLED, "unique for every row"))  # fmt: skip
        return spec.name
    return None


def _numeric_spec(name, levels: np.ndarray, n: int, full: pd.Series, n_rows: int, prefix: str):
    """Kind of a column of numbers: its sorted distinct ``levels`` among ``n`` values.

    ``n_rows`` is the length of the sample the values come from, to scale counts to ``full``.
    """
    k, words = len(levels), _words(name)
    id_name = bool(words) and words[-1] in _ID_WORDS
    whole = bool(np.isfinite(levels).all() and (levels == np.round(levels)).all())
    if whole and k == n and (n >= MIN_ROWS_UNIQUE or id_name):
        # Counter-like ids fill their range; scale the sample's count up to the full column.
        dense = n * len(full) / n_rows / (levels[-1] - levels[0] + 1) >= 0.5
        if id_name or (words and words[-1] in _CODE_WORDS) or dense:
            return _id_spec(name, full, prefix)
    if whole and id_name and k > 50 and k >= 0.1 * n:
        return ColumnSpec(name, Kind.ID, reason=f"{prefix}{k:,} distinct whole numbers in a "
                          "column named like an identifier")  # fmt: skip
    if k == 2 and n >= MIN_ROWS_UNIQUE:
        return ColumnSpec(name, Kind.CATEGORICAL, reason=f"{prefix}only 2 distinct numbers "
                          f"({fmt_values(levels)}): a two-level code")  # fmt: skip
    if whole and k <= FEW_LEVELS and set(words) & _LABEL_WORDS:
        return ColumnSpec(name, Kind.CATEGORICAL, reason=f"{prefix}{k} whole-number levels "
                          f"({fmt_values(levels)}) in a column named like a label")  # fmt: skip
    if whole and k <= FEW_LEVELS:
        return ColumnSpec(name, Kind.NUMERICAL, reason=f"{prefix}{k} whole-number levels "
                          f"({fmt_values(levels)}): kept numerical because their order "
                          "matters; choose categorical if they are codes")  # fmt: skip
    return ColumnSpec(name, Kind.NUMERICAL, reason=f"{prefix}all values are numbers")


def _string_spec(name, vc: pd.Series, full: pd.Series) -> ColumnSpec:
    """Kind of a column of strings that are neither booleans, numbers nor dates."""
    values, counts = vc.index, vc.to_numpy(dtype=float)
    n, k, words = counts.sum(), len(vc), _words(name)
    id_name = bool(words) and words[-1] in _ID_WORDS
    for pattern, what in ((_UUID, "UUIDs"), (_EMAIL, "e-mail addresses")):
        if values[:50].str.match(pattern).all() and values.str.match(pattern).all():
            return replace(_id_spec(name, full), reason=f"{what}: an identifier")
    mean_words = float(((np.asarray(values.str.count(r"\s+"), dtype=float) + 1) * counts).sum() / n)
    if k >= 0.5 * n and mean_words >= 3:
        return ColumnSpec(name, Kind.TEXT, reason=f"free text: {k / n:.0%} distinct values, "
                          f"{mean_words:.0f} words on average")  # fmt: skip
    if k == n and (n >= MIN_ROWS_UNIQUE or id_name or (words and words[-1] in _CODE_WORDS)):
        return _id_spec(name, full)
    if id_name and k > 50 and k >= 0.1 * n:
        return ColumnSpec(name, Kind.ID, reason=f"{k:,} distinct values in a column named "
                          "like an identifier")  # fmt: skip
    shown = ", ".join(repr(v[:30]) for v in values[:3]) + (", ..." if k > 3 else "")
    return ColumnSpec(name, Kind.CATEGORICAL, reason=f"{k:,} distinct values ({shown})")


def _infer_column(name, s: pd.Series, full: pd.Series, seen: dict) -> ColumnSpec:
    """The kind of one real column from its sample ``s`` (``full`` confirms rare cases).

    ``seen`` receives the column's value counts, so the comparison does not count again.
    """
    vc = seen[name] = counted(s, full)
    if vc is None:
        return ColumnSpec(name, Kind.CATEGORICAL, reason="empty in the real data")
    value = single_value(vc, full)
    if value is not None:
        return ColumnSpec(name, Kind.CATEGORICAL, reason=f"the same value ({value}) in every row")
    if pd.api.types.is_datetime64_any_dtype(s):
        return ColumnSpec(name, Kind.DATETIME, reason="values are dates and times")
    if pd.api.types.is_bool_dtype(s) or (native(s) and set(vc.index) <= {0, 1}):
        pair = "True/False" if pd.api.types.is_bool_dtype(s) else "0/1"
        return ColumnSpec(name, Kind.BOOLEAN, reason=f"2 distinct values ({pair})")
    n = int(vc.sum())
    if native(s):
        levels = np.sort(vc.index.to_numpy(dtype="float64"))
        return _numeric_spec(name, levels[~np.isnan(levels)], n, full, len(s), "")
    low = vc.index.str.lower()
    if low.isin(TRUE_WORDS | FALSE_WORDS).all():
        yes, no = (
            vc.index[low.isin(TRUE_WORDS)][:1].tolist(),
            vc.index[low.isin(FALSE_WORDS)][:1].tolist(),
        )
        pair = "/".join(no + yes if (yes + no)[0][:1].isdigit() else yes + no)
        return ColumnSpec(name, Kind.BOOLEAN, reason=f"{len(vc)} distinct values ({pair})")
    if isinstance(s.dtype, pd.CategoricalDtype):  # declared categories: not numbers or dates
        return _string_spec(name, vc, full)
    # Most frequent values first: when half of them are not numbers, 95 % of all cannot be.
    numeric_head = np.mean(~np.isnan(to_number(vc.index[:50]))) >= 0.5
    numbers = to_number(vc.index) if numeric_head else np.full(len(vc), np.nan)
    readable = ~np.isnan(numbers)
    if numeric_head and vc.to_numpy()[readable].sum() >= PARSE_SHARE * n:
        code = code_like(vc.index, numbers, readable)
        if code:
            spec = _string_spec(name, vc, full)
            return replace(spec, kind=Kind.ID if spec.kind is Kind.ID else Kind.CATEGORICAL,
                           reason=f"{code} are codes, not quantities; {spec.reason}")  # fmt: skip
        prefix = "numbers with thousands separators; " if vc.index.str.contains(",").any() else ""
        n_read = int(vc.to_numpy()[readable].sum())
        return _numeric_spec(name, np.unique(numbers[readable]), n_read, full, len(s), prefix)
    fmt, share, note = date_format(vc)
    if fmt is not None and share >= PARSE_SHARE:
        return ColumnSpec(name, Kind.DATETIME, fmt, f"dates written as {fmt}{note}")
    return _string_spec(name, vc, full)


_WHAT = {Kind.NUMERICAL: "numbers", Kind.DATETIME: "dates", Kind.BOOLEAN: "true/false values"}


def _side_check(col, spec: ColumnSpec, s: pd.Series, full: pd.Series, side: str, vc):
    """(conflict reason or None, note or None) for one side's values (counted: ``vc``)."""
    if vc is None:
        return None, None
    n, n_bad, examples = unreadable(s, spec.kind, spec.datetime_format, vc)
    if n_bad == 0:
        return None, None
    if len(s) < len(full):  # count exactly for the message; only for columns with a problem
        n, n_bad, examples = unreadable(full, spec.kind, spec.datetime_format)
    detail = (f"{n_bad:,} of {n:,} {side} values ({n_bad / n:.1%}) are not "
              f"{_WHAT[spec.kind]}, e.g. " + ", ".join(repr(e) for e in examples))  # fmt: skip
    if n_bad > (1 - PARSE_SHARE) * n:
        said = "in the real data" if side == "synthetic" else "in the schema"
        return f"{spec.kind.value} {said}, but {detail}", None
    return None, f"'{col}': {detail}; they count as missing."


def _labels_clash(rc: pd.Series, sc: pd.Series) -> str | None:
    """Reason when real and synthetic values (counted) share no level and one side is numbers."""
    rc, sc = rc.rename(index=str), sc.rename(index=str)
    # Python counts True and 1 as one value, so value_counts may label a level either way.
    same = {"True": "1", "False": "0"}
    if rc.index.map(lambda v: same.get(v, v)).isin(sc.index.map(lambda v: same.get(v, v))).any():
        return None
    r_num = np.mean(~np.isnan(to_number(rc.index)))
    s_num = np.mean(~np.isnan(to_number(sc.index)))
    sides = None
    if r_num < 1 - PARSE_SHARE and s_num >= PARSE_SHARE:
        sides = ("labels", "numbers")
    elif r_num >= PARSE_SHARE and s_num < 1 - PARSE_SHARE:
        sides = ("numbers", "labels")
    if sides is None:
        return None
    return (f"the real values are {sides[0]} (e.g. {rc.index[0]!r}) but the synthetic values "
            f"are {sides[1]} (e.g. {sc.index[0]!r})")  # fmt: skip


def check(real, synthetic, schema: Schema, real_sample=None, seen=None) -> Schema:
    """Compare both sides against the kinds in ``schema`` (see ``metrics.schema.compare``)."""
    real = dedupe(real)
    synthetic = None if synthetic is None else dedupe(synthetic)
    rs = _sample(real) if real_sample is None else real_sample
    ss = None if synthetic is None else _sample(synthetic)
    out = Schema([])
    if synthetic is not None:
        out.only_real = [c for c in real.columns if c not in synthetic.columns]
        out.only_synthetic = [c for c in synthetic.columns if c not in real.columns]
    for spec in schema.columns:
        col = spec.name
        if col not in real.columns or col in out.only_real:
            continue
        rvc = seen[col] if seen is not None and col in seen else counted(rs[col], real[col])
        conflict, note = _side_check(col, spec, rs[col], real[col], "real", rvc)
        if ss is not None and conflict is None:
            svc = counted(ss[col], synthetic[col])
            if svc is None and rvc is not None:
                out.notes.append(f"'{col}' is empty in the synthetic data.")
            conflict, synth_note = _side_check(col, spec, ss[col], synthetic[col], "synthetic", svc)
            note = " ".join(n for n in (note, synth_note) if n) or None
            if (
                conflict is None
                and spec.kind is Kind.CATEGORICAL
                and rvc is not None
                and svc is not None
            ):
                conflict = _labels_clash(rvc, svc)
        if conflict:
            out.conflicts[col] = conflict
            continue
        out.columns.append(spec)
        out.notes += [note] if note else []
        value = None if rvc is None else single_value(rvc, real[col])
        if rvc is None:
            out.empty.append(col)
        elif value is not None:
            out.constant[col] = value
    listed = set(schema.names())
    for col, why in schema.conflicts.items():  # no kind to re-check them with: keep the reason
        if col not in listed and col in real.columns and col not in out.only_real:
            out.conflicts.setdefault(col, why)
    out.primary_key = _primary_key(out, real, schema.primary_key)
    return out


def infer(real: pd.DataFrame, synthetic: pd.DataFrame | None = None) -> Schema:
    """Kinds of the real columns, checked against the synthetic side (``metrics.schema.infer``)."""
    real = dedupe(real)
    rs = _sample(real)
    seen: dict = {}
    specs = [_infer_column(col, rs[col], real[col], seen) for col in real.columns]
    return check(real, synthetic, Schema(specs), rs, seen)
