"""Declared constraints in SDV 2's vocabulary (``sdv.cag``), read, checked and made into rules.

SDV keeps constraints outside its metadata JSON; SynthLens reads them from a JSON file that is a
list of ``{"constraint_class": ..., "parameters": {...}}`` entries (or ``{"constraints": [...]}``;
SDV 1's ``constraint_parameters`` is read as ``parameters``). The classes and their parameters
follow ``sdv.cag``:

- ``FixedCombinations(column_names)``: only the combinations the real rows have;
- ``FixedIncrements(column_name, increment_value)``: every value a multiple of the increment;
- ``Inequality(low_column_name, high_column_name, strict_boundaries=False)``: low <= high;
- ``Range(low_column_name, middle_column_name, high_column_name, strict_boundaries=True)``;
- ``OneHotEncoding(column_names)``: exactly one 1 among the columns in every row.

``table_name`` is accepted and ignored (one table). Anything else that is wrong is a
:class:`ConstraintError` whose message says which constraint and what to fix.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from metrics.rules_core import Rule
from metrics.schema import Kind, listing

MAX_BYTES = 1_000_000  # a constraints file is a few hundred bytes per constraint
MAX_CONSTRAINTS = 500
NUMBERS = (Kind.NUMERICAL, Kind.DATETIME)

# class -> (required parameters, optional parameters with SDV 2's defaults)
CLASSES: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "FixedCombinations": (("column_names",), {}),
    "FixedIncrements": (("column_name", "increment_value"), {}),
    "Inequality": (("low_column_name", "high_column_name"), {"strict_boundaries": False}),
    "Range": (
        ("low_column_name", "middle_column_name", "high_column_name"),
        {"strict_boundaries": True},
    ),
    "OneHotEncoding": (("column_names",), {}),
}
_IGNORED = {"table_name"}


class ConstraintError(ValueError):
    """A constraints file or entry SynthLens cannot check; the message says what to fix."""


def read_constraints(text: str | bytes, columns: Mapping[str, Kind]) -> tuple[str, ...]:
    """Read a constraints JSON file and check it against the compared columns.

    Parameters
    ----------
    text:
        The file's content.
    columns:
        The compared columns and their kinds (``{c.name: c.kind for c in schema.columns}``).

    Returns
    -------
    tuple of str
        One canonical JSON string per constraint (defaults filled in, keys sorted, duplicates
        dropped), as ``Options.constraints`` holds them.

    Raises
    ------
    ConstraintError
        Too large, not JSON, not a list of constraints, an unknown class, a missing or unknown
        parameter, a column that is not compared or of the wrong kind.
    """
    if len(text) > MAX_BYTES:
        raise ConstraintError(
            f"the constraints file is {len(text) / 1e6:.1f} MB; SynthLens reads constraints "
            f"files up to {MAX_BYTES / 1e6:.0f} MB (a few hundred bytes per constraint)"
        )
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ConstraintError("the constraints file is not text (UTF-8 JSON)") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConstraintError(
            f"the constraints file is not valid JSON: {exc.msg} (line {exc.lineno}, "
            f"column {exc.colno})"
        ) from None
    except RecursionError:
        raise ConstraintError("the constraints file is nested too deeply to be read") from None
    if isinstance(data, dict) and "constraints" in data:
        data = data["constraints"]
    if not isinstance(data, list):
        raise ConstraintError(
            'the constraints file must be a list of {"constraint_class": ..., "parameters": '
            '{...}} entries (or {"constraints": [...]})'
        )
    if len(data) > MAX_CONSTRAINTS:
        raise ConstraintError(
            f"the constraints file has {len(data):,} constraints; SynthLens checks up to "
            f"{MAX_CONSTRAINTS}"
        )
    out = [canonical(entry, columns, f"constraint {i + 1}") for i, entry in enumerate(data)]
    return tuple(dict.fromkeys(out))


def canonical(entry: Any, columns: Mapping[str, Kind], where: str = "the constraint") -> str:
    """One constraint checked and written canonically (see :func:`read_constraints`)."""
    if not isinstance(entry, dict) or "constraint_class" not in entry:
        raise ConstraintError(f'{where} must be an object with a "constraint_class"')
    cls = entry["constraint_class"]
    if not isinstance(cls, str) or cls not in CLASSES:
        raise ConstraintError(
            f"{where}: {str(cls)[:60]!r} is not a constraint class SynthLens checks; use one of "
            + ", ".join(CLASSES)
        )
    where = f"{where} ({cls})"
    params = entry.get("parameters", entry.get("constraint_parameters", {}))
    if not isinstance(params, dict):
        raise ConstraintError(f'{where}: "parameters" must be an object')
    required, defaults = CLASSES[cls]
    unknown = sorted(set(params) - set(required) - set(defaults) - _IGNORED)
    if unknown:
        known = listing([*required, *defaults])
        raise ConstraintError(f"{where}: unknown parameter {listing(unknown)}; it takes {known}")
    missing = [p for p in required if p not in params]
    if missing:
        what = "the parameter" if len(missing) == 1 else "the parameters"
        verb = "is" if len(missing) == 1 else "are"
        raise ConstraintError(f"{where}: {what} {listing(missing)} {verb} missing")
    out = {**defaults, **{k: v for k, v in params.items() if k not in _IGNORED}}
    _check(cls, out, columns, where)
    return json.dumps({"constraint_class": cls, "parameters": out}, sort_keys=True)


def _names(value: Any, where: str, param: str, least: int) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConstraintError(f"{where}: {param} must be a list of column names")
    if len(value) < least:
        raise ConstraintError(f"{where}: {param} needs at least {least} columns")
    if len(set(value)) < len(value):
        raise ConstraintError(f"{where}: {param} names a column twice")
    return value


def _check(cls: str, params: dict[str, Any], columns: Mapping[str, Kind], where: str) -> None:
    if cls in ("FixedCombinations", "OneHotEncoding"):
        names = _names(params["column_names"], where, "column_names", 2)
    else:
        names = [params[p] for p in CLASSES[cls][0] if p.endswith("column_name")]
        if not all(isinstance(n, str) for n in names):
            raise ConstraintError(f"{where}: column names must be text")
        if len(set(names)) < len(names):
            raise ConstraintError(f"{where}: the same column is named twice")
    absent = [n for n in names if n not in columns]
    if absent:
        raise ConstraintError(
            f"{where}: {listing(absent)} {'is' if len(absent) == 1 else 'are'} not a compared "
            f"column of the data (columns: {listing(list(columns), 8)})"
        )
    if "strict_boundaries" in params and not isinstance(params["strict_boundaries"], bool):
        raise ConstraintError(f"{where}: strict_boundaries must be true or false")
    if cls == "FixedIncrements":
        step = params["increment_value"]
        if isinstance(step, bool) or not isinstance(step, int | float) or not math.isfinite(step) \
                or step <= 0:  # fmt: skip
            raise ConstraintError(f"{where}: increment_value must be a number above 0")
        if columns[names[0]] is not Kind.NUMERICAL:
            raise ConstraintError(
                f"{where}: '{names[0]}' is {columns[names[0]].value}; FixedIncrements needs a "
                "numerical column"
            )
    if cls in ("Inequality", "Range"):
        kinds = {columns[n] for n in names}
        wrong = [n for n in names if columns[n] not in NUMBERS]
        if wrong:
            raise ConstraintError(
                f"{where}: {listing(wrong)} {'is' if len(wrong) == 1 else 'are'} not numerical "
                f"or datetime; {cls} compares numbers or dates"
            )
        if len(kinds) > 1:
            raise ConstraintError(f"{where}: the columns must all be numbers or all be dates")
    if cls == "OneHotEncoding":
        wrong = [n for n in names if columns[n] in (Kind.ID, Kind.TEXT)]
        if wrong:
            raise ConstraintError(f"{where}: {listing(wrong)} cannot hold 0 and 1 (id or text)")


def describe(constraint: str, columns: Mapping[str, Kind] | None = None) -> str:
    """A canonical constraint in words, with its class: ``Inequality: lo is at most hi``."""
    return f"{json.loads(constraint)['constraint_class']}: {to_rule(constraint, columns).text}"


def to_rule(constraint: str, columns: Mapping[str, Kind] | None = None) -> Rule:
    """The :class:`Rule` a canonical constraint string checks (``columns`` word dates as
    dates: "on or before" rather than "at most")."""
    data = json.loads(constraint)
    cls, p = data["constraint_class"], data["parameters"]
    if cls == "Inequality":
        lo, hi, strict = p["low_column_name"], p["high_column_name"], p["strict_boundaries"]
        op = "<" if strict else "<="
        dates = columns is not None and columns.get(lo) is Kind.DATETIME
        word = ("before" if strict else "on or before") if dates else (
            "below" if strict else "at most")  # fmt: skip
        return Rule(f"declared:Inequality:{lo}{op}{hi}", "order", f"{lo} is {word} {hi}",
                    "declared", (lo, hi), strict=strict)  # fmt: skip
    if cls == "Range":
        cols = (p["low_column_name"], p["middle_column_name"], p["high_column_name"])
        op = "<" if p["strict_boundaries"] else "<="
        text = f"{cols[1]} lies {'strictly ' if op == '<' else ''}between {cols[0]} and {cols[2]}"
        return Rule(f"declared:Range:{op.join(cols)}", "range", text, "declared", cols,
                    strict=p["strict_boundaries"])  # fmt: skip
    if cls == "FixedIncrements":
        col, step = p["column_name"], float(p["increment_value"])
        shown = f"{step:g}"
        return Rule(f"declared:FixedIncrements:{col}%{shown}", "increment",
                    f"{col} is a multiple of {shown}", "declared", (col,), increment=step)  # fmt: skip
    cols = tuple(p["column_names"])
    if cls == "OneHotEncoding":
        return Rule(f"declared:OneHotEncoding:{','.join(cols)}", "onehot",
                    f"exactly one of {', '.join(cols)} is 1", "declared", cols)  # fmt: skip
    return Rule(f"declared:FixedCombinations:{','.join(cols)}", "combination",
                f"{', '.join(cols)} only take combinations the real data has", "declared", cols)  # fmt: skip


def declared_rules(
    constraints: tuple[str, ...], columns: Mapping[str, Kind]
) -> tuple[list[Rule], list[str]]:
    """The rules of ``Options.constraints`` that still fit the schema, and a note for each that
    no longer does (a column's kind was changed after the constraint was added)."""
    rules, notes = [], []
    for text in constraints:
        try:
            data = json.loads(text)
            rules.append(to_rule(canonical(data, columns, "declared constraint"), columns))
        except (ConstraintError, ValueError, KeyError, TypeError) as exc:
            notes.append(f"A declared constraint was not checked: {exc}.")
    return rules, notes


def constraints_json(constraints: tuple[str, ...]) -> str:
    """The declared constraints as a constraints file (the download on the Schema page)."""
    return json.dumps([json.loads(c) for c in constraints], indent=2)
