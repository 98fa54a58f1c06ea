"""Row flags: the per-row table, one row per flagged synthetic row (see :mod:`metrics.flags`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.flags_kinds import KINDS, Events

MAX_REASONS = 3


def flag_table(ev: Events) -> pd.DataFrame:
    """One row per flagged synthetic row: its kinds, highest score, surest reasons first, the
    stability of its most stable reason, and ``columns``: the columns that explain its flags
    (a tuple, those of the surest reason first)."""
    if not ev.parts:
        return pd.DataFrame({"row": np.array([], np.int64), "kinds": [], "score": [], "reason": [],
                             "stability": [], "runs": np.array([], np.int64),
                             "columns": []})  # fmt: skip
    rows = np.concatenate([p[0] for p in ev.parts])
    kind = np.concatenate([np.full(len(p[0]), p[1]) for p in ev.parts])
    score = np.concatenate([p[3] for p in ev.parts])
    texts = [t for p in ev.parts for t in p[4]]
    hits = np.concatenate([p[5] for p in ev.parts])
    runs = np.concatenate([p[6] for p in ev.parts])
    cols = [c for p in ev.parts for c in p[7]]
    # A check without a seed flags the row every time: stability 1, ahead of 5 of 5 runs.
    stab = np.where(runs > 0, hits / np.maximum(runs, 1), 1.0)
    order = np.lexsort((-score, rows))
    rows, kind, score = rows[order], kind[order], score[order]
    stab, runs = stab[order], runs[order]
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    ends = np.r_[starts[1:], len(rows)]
    bits = np.bitwise_or.reduceat(1 << kind, starts)
    reasons, stability, made = [], np.empty(len(starts)), np.empty(len(starts), np.int64)
    explained = []
    for j, (s, e) in enumerate(zip(starts, ends, strict=True)):
        explained.append(tuple(dict.fromkeys(c for i in range(s, e) for c in cols[order[i]])))
        parts = [texts[order[i]] for i in range(s, min(e, s + MAX_REASONS))]
        more = [f"and {e - s - MAX_REASONS} more"] if e - s > MAX_REASONS else []
        reasons.append("; ".join(parts + more))
        best = s + int(np.lexsort((runs[s:e] > 0, -stab[s:e]))[0])
        stability[j], made[j] = stab[best], runs[best]
    table = pd.DataFrame(
        {
            "row": rows[starts],
            "kinds": [[k for i, k in enumerate(KINDS) if b >> i & 1] for b in bits],
            "score": score[starts],  # sorted by score within a row: the first is the highest
            "reason": reasons,
            "stability": stability,
            "runs": made,
            "columns": explained,
        }
    )
    order = np.lexsort((table["row"].to_numpy(), -table["score"].to_numpy()))
    return table.iloc[order].reset_index(drop=True)
