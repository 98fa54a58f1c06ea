"""One details row per column, where a column that fails gets its error in its row."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from metrics.results import Finding
from metrics.schema import Kind

Measure = Callable[[str, Kind], tuple[dict[str, Any], Finding | None]]


def columnwise(
    columns: Iterable[tuple[str, Kind]],
    measure: Measure,
    defaults: dict[str, Any] | None = None,
    skip: str | None = None,
) -> tuple[list[dict[str, Any]], list[Finding]]:
    """Rows ``{column, kind, **defaults, **measured, error}`` and the findings measured.

    ``measure(column, kind)`` returns the row's values and a finding (or None); an exception
    becomes that column's ``error`` so one bad column never aborts the others. ``skip``, when
    given, is every row's error and nothing is measured (no rows on one side...).
    """
    rows, findings = [], []
    for col, kind in columns:
        row: dict[str, Any] = {"column": col, "kind": str(kind), **(defaults or {}), "error": skip}
        if skip is None:
            try:
                got, finding = measure(col, kind)
                row.update(got)
                if finding:
                    findings.append(finding)
            except Exception as exc:  # noqa: BLE001 - one bad column must not abort the others
                row["error"] = f"{type(exc).__name__}: {exc}"
        rows.append(row)
    return rows, findings
