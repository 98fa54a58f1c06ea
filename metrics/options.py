"""The settings of one assessment run. Which metrics exist, and in what order they run, is the
catalogue's business (``metrics/catalogue.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Options:
    """Settings of one assessment run (stored with the run, so keep them plain values)."""

    seed: int = 0
    # Level of every interval, and how many seeded resamples a bootstrap interval draws.
    confidence: float = 0.95
    n_boot: int = 200
    # A target that a model predicts (almost) perfectly from the real data says little about
    # the synthetic data: its utility is shown but kept out of Overall unless this is set.
    keep_trivial_target: bool = False
    # Reproduce sdmetrics' QualityReport definitions exactly instead of SynthLens' fixes.
    sdmetrics_compatible: bool = False
    correlation: str = "pearson"  # or "spearman"
    # Cap on rows per side for model-based metrics (detection, utility); stated in results.
    max_model_rows: int = 50_000
    target: str | None = None
    # Metric names to skip (e.g. {"detection"} for a quick look).
    skip: frozenset[str] = field(default_factory=frozenset)
    # Declared constraints (SDV 2 ``sdv.cag`` vocabulary), each a canonical JSON string
    # ``{"constraint_class": ..., "parameters": {...}}`` so the options stay hashable; and the
    # ids of discovered rules the user dropped on the Schema page (see metrics/rules.py).
    constraints: tuple[str, ...] = ()
    dropped_rules: frozenset[str] = field(default_factory=frozenset)
    # Privacy attacks (metrics/privacy_attacks.py): attacks per kind, the secret columns of the
    # inference attack (empty = the sensitive columns, else the first columns in turn), the
    # quasi-identifier and sensitive columns the user marked on the Schema page, and the share
    # of real rows at the end of the file the user confirms the generator never saw (a control
    # set when no holdout was uploaded; 0 = none confirmed).
    n_attacks: int = 2000
    secrets: tuple[str, ...] = ()
    quasi_identifiers: tuple[str, ...] = ()
    sensitive: tuple[str, ...] = ()
    unseen_share: float = 0.0
