"""Privacy risk as attacks: singling out, linkability and attribute inference (issue 14).

Each attack is run against the training rows (``enc.real``) and, with the same attacker, against
control rows the generator never saw (``enc.holdout``); the attacker only reads
``enc.synthetic``. The definitions follow anonymeter 1.1 (Giomi et al., PoPETs 2023) so the
numbers compare with it:

- a success rate ``k / n`` has anonymeter's Wilson estimate: centre ``(k + z^2/2) / (n + z^2)``
  and half-width ``z / (n + z^2) * sqrt(k (n - k) / n + z^2 / 4)`` (``stats/confidence.py``);
- the risk is ``(train - control) / (1 - control)`` on those centres, its error propagated from
  both rates, the value and interval clipped to [0, 1] as anonymeter reports them;
- a random-guess baseline attack is run too: an attack no better than its baseline says nothing.

Differences from anonymeter, all stated in the result's note where they apply: multivariate
singling out stops after ``MAX_ATTEMPTS_PER_ATTACK * n_attacks`` attempts (anonymeter: 10
million); when training and control sizes differ, singling out is scored on a random subset of
the larger side of the smaller side's size (anonymeter fits a size-correction curve); a numeric
secret is inferred when ``|guess - secret| <= 0.05 |guess|`` (anonymeter divides by the signed
guess, which counts every negative guess as a success); dates are searched as numbers (range-
scaled; anonymeter compares them as labels) and a date secret must be guessed exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from metrics import attacks_singling as so
from metrics.attacks_gower import nearest_gower, scale_numeric
from metrics.encode import MISSING, Encoded, Side
from metrics.schema import Kind
from metrics.uncertainty import rng, z_value

N_ATTACKS = 2000
MAX_ATTEMPTS_PER_ATTACK = 100
INFERENCE_TOLERANCE = 0.05  # anonymeter's relative tolerance for a numeric secret
MAX_SECRETS = 10  # secrets tried in turn when none is chosen
NO_BETTER = "the attack does no better than its random baseline"
# Where control records may be guessed right this often (the control rate's interval reaches
# it) an attack without evidence of risk says nothing: the risk's denominator 1 - control
# vanishes and its interval spans most of [0, 1] whatever the training rows give. Such a result
# is reported but not counted (``informative`` False).
MAX_CONTROL_RATE = 0.9
UNINFORMATIVE = (
    f"control records may be guessed right {MAX_CONTROL_RATE:.0%} of the time or more and "
    "training records do no better beyond noise, so the attack cannot show what the synthetic "
    "data adds: reported, not counted"
)


@dataclass(frozen=True)
class AttackResult:
    """One attack's outcome on training rows against control rows.

    ``risk`` is ``(train - control) / (1 - control)`` on anonymeter's Wilson estimates, clipped at
    0; ``interval`` its 95% (by default) interval. Rates are raw shares ``k / n``; their intervals
    are Wilson intervals.
    """

    attack: str  # "singling_out" | "linkability" | "inference"
    risk: float
    interval: tuple[float, float]
    train_rate: float
    control_rate: float
    baseline_rate: float
    train_interval: tuple[float, float]
    control_interval: tuple[float, float]
    n_attacks: int
    columns: tuple[str, ...]
    note: str = ""
    by_secret: tuple[AttackResult, ...] = ()
    informative: bool = True  # False: no evidence of risk and control rates near 1 (see above)

    def to_dict(self) -> dict:
        """The JSON shape of ``privacy.attacks.<attack>``."""
        out = {
            "risk": self.risk,
            "interval": list(self.interval),
            "train_rate": self.train_rate,
            "control_rate": self.control_rate,
            "baseline_rate": self.baseline_rate,
            "n_attacks": self.n_attacks,
            "columns": list(self.columns),
            "note": self.note,
            "informative": self.informative,
        }
        if self.by_secret:
            out["by_secret"] = [r.to_dict() for r in self.by_secret]
        return out


def success_rate(k: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """anonymeter's ``success_rate``: the Wilson centre and half-width of ``k`` successes in ``n``."""
    z = z_value(confidence)
    z2 = z * z
    den = n + z2
    centre = (k + 0.5 * z2) / den
    error = (z / den) * np.sqrt(max(k * (n - k) / n, 0.0) + 0.25 * z2)
    return float(centre), float(error)


def _bound(value: float, error: float) -> tuple[float, tuple[float, float]]:
    def clip(x: float) -> float:
        return float(min(max(x, 0.0), 1.0))

    return clip(value), (clip(value - error), clip(value + error))


def result(
    attack: str,
    counts: tuple[float, float, float],
    sizes: tuple[int, int, int],
    columns: Sequence[str],
    note: str = "",
    confidence: float = 0.95,
) -> AttackResult:
    """An :class:`AttackResult` from success counts and attack numbers (train, control, baseline)."""
    (k_t, k_c, k_b), (n_t, n_c, n_b) = counts, sizes
    t, c, b = (success_rate(k, n, confidence) for k, n in zip(counts, sizes, strict=True))
    der_t = 1.0 / abs(1.0 - c[0])
    der_c = (t[0] - 1.0) / (1.0 - c[0]) ** 2
    residual = (t[0] - c[0]) / (1.0 - c[0])
    risk, interval = _bound(residual, float(np.hypot(t[1] * der_t, c[1] * der_c)))
    if b[0] >= t[0]:
        note = "; ".join(filter(None, [NO_BETTER, note]))
    # Evidence of a risk always counts; otherwise the control rate's interval must stay below
    # MAX_CONTROL_RATE for the attack to be able to show one.
    informative = interval[0] > 0 or _bound(*c)[1][1] < MAX_CONTROL_RATE
    if not informative:
        note = "; ".join(filter(None, [note, UNINFORMATIVE]))
    return AttackResult(
        attack=attack,
        risk=risk,
        interval=interval,
        train_rate=k_t / n_t if n_t else 0.0,
        control_rate=k_c / n_c if n_c else 0.0,
        baseline_rate=k_b / n_b if n_b else 0.0,
        train_interval=_bound(*t)[1],
        control_interval=_bound(*c)[1],
        n_attacks=n_t,
        columns=tuple(columns),
        note=note,
        informative=informative,
    )


def _holdout(enc: Encoded) -> Side:
    if enc.holdout is None:
        # Without control rows a success rate cannot be told from what any sample of the
        # population gives away: never a risk without its control.
        raise ValueError("privacy attacks need a holdout (control rows the generator never saw)")
    return enc.holdout


def _table(enc: Encoded, side: Side, columns: Sequence[str]) -> so.Table:
    """Columns as float arrays: numbers as they are, categories as codes; NaN where missing."""
    out = []
    for col in columns:
        if col in side.codes:
            codes = side.codes[col].astype(np.float64)
            codes[side.codes[col] == MISSING] = np.nan
            out.append(codes)
        else:
            out.append(side.numeric[col].astype(np.float64))
    return out


def _unique_rows(table: so.Table) -> so.Table:
    """anonymeter drops duplicate rows of every side before singling out."""
    keep = ~pd.DataFrame({i: v for i, v in enumerate(table)}).duplicated().to_numpy()
    return [v[keep] for v in table]


# long: mostly its numpy-style docstring and the size-matching of training and control.
def singling_out(
    enc: Encoded,
    n_attacks: int = N_ATTACKS,
    seed: int = 0,
    n_cols: int = 3,
    mode: str = "multivariate",
    confidence: float = 0.95,
) -> AttackResult:
    """Singling out: predicates built from synthetic rows that isolate exactly one record.

    Parameters
    ----------
    enc:
        The encoded pair; must have a holdout.
    n_attacks:
        Predicates wanted (the denominator of the rates, as in anonymeter, even when fewer could
        be built).
    n_cols:
        Conditions per predicate in ``"multivariate"`` mode (``"univariate"`` uses one).
    """
    if mode not in ("multivariate", "univariate"):
        raise ValueError("mode must be 'multivariate' or 'univariate'")
    columns = enc.analysed
    is_cat = [c not in enc.continuous for c in columns]
    gen = rng(seed, "attacks", "singling_out", mode)
    syn = _unique_rows(_table(enc, enc.synthetic, columns))
    train = _unique_rows(_table(enc, enc.real, columns))
    control = _unique_rows(_table(enc, _holdout(enc), columns))
    notes = []
    if mode == "univariate":
        preds, k = so.univariate(syn, is_cat, n_attacks, gen), 1
    else:
        limit = MAX_ATTEMPTS_PER_ATTACK * n_attacks
        preds, attempts = so.multivariate(syn, is_cat, n_attacks, n_cols, gen, limit)
        k = min(n_cols, len(columns))
    if len(preds[0]) < n_attacks:
        notes.append(
            f"only {len(preds[0]):,} of {n_attacks:,} predicates single out the synthetic data"
        )
    baseline = so.random_baseline(syn, is_cat, n_attacks, k, gen)
    n_t, n_c = len(train[0]), len(control[0])
    if n_t != n_c:
        # Singling out is easier in a smaller table: compare equal sizes.
        keep = np.sort(gen.choice(max(n_t, n_c), size=min(n_t, n_c), replace=False))
        if n_t > n_c:
            train = [v[keep] for v in train]
        else:
            control = [v[keep] for v in control]
        notes.append(f"scored on {min(n_t, n_c):,} rows of each of training and control")
    k_t = _singled_out(train, preds, gen)
    k_c = _singled_out(control, preds, gen)
    k_b = _singled_out(train, baseline, gen)
    used = sorted({columns[c] for c in np.unique(preds[0])}, key=columns.index)
    note = f"{mode} on {k} column{'s' if k > 1 else ''}; " + "; ".join(notes)
    return result(
        "singling_out",
        (k_t, k_c, k_b),
        (n_attacks, n_attacks, n_attacks),
        used,
        note.strip("; "),
        confidence,
    )


def _singled_out(table: so.Table, preds: so.Predicates, gen: np.random.Generator) -> int:
    """How many predicates match exactly one row of ``table``."""
    n = len(table[0])
    pick = gen.choice(n, size=min(so.SCREEN_ROWS, n), replace=False)
    maybe = np.flatnonzero(so.screen(np.stack([v[pick] for v in table]), preds))
    counts = so.count_matches(so.Index(table), tuple(p[maybe] for p in preds))  # type: ignore[arg-type]
    return int((counts == 1).sum())


def _gower_tables(enc: Encoded, columns: Sequence[str], sides: Sequence[Side]) -> list[so.Table]:
    """Each side's columns for the Gower search: numbers over their range (all sides given),
    categories as codes with missing as one more level."""
    out: list[so.Table] = [[] for _ in sides]
    for col in columns:
        if col in enc.continuous:
            span = scale_numeric([s.numeric[col] for s in sides])
            for t, s in zip(out, sides, strict=True):
                t.append(s.numeric[col] / span)
        else:
            for t, s in zip(out, sides, strict=True):
                t.append(s.codes[col].astype(np.float64))
    return out


def _targets(gen: np.random.Generator, side: Side, n: int) -> np.ndarray:
    return np.sort(gen.choice(side.n_rows, size=n, replace=False))


def linkability(
    enc: Encoded,
    n_attacks: int = N_ATTACKS,
    seed: int = 0,
    aux_cols: tuple[Sequence[str], Sequence[str]] | None = None,
    n_neighbors: int = 1,
    confidence: float = 0.95,
) -> AttackResult:
    """Linkability: the attacker holds two disjoint column sets of a record and links them when
    both lead to a common synthetic row among their ``n_neighbors`` nearest (Gower) rows.

    ``aux_cols`` defaults to the analysed columns split into first and second halves in file order.
    """
    hold = _holdout(enc)
    cols = enc.analysed
    first, second = aux_cols or (cols[: len(cols) // 2], cols[len(cols) // 2 :])
    if not first or not second:
        raise ValueError("linkability needs two non-empty column sets")
    gen = rng(seed, "attacks", "linkability")
    n = min(n_attacks, enc.real.n_rows, hold.n_rows)
    t_rows, c_rows = _targets(gen, enc.real, n), _targets(gen, hold, n)
    links = []
    for side, rows in ((enc.real, t_rows), (hold, c_rows)):
        found = []
        for half in (first, second):
            syn, tgt = _gower_tables(enc, half, [enc.synthetic, side, enc.real, hold])[:2]
            is_cat = [c not in enc.continuous for c in half]
            found.append(nearest_gower([v[rows] for v in tgt], syn, is_cat, k=n_neighbors)[0])
        links.append(int(_linked(*found).sum()))
    n_syn = enc.synthetic.n_rows
    k = min(n_neighbors, n_syn)
    rand = [np.array([gen.choice(n_syn, size=k, replace=False) for _ in range(n)]) for _ in "ab"]
    k_b = int(_linked(*rand).sum())
    note = f"columns split into {len(first)} and {len(second)}; {n_neighbors} neighbour(s)"
    return result(
        "linkability", (links[0], links[1], k_b), (n, n, n), [*first, *second], note, confidence
    )


def _linked(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per attack, whether the two neighbour lists share a synthetic row."""
    return (a[:, :, None] == b[:, None, :]).any(axis=(1, 2))


def _inferred(enc: Encoded, secret: str, guess: np.ndarray, truth: np.ndarray) -> np.ndarray:
    both_missing = np.isnan(guess) & np.isnan(truth)
    if enc.schema.kind_of(secret) is Kind.NUMERICAL:
        # Dates are matched exactly, as anonymeter matches non-numeric columns: 5% of a
        # timestamp since 1970 would be years.
        hit = np.abs(guess - truth) <= INFERENCE_TOLERANCE * (np.abs(guess) + 1e-12)
    else:
        hit = guess == truth
    return hit | both_missing


def default_secrets(enc: Encoded, limit: int = MAX_SECRETS) -> list[str]:
    """Each analysed column in turn, in file order, up to ``limit`` (stated in the result)."""
    return enc.analysed[:limit]


# long: one search per side serves every secret; splitting it would pass eight arrays around.
def inference(
    enc: Encoded,
    secrets: Sequence[str] | None = None,
    n_attacks: int = N_ATTACKS,
    seed: int = 0,
    aux_cols: Sequence[str] | None = None,
    confidence: float = 0.95,
) -> AttackResult:
    """Attribute inference: the attacker knows ``aux_cols`` (default: every analysed column but
    the secret) and guesses the secret from the nearest (Gower) synthetic row; a success when
    equal for a category, within anonymeter's 5% relative tolerance for a number.

    Returns the riskiest secret's result (largest upper bound) with one result per secret in
    ``by_secret``.
    """
    hold = _holdout(enc)
    secrets = list(secrets) if secrets else default_secrets(enc)
    gen = rng(seed, "attacks", "inference")
    n = min(n_attacks, enc.real.n_rows, hold.n_rows)
    n_b = min(n, enc.synthetic.n_rows)
    rows = {"train": _targets(gen, enc.real, n), "control": _targets(gen, hold, n)}
    base_syn = gen.choice(enc.synthetic.n_rows, size=n_b, replace=False)
    sides = {"train": enc.real, "control": hold}
    guesses: dict[str, dict[str, np.ndarray]] = {"train": {}, "control": {}}
    if aux_cols is None:
        cols = enc.analysed
        groups = [(cols, secrets)]
    else:
        groups = [([c for c in aux_cols if c != s], [s]) for s in secrets]
    for cols, group in groups:
        syn, real, hol = _gower_tables(enc, [*cols, *group], [enc.synthetic, enc.real, hold])
        used = [*cols, *group]
        is_cat = [c not in enc.continuous for c in used]
        drop = [used.index(s) for s in group] if aux_cols is None else [len(cols)]
        search = syn[: len(used)] if aux_cols is None else syn[: len(cols)]
        for name, table in (("train", real), ("control", hol)):
            q = [v[rows[name]] for v in table[: len(search)]]
            leave = drop if aux_cols is None else [None]
            idx = nearest_gower(q, search, is_cat[: len(search)], leave_out=leave)[:, :, 0]
            for s, hit in zip(group, idx, strict=True):
                guesses[name][s] = _table(enc, enc.synthetic, [s])[0][hit]
    per_secret = []
    for s in secrets:
        truth = {k: _table(enc, sides[k], [s])[0][rows[k]] for k in rows}
        k_t = int(_inferred(enc, s, guesses["train"][s], truth["train"]).sum())
        k_c = int(_inferred(enc, s, guesses["control"][s], truth["control"]).sum())
        syn_s = _table(enc, enc.synthetic, [s])[0][base_syn]
        k_b = int(_inferred(enc, s, syn_s, truth["train"][:n_b]).sum())
        aux = [c for c in (aux_cols or enc.analysed) if c != s]
        per_secret.append(
            result("inference", (k_t, k_c, k_b), (n, n, n_b), [*aux, s], f"secret {s}", confidence)
        )
    # The riskiest secret among those that can show a risk (see MAX_CONTROL_RATE).
    pool = [r for r in per_secret if r.informative] or per_secret
    worst = max(pool, key=lambda r: (r.interval[1], r.risk))
    note = f"riskiest of {len(secrets)} secret column(s): {worst.note.removeprefix('secret ')}"
    if len(secrets) == MAX_SECRETS and secrets == default_secrets(enc):
        note += f" (the first {MAX_SECRETS} columns were tried in turn)"
    left = len(per_secret) - sum(r.informative for r in per_secret)
    if left and any(r.informative for r in per_secret):
        note += f"; {left} secret(s) left out: control records may be guessed right {MAX_CONTROL_RATE:.0%} of the time or more"
    return replace(worst, note=note, columns=tuple(secrets), by_secret=tuple(per_secret))
