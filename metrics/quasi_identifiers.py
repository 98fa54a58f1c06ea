"""Quasi-identifiers: real records singled out by a few columns, and what the synthetic data says.

Quasi-identifiers (QIs) are columns an attacker can learn elsewhere (age, sex, postcode...);
sensitive columns are the ones they must not learn. Given both, on the shared encoding:

- **Unique exact matches** (NIST SDNist's measure): of the real records unique on their QIs
  (no other real row has the same QI combination), the share whose combination some synthetic
  row reproduces exactly. Such a synthetic row points at one real person.
- **Small groups** (k-anonymity, ``k`` = :data:`K` by default): the share of synthetic rows
  whose QI combination matches at least one and fewer than ``k`` real records. Rows matching
  no real record point at nobody and are counted apart (``unmatched``).
- **Diversity** (l-diversity style), per sensitive column: for each small-group synthetic row,
  the number of distinct values the column takes among the real records it matches (missing
  counts as one value). A group with one value discloses it to whoever knows the QIs.

QI combinations are compared through the 64-bit hashes of :mod:`metrics.near_hashes` over the
QI columns only (missing equals missing), and every synthetic-to-real match is confirmed on the
values. Counts use every row; intervals are Wilson's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from metrics.encode import Encoded
from metrics.near_hashes import cell_hash, multipliers, row_hash, same_on
from metrics.uncertainty import wilson

K = 5
Interval = tuple[float, float]


@dataclass(frozen=True)
class Diversity:
    """Distinct values of one sensitive column among the real records matching each
    small-group synthetic row (``distinct`` aligned with ``QuasiIdentifiers.small_rows``)."""

    column: str
    distinct: np.ndarray
    single: int  # small-group rows whose matching records share one value
    single_share: float
    mean_distinct: float


@dataclass(frozen=True)
class QuasiIdentifiers:
    """Unique exact matches, small groups and sensitive diversity (see the module docstring).

    Attributes
    ----------
    matches:
        Per synthetic row, the number of real records with its QI combination.
    small_rows:
        Synthetic rows matching at least one and fewer than ``k`` real records.
    unique_records:
        Real rows unique on their QIs; ``reproduced`` marks those a synthetic row matches.
    """

    columns: tuple[str, ...]
    sensitive: tuple[str, ...]
    k: int
    n_real: int
    n_synthetic: int
    unique_records: np.ndarray
    reproduced: np.ndarray
    n_unique: int
    unique_matched: int
    unique_match_share: float
    unique_match_interval: Interval | None
    matches: np.ndarray
    small_rows: np.ndarray
    small: int
    small_share: float
    small_interval: Interval | None
    unmatched: int
    unmatched_share: float
    diversity: tuple[Diversity, ...]


def _check(enc: Encoded, columns: list[str], sensitive: list[str]) -> None:
    unknown = [c for c in [*columns, *sensitive] if c not in enc.analysed]
    if unknown:
        raise ValueError(f"Not analysed columns (id and text are not compared): {unknown}")
    if not columns:
        raise ValueError("At least one quasi-identifier column is needed.")
    both = sorted(set(columns) & set(sensitive))
    if both:
        raise ValueError(f"Columns marked both quasi-identifier and sensitive: {both}")


def _diversity(
    enc: Encoded, col: str, r_keys: np.ndarray, s_keys: np.ndarray, small_rows: np.ndarray
) -> Diversity:
    real = enc.real
    values = cell_hash(enc, real, col, np.arange(real.n_rows))
    per_key = pd.DataFrame({"k": r_keys, "v": values}).groupby("k")["v"].nunique()
    distinct = pd.Series(s_keys[small_rows]).map(per_key).to_numpy(dtype=np.int64)
    single = int((distinct == 1).sum())
    n = len(distinct)
    share = single / n if n else float("nan")
    mean = float(distinct.mean()) if n else float("nan")
    return Diversity(col, distinct, single, share, mean)


# long: mostly its numpy-style docstring; the counting is a few vector passes.
def quasi_identifiers(
    enc: Encoded,
    columns: list[str],
    sensitive: list[str] | None = None,
    k: int = K,
    confidence: float = 0.95,
) -> QuasiIdentifiers:
    """Unique exact matches, small-group rows and sensitive diversity on the QI columns.

    Parameters
    ----------
    enc:
        The encoded pair (the holdout is not used: the question is about the real records).
    columns:
        The quasi-identifier columns (analysed columns: not id or text).
    sensitive:
        Sensitive columns whose diversity is measured in the small groups.
    k:
        Group size below which a synthetic row's QI combination is a small group.
    confidence:
        Level of the Wilson intervals.

    Returns
    -------
    QuasiIdentifiers

    Raises
    ------
    ValueError
        When a column is not analysed, no QI is given, or a column is in both lists.
    """
    sensitive = list(sensitive or [])
    _check(enc, columns, sensitive)
    real, syn = enc.real, enc.synthetic
    mult = multipliers(enc.analysed)
    r_keys = row_hash(enc, real, np.arange(real.n_rows), mult, columns)
    s_keys = row_hash(enc, syn, np.arange(syn.n_rows), mult, columns)
    counts = pd.Series(r_keys).value_counts()
    # One real row per QI combination, to confirm each synthetic match on the values.
    first = pd.Series(np.arange(real.n_rows)).groupby(r_keys).first()
    matches = pd.Series(s_keys).map(counts).fillna(0).to_numpy(dtype=np.int64)
    hit = np.flatnonzero(matches > 0)
    rep = pd.Series(s_keys[hit]).map(first).to_numpy(dtype=np.int64)
    matches[hit[~same_on(syn, hit, real, rep, columns)]] = 0
    in_real = pd.Series(r_keys).map(counts).to_numpy()
    unique_records = np.flatnonzero(in_real == 1)
    reproduced_keys = pd.Index(np.unique(s_keys[matches > 0]))
    reproduced = reproduced_keys.get_indexer(r_keys[unique_records]) >= 0
    n_u, n_m = len(unique_records), int(reproduced.sum())
    small_rows = np.flatnonzero((matches > 0) & (matches < k))
    n_s, n_syn = len(small_rows), syn.n_rows
    unmatched = int((matches == 0).sum())
    diversity = tuple(_diversity(enc, c, r_keys, s_keys, small_rows) for c in sensitive)
    return QuasiIdentifiers(
        tuple(columns), tuple(sensitive), k, real.n_rows, n_syn, unique_records, reproduced,
        n_u, n_m, n_m / n_u if n_u else float("nan"), wilson(n_m, n_u, confidence),
        matches, small_rows, n_s, n_s / n_syn if n_syn else float("nan"),
        wilson(n_s, n_syn, confidence), unmatched, unmatched / n_syn if n_syn else float("nan"),
        diversity,
    )  # fmt: skip


def pair(ci: Interval | None) -> list[float] | None:
    return None if ci is None else [float(ci[0]), float(ci[1])]


def _num(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def quasi_identifiers_json(result: QuasiIdentifiers) -> dict[str, Any]:
    """The fields of ``privacy.quasi_identifiers``."""
    return {
        "columns": list(result.columns),
        "sensitive": list(result.sensitive),
        "k": result.k,
        "unique_real_records": result.n_unique,
        "unique_exact_matches": result.unique_matched,
        "unique_exact_match_share": _num(result.unique_match_share),
        "unique_exact_match_interval": pair(result.unique_match_interval),
        "small_group_rows": result.small,
        "small_group_share": _num(result.small_share),
        "small_group_interval": pair(result.small_interval),
        "unmatched_rows": result.unmatched,
        "unmatched_share": _num(result.unmatched_share),
        "diversity": [
            {
                "column": d.column,
                "single_value_rows": d.single,
                "single_value_share": _num(d.single_share),
                "mean_distinct": _num(d.mean_distinct),
            }
            for d in result.diversity
        ],
    }
