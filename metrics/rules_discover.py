"""Rules discovered from the real data: what held in all but at most 0.1% of the real rows.

Searched, within bounds (stated in :attr:`Discovery.searched`):

- an order between two number columns or two date columns (``start_date <= end_date``), when
  an independent pairing of their values would break it often (two columns whose ranges do not
  overlap obey any order trivially), without orders implied by two others (a <= b <= c);
- fixed increments: every value of a numerical column a multiple of a step coarser than the
  decimals it is written with (5, 100, 0.25), unlikely by chance;
- a column determined by one or two others (``city -> state``), the determinant repeating (at
  most half as many values as rows) and a shuffled dependent breaking it in many rows;
- fixed combinations of two or three categorical columns (:mod:`metrics.rules_relations`);
- a numerical column equal to the sum or difference of two or three others
  (:mod:`metrics.rules_sums`).

Candidates come from a seeded sample of at most :data:`SAMPLE_ROWS` real rows; each is then
verified on the real rows (a seeded sample of :data:`VERIFY_ROWS` beyond that). The same real
data and seed give the same rules, with ids that do not change between runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from metrics.encode import MISSING, Encoded, Side
from metrics.rules_core import Rule, broken, combined, keys, level_count, multiple_of
from metrics.rules_relations import discover_combinations, discover_determined, sample_keys
from metrics.rules_sums import breaks_on, decimal_resolution, discover_sums
from metrics.schema import Kind
from metrics.uncertainty import rng

TOLERANCE = 0.001  # share of real rows a discovered rule may break
SAMPLE_ROWS = 2_000
VERIFY_ROWS = 200_000
MAX_NUMERIC = 30
MAX_DISCRETE = 30
_STEPS = (5.0, 2.5, 2.0, 1.0)


@dataclass(frozen=True)
class Discovery:
    """The discovered rules and what was searched, in a sentence."""

    rules: tuple[Rule, ...] = ()
    searched: str = ""


def allowed(m: int) -> int:
    """Real rows a rule checked on ``m`` rows may break."""
    return int(math.floor(TOLERANCE * m))


def _sample_allowed(m: int) -> int:
    # The sample only proposes; a little slack so a rule at the tolerance is not missed there.
    return allowed(m) + 2


def _present(enc: Encoded, rule: Rule, side: Side) -> np.ndarray:
    ok = np.ones(side.n_rows, dtype=bool)
    for col in rule.columns:
        if col in side.numeric:
            ok &= ~np.isnan(side.numeric[col])
        elif col in side.codes:
            ok &= side.codes[col] != MISSING
    return ok


def real_breaks(enc: Encoded, rule: Rule) -> tuple[int, int]:
    """Rows of ``enc.real`` that break ``rule``, and rows where it could be checked."""
    return int(broken(enc, rule, enc.real).sum()), int(_present(enc, rule, enc.real).sum())


def _holds(venc: Encoded, rule: Rule) -> bool:
    """Whether a candidate holds on the verification rows (``venc.real``)."""
    if rule.kind == "combination":
        # The real rows define the combinations, so none breaks it; what matters is how often
        # a new row would bring an unseen one: the share of rows in combinations seen once.
        sizes = [level_count(venc, c) for c in rule.columns]
        key = combined([keys(venc, c, venc.real) for c in rule.columns], sizes)
        _, counts = np.unique(key[key >= 0], return_counts=True)
        return int((counts == 1).sum()) <= TOLERANCE * max(1, int((key >= 0).sum()))
    bad, m = real_breaks(venc, rule)
    return m >= 20 and bad <= allowed(m)


def _order_rules(enc: Encoded, names: list[str], sample: np.ndarray, venc: Encoded) -> list[Rule]:
    """``a <= b`` among columns of one kind, holding on the sample and beaten by chance pairing."""
    k = len(names)
    if k < 2:
        return []
    with np.errstate(invalid="ignore"):
        above = (sample[:, :, None] > sample[:, None, :]).sum(axis=0)
    ok = ~np.isnan(sample)
    both = ok.T.astype(np.int64) @ ok.astype(np.int64)
    holds = set()
    for i in range(k):
        for j in range(k):
            if i == j or both[i, j] < 20 or above[i, j] > _sample_allowed(both[i, j]):
                continue
            if above[j, i] <= _sample_allowed(both[i, j]):
                continue  # equal columns: no order between them to speak of
            lows, highs = sample[ok[:, i], i], np.sort(sample[ok[:, j], j])
            chance = np.searchsorted(highs, lows, side="left").sum() / (lows.size * highs.size)
            if chance * both[i, j] >= 10:  # an independent pairing would break it often
                holds.add((i, j))
    reduced = [
        (i, j) for i, j in holds if not any((i, m) in holds and (m, j) in holds for m in range(k))
    ]
    out = []
    for i, j in sorted(reduced):
        a, b = names[i], names[j]
        dates = enc.schema.kind_of(a) is Kind.DATETIME
        text = f"{a} is {'on or before' if dates else 'at most'} {b}"
        rule = Rule(f"order:{a}<={b}", "order", text, "discovered", (a, b))
        if _holds(venc, rule):
            out.append(rule)
    return out


def _increment_rule(col: str, values: np.ndarray, venc: Encoded, res: float) -> Rule | None:
    """The coarsest step every value is a multiple of, coarser than the column's decimals."""
    finite = values[np.isfinite(values)]
    distinct = np.unique(finite)
    if res <= 0 or distinct.size < 3 or not np.any(finite):
        return None
    top = math.floor(math.log10(np.max(np.abs(finite))))
    for exp in range(top, round(math.log10(res)) - 1, -1):
        for mult in _STEPS:
            step = float(f"{mult * 10.0**exp:.12g}")
            if step <= res * (1 + 1e-9) or (res / step) ** distinct.size > 1e-3:
                continue
            if (~multiple_of(finite, step)).sum() > _sample_allowed(finite.size):
                continue
            rule = Rule(f"increment:{col}%{step:g}", "increment",
                        f"{col} is a multiple of {step:g}", "discovered", (col,),
                        increment=step)  # fmt: skip
            return rule if _holds(venc, rule) else None
    return None


# long: the orchestration of the five searches and the sentence saying what was searched.
def discover(enc: Encoded, seed: int = 0) -> Discovery:
    """Rules the real rows of ``enc`` obey (see the module docstring).

    Parameters
    ----------
    enc:
        The encoded pair; only the real side and the schema are read (the Schema page passes
        the real data encoded against an empty synthetic table).
    seed:
        Seeds the candidate and verification samples (``Options.seed``).
    """
    n = enc.real.n_rows
    if n < 20:
        return Discovery((), f"No rules searched: {n} real rows are too few (20 needed).")
    gen = rng(seed, "rules", "sample")
    sample_rows = np.sort(gen.choice(n, SAMPLE_ROWS, replace=False)) if n > SAMPLE_ROWS else None
    venc = enc
    if n > VERIFY_ROWS:
        vrows = np.sort(rng(seed, "rules", "verify").choice(n, VERIFY_ROWS, replace=False))
        sub = enc.real.take(vrows)
        venc = replace(enc, real=sub, synthetic=sub, holdout=None)

    def pick(values: np.ndarray) -> np.ndarray:
        return values if sample_rows is None else values[sample_rows]

    real = enc.real

    def varies(col: str) -> bool:
        v = real.numeric[col] if col in real.numeric else real.codes.get(col)
        if v is None:
            return False
        v = pick(v)
        present = v[~np.isnan(v)] if v.dtype.kind == "f" else v[v >= 0]
        return present.size > 0 and bool(np.any(present != present[0]))

    numbers = [c for c in enc.schema.names(Kind.NUMERICAL, Kind.DATETIME) if varies(c)]
    skipped_numbers = max(0, len(numbers) - MAX_NUMERIC)
    numbers = numbers[:MAX_NUMERIC]
    numerical = [c for c in numbers if enc.schema.kind_of(c) is Kind.NUMERICAL]
    discrete = [c for c in enc.schema.names(Kind.CATEGORICAL, Kind.BOOLEAN) if varies(c)]
    skipped_discrete = max(0, len(discrete) - MAX_DISCRETE)
    discrete = discrete[:MAX_DISCRETE]
    found: list[Rule] = []
    n_pairs = 0
    for kind in (Kind.NUMERICAL, Kind.DATETIME):
        cols = [c for c in numbers if enc.schema.kind_of(c) is kind]
        n_pairs += len(cols) * (len(cols) - 1) // 2
        if cols:
            sample = np.column_stack([pick(real.numeric[c]) for c in cols])
            found += _order_rules(enc, cols, sample, venc)
    resolution = {c: decimal_resolution(pick(real.numeric[c]), TOLERANCE) for c in numerical}
    for col in numerical:
        rule = _increment_rule(col, pick(real.numeric[col]), venc, resolution[col])
        if rule is not None:
            found.append(rule)
    sample_keys_by = {c: sample_keys(pick(real.numeric[c])) for c in numbers}
    sample_keys_by |= {c: sample_keys(pick(real.codes[c])) for c in discrete}
    related_cols = [c for c in enc.schema.names() if c in sample_keys_by]
    det_rules, det_checks = discover_determined(
        related_cols, sample_keys_by, _sample_allowed, rng(seed, "rules", "shuffle"),
        lambda r: _holds(venc, r),
    )  # fmt: skip
    found += det_rules
    related = {frozenset(r.columns) for r in det_rules}
    combo_rules, combos = discover_combinations(
        discrete, sample_keys_by, related, lambda r: _holds(venc, r)
    )
    found += combo_rules
    m = len(sample_rows) if sample_rows is not None else n
    sample_values = {c: pick(real.numeric[c]) for c in numerical}
    shuffle_gen = rng(seed, "rules", "sum-shuffle")

    def shuffled_breaks(rule: Rule) -> float:
        values = dict(sample_values)
        values[rule.columns[0]] = shuffle_gen.permutation(values[rule.columns[0]])
        return float(breaks_on(values, m, rule).mean())

    sum_rules, n_sums = discover_sums(
        numerical,
        np.column_stack([sample_values[c] for c in numerical]) if numerical else np.empty((m, 0)),
        lambda r: _holds(venc, r), shuffled_breaks, resolution, rng(seed, "rules", "fingerprint"),
    )  # fmt: skip
    found += sum_rules
    where = (
        f"all {n:,} real rows"
        if sample_rows is None
        else f"a seeded sample of {SAMPLE_ROWS:,} of the {n:,} real rows, each rule then "
        f"verified on {'all real rows' if n <= VERIFY_ROWS else f'a seeded sample of {VERIFY_ROWS:,}'}"
    )
    capped = ""
    if skipped_numbers or skipped_discrete:
        capped = (f" The first {MAX_NUMERIC} number/date and {MAX_DISCRETE} categorical columns "
                  f"were searched; {skipped_numbers + skipped_discrete} more were not.")  # fmt: skip
    searched = (
        f"Searched {where} for rules that hold in all but 0.1% of them: orders in {n_pairs:,} "
        f"pairs of number or date columns, fixed increments in {len(numerical)} numerical "
        f"columns, {det_checks:,} column-determined-by-one-or-two-others checks over "
        f"{len(related_cols)} columns, {combos:,} combinations of two or three of "
        f"{len(discrete)} categorical columns, and {n_sums:,} signed sums of three or four of "
        f"{len(numerical)} numerical columns.{capped}"
    )
    return Discovery(tuple(found), searched)
