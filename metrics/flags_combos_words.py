"""Row flags, reason ``implausible_combination``: the sentences (see :mod:`metrics.flags_combos`)."""

from __future__ import annotations

import numpy as np

from metrics.encode import MISSING, Encoded, Side
from metrics.marginal_words import fmt_value

TAIL = 0.01  # the sentence's bound: the real rows' 1st or 99th percentile of y in the x bin


class Words:
    """A flagged row's sentence: its two values, and what real rows in its x bin have."""

    def __init__(
        self, enc: Encoded, real: Side, pairs: list, partners: dict, placed: dict, bins: dict
    ) -> None:
        self.enc, self.real, self.pairs, self.partners = enc, real, pairs, partners
        self.placed, self.bins = placed, bins
        self.tails: dict[tuple[str, str], np.ndarray] = {}
        self.bounds: dict[tuple[int, int, bool], str] = {}
        self.kinds = {c: enc.schema.kind_of(c) for c in enc.analysed}

    def _tail(self, y: str, x: str) -> np.ndarray:
        """Per bin of x: the real rows' TAIL and 1 - TAIL quantiles of y (computed once)."""
        if (y, x) not in self.tails:
            p = self.partners[x]
            v = self.real.numeric[y]
            b = self.placed[x][0]
            out = np.full((p.n_bins, 2), np.nan)
            for k in range(p.n_bins):
                in_bin = v[(b == k) & np.isfinite(v)]
                if len(in_bin):
                    out[k] = np.quantile(in_bin, [TAIL, 1.0 - TAIL])
            self.tails[(y, x)] = out
        return self.tails[(y, x)]

    def _cell(self, col: str, r: int) -> str:
        syn = self.enc.synthetic
        if col in syn.codes:
            code = int(syn.codes[col][r])
            label = "missing" if code == MISSING else self.enc.categories[col][code]
            return f"{col} = '{label}'"
        return f"{col} {fmt_value(float(syn.numeric[col][r]), self.kinds[col])}"

    def _bound(self, j: int, k: int, below: bool) -> str:
        """What real rows in bin ``k`` of pair ``j`` have, on the side the row breaks."""
        if (j, k, below) not in self.bounds:
            y, x = self.pairs[j]
            low, high = self._tail(y, x)[k]
            kind = self.kinds[y]
            bound = (f"{y} of {fmt_value(low, kind)} or more" if below
                     else f"{y} of {fmt_value(high, kind)} or less")  # fmt: skip
            self.bounds[(j, k, below)] = (
                f"{1.0 - TAIL:.0%} of real rows with {self.partners[x].words[k]} have {bound}"
            )
        return self.bounds[(j, k, below)]

    def text(self, r: int, j: int, residual: float) -> str:
        y, x = self.pairs[j]
        k = int(self.bins[x][0][r])
        return f"{self._cell(x, r)} with {self._cell(y, r)}: {self._bound(j, k, residual < 0)}"
