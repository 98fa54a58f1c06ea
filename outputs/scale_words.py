"""What a large-data run measured over every row and what came from its sample, for the JSON
and HTML reports (``Assessment.scale``; absent on the in-memory pandas run)."""

from __future__ import annotations

from typing import Any

from metrics.scale_info import ScaleInfo
from metrics.suite import Assessment
from outputs.html_parts import count, e, table


def computed_on(a: Assessment, metric: str) -> str:
    """``"all rows"`` or ``"sample"`` for one metric of the run."""
    s = a.scale
    if s is None or metric in s.exact or not s.sampled_any:
        return "all rows"
    return "sample"


def scale_dict(a: Assessment) -> dict[str, Any] | None:
    """The JSON report's ``scale`` section (None for the in-memory run)."""
    s: ScaleInfo | None = a.scale
    if s is None:
        return None
    copies = s.copies
    return {
        "engine": s.engine,
        "rows": dict(s.rows),
        "sample_rows": dict(s.sample_rows),
        "sample_limit": s.sample_limit,
        "seed": s.seed,
        "exact_over_all_rows": list(s.exact),
        "from_sample": list(s.sampled) if s.sampled_any else [],
        "sketched_columns": {c: {"bound": b} for c, b in s.sketched.items()},
        "exact_copies": None
        if copies is None
        else {
            "copies": copies.exact_copies,
            "synthetic_rows": copies.n_synthetic,
            "rate": copies.exact_copy_rate,
            "natural_rate": copies.natural_rate,
            "baseline": copies.baseline,
        },
        "notes": dict(s.notes),
        "summary": s.sample_words(),
        "timings_seconds": dict(s.timings),
    }


def scale_html(a: Assessment) -> str:
    """The HTML report's paragraph and table on how the run was made ("" in memory)."""
    s = a.scale
    if s is None:
        return ""
    rows = [[e(role), count(n), count(s.sample_rows.get(role, n))] for role, n in s.rows.items()]
    parts = [
        f"<p>{e(s.sample_words())}</p>",
        table(["Role", "Rows in the file", "Rows in the sample"], rows, (1, 2)),
    ]
    if s.sketched:
        names = ", ".join(f"{e(c)} (within {b:.3f})" for c, b in s.sketched.items())
        parts.append(
            "<p class='muted'>Column shapes from a quantile sketch (more distinct values than "
            f"are counted exactly), each within its bound of the exact score: {names}. A sketch "
            "compacts at random, so these scores can move within their bound between runs.</p>"
        )
    if s.copies is not None:
        c = s.copies
        parts.append(
            f"<p>Exact copies over all rows: {count(c.exact_copies)} of "
            f"{count(c.n_synthetic)} synthetic rows ({c.exact_copy_rate:.4%}); natural rate "
            f"{c.natural_rate:.4%} ({e(c.baseline)}).</p>"
        )
    for metric, note in s.notes.items():
        parts.append(f"<p class='muted'>{e(metric.replace('_', ' ').capitalize())}: {e(note)}</p>")
    return "".join(parts)


__all__ = ["computed_on", "scale_dict", "scale_html"]
