"""Every metric SynthLens computes, in one list: what it is, what it needs and how it is shown.

The suite runs the catalogue in the order of what each metric needs (a metric runs after the
metrics it reads), never in the order modules happen to be imported, and refuses a cycle.
Adding a metric: write its module (a function ``fn(enc, options, progress)``, or with a fourth
argument ``needs`` when it reads other metrics' results), add one :class:`Entry` here, add its
test. Reports and the app pick it up by its result shape (``result``) and ``rendering``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from metrics.schema import Kind

NUMBERS = (Kind.NUMERICAL, Kind.DATETIME)
ANALYSED = (Kind.NUMERICAL, Kind.DATETIME, Kind.CATEGORICAL, Kind.BOOLEAN)
ALL_KINDS = tuple(Kind)
# The families that make a score; row flags are evidence for the review, not a family.
FAMILIES = ("fidelity", "coverage", "detection", "privacy", "utility")
SHAPES = ("columns", "pairs", "rows", "table")


class CatalogueError(ValueError):
    """The catalogue cannot be run as written: an unknown need or a cycle of needs."""


@dataclass(frozen=True)
class Entry:
    """One metric.

    Attributes
    ----------
    name:
        The metric's name in results, reports and ``--skip``.
    family:
        The family its score belongs to (see :data:`FAMILIES`), or ``"rows"`` for row evidence.
    goal:
        One sentence: what the score says, for tooltips and the reports.
    target:
        ``"module:function"`` of the function that computes it (imported when first run).
    needs:
        Metrics whose results it reads; they run first, and a skipped one is simply absent.
    kinds:
        Column kinds it looks at (empty for whole-table metrics).
    result:
        The shape of its ``details``: one row per column, per pair, per row, or a table.
    rendering:
        ``"default"`` for the generic view of its shape, else the name of a rich view.
    counts:
        Whether its score counts in its family's score (and so in the overall score).
    weight:
        Relative cost, for progress reporting.
    info:
        ``"module:Class"`` of the typed values its result carries beside the score and the
        details (``MetricResult.extra``), or empty when it has none.
    method:
        How its interval and its noise floor are made, in words for the reports.
    """

    name: str
    family: str
    goal: str
    target: str
    result: str
    needs: tuple[str, ...] = ()
    kinds: tuple[Kind, ...] = ()
    rendering: str = "default"
    counts: bool = True
    weight: float = 1.0
    info: str = ""
    method: str = ""

    @property
    def fn(self) -> Callable[..., Any]:
        return _load(self.target)

    @property
    def info_type(self) -> type | None:
        return _load(self.info) if self.info else None


def _load(target: str) -> Any:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


CATALOGUE: tuple[Entry, ...] = (
    Entry("column_shapes", "fidelity", "Does each column's distribution match the real one? "
          "1 = same distribution.", "metrics.marginal:column_shapes", "columns",
          kinds=ANALYSED, rendering="column_view", weight=2.0,
          method="interval: seeded bootstrap (n_boot replicates) re-weighting each side's counts (categories; numbers and dates on a grid of up to 512 real values or quantiles), the replicates' spread reflected around the observed distance; floor: mean score of an independent synthetic-size sample drawn from the real frequencies (plus the categories the real sample missed, Good-Turing/Chao1) against a bootstrap of the real sample"),
    Entry("pair_trends", "fidelity", "Are relations between pairs of columns kept? 1 = same "
          "correlations, associations and shapes (groups in the same place; calendar months, "
          "weekdays and hours included).", "metrics.pairs:pair_trends", "pairs",
          kinds=ANALYSED, rendering="pair_view", info="metrics.pairs:PairsInfo", weight=3.0,
          method="interval: 95% basic bootstrap around the score: Fisher's z draws of both correlations; multinomial re-weighting of both contingency tables (over 150 filled cells: each cell's normal approximation); floor: correlations drawn from the real one at the real and synthetic sizes; contingency tables from random splits of the real rows, extended to both sizes; in sdmetrics-compatible mode mixed pairs are measured on shared bins and moved onto their score; ShapeSimilarity (SynthLens mode): normal interval from within-group rank variances, floor = its expected value for an independent real sample of the synthetic size"),
    Entry("missing_values", "coverage", "Does each column have as many missing values as in "
          "the real data? 1 = same share.", "metrics.coverage:missing_values", "columns",
          kinds=ALL_KINDS, rendering="column_view",
          method="interval: Newcombe's interval for the difference of the two missing shares, from each side's Wilson interval; floor: the mean score of a seeded bootstrap of the real missing count against independent draws of the synthetic size from the real missing share"),
    Entry("coverage", "coverage", "Does the synthetic data reach the real ranges and "
          "categories? 1 = every real range and category covered.", "metrics.coverage:coverage",
          "columns", kinds=ANALYSED, rendering="column_view", info="metrics.coverage:CoverageInfo",
          method="interval: the observed score moved by the spread of the floor's splits (wholly below the floor exactly when fewer than 2.5% of splits score as low, a permutation test); floor: the mean score of seeded random splits of the pooled real and synthetic rows into the two sizes (category counts split binomially, ranges from the pooled extremes)"),
    Entry("validity", "coverage", "Are the synthetic values ones the real data allows? 1 = no "
          "value out of range, unseen or unreadable.", "metrics.coverage:validity", "columns",
          kinds=ANALYSED, rendering="column_view",
          method="interval: Wilson interval on the share of valid values; floor: 1 minus the share of new real values expected outside what the real data shows (1/(n+1) per extreme held by a single value, Good-Turing for unseen categories, the real unreadable share)"),
    Entry("detection", "detection", "How hard a classifier finds it to tell synthetic rows from "
          "real ones: 1 = no better than a coin (ROC AUC 0.5), 0 = every row told apart (AUC 1).",
          "metrics.detection:detection", "rows", rendering="detection_view", info="metrics.detection:DetectionInfo", weight=4.0,
          method="interval: DeLong's interval on the cross-validated out-of-fold ROC AUC, mapped to the score; floor: the same classifier telling the real rows from the holdout (or two seeded halves of the real rows), size-matched up to 5,000 rows a side, seeded"),
    Entry("privacy_attacks", "privacy", "Can someone holding the synthetic data single out, "
          "link or infer the people in the training data better than people it never saw? "
          "1 minus the largest attack risk's upper bound (risk = (train - control) / "
          "(1 - control)); reported, and the privacy score is at most it.",
          "metrics.privacy_attacks:compute_attacks", "table", kinds=ANALYSED,
          rendering="attacks_view", info="metrics.privacy_attacks_info:AttacksInfo", counts=False,
          weight=3.0,
          method="anonymeter 1.1's definitions: each rate's Wilson centre and half-width; risk = (train - control) / (1 - control), its error propagated from both rates, clipped to [0, 1]; control = the uploaded holdout or the last rows of the real file the user confirmed unseen; seeded attack targets (n_attacks per side) and a random-guess baseline; membership: DeLong's interval on the AUC of distance to the closest synthetic row, training against control rows"),
    Entry("privacy", "privacy", "Are real records copied or nearly copied? 1 = synthetic rows "
          "are no closer to the training rows than to unseen real rows, and no more exact copies "
          "than chance gives.", "metrics.privacy:compute_privacy", "rows",
          kinds=ANALYSED, rendering="privacy_view", info="metrics.privacy:PrivacyInfo", weight=3.0,
          needs=("privacy_attacks",),
          method="interval: Wilson intervals on the rates and shares (the DCR share on its effective rows: synthetic rows sharing a nearest real record count once), Newcombe's interval on the copy excess, propagated through min(copy score, DCR score); floor: mean score of seeded binomial draws of an independent real sample of the synthetic size against the holdout reference (uploaded holdout or seeded split)"),
    Entry("utility", "utility", "Does a model trained on synthetic data keep the skill of one "
          "trained on real data, on real rows? Relative to no skill: (TSTR - B) / (TRTR - B) on "
          "ROC AUC, average precision of a rare class, or R2, B the value of guessing; 1 = all "
          "the skill, 0 = none (mean of a linear and a boosted model).",
          "metrics.utility:utility", "table",
          rendering="utility_view", info="metrics.utility:UtilityInfo", weight=4.0,
          method="interval: seeded bootstrap over the real test rows, every model's predictions re-weighted together, no refit; floor: 1, a model trained on real rows (TRTR) is the reference"),
    Entry("rules", "coverage", "Do synthetic rows obey the rules of the real data (declared SDV "
          "constraints and rules discovered in the real rows)? 1 = no row breaks a rule.",
          "metrics.rules:rules", "table", rendering="rules_view", info="metrics.rules:RulesInfo",
          counts=False,
          method="interval: Wilson interval on the share of synthetic rows breaking no checked rule; floor: the same share in the holdout (else in the real rows, which obey discovered rules by construction); a rule is a finding when its synthetic violation rate's Wilson interval lies above the holdout's (else the real) rate"),
    Entry("row_flags", "rows", "Which synthetic rows deserve a look: invalid, breaking a rule, "
          "implausible combinations, anomalous, copied, near copies or obviously synthetic. "
          "1 = no row flagged.", "metrics.flags:row_flags",
          "rows", needs=("detection", "privacy", "rules"), rendering="flag_view", info="metrics.flags:FlagsInfo", counts=False),
    Entry("subgroups", "fidelity", "Do column shapes and relations hold inside groups (each "
          "level of a category, each quarter of a number)? Share of subgroup tests without a "
          "gap beyond noise (reported, not counted).",
          "metrics.subgroups:subgroups", "table", kinds=ANALYSED, rendering="subgroup_view",
          info="metrics.subgroups:SubgroupsInfo", counts=False, weight=2.0,
          method="per test: the level's score against the whole table's; margin = the (1+confidence)/2 quantile of the noise a level of its size makes when as good as the whole table (Kolmogorov distribution at the effective size for KS; seeded Poisson draws of the level's pooled counts with a gamma tail for TV and contingency; Fisher's z standard errors of Spearman correlations, folded normal); Benjamini-Hochberg at 5% over all tests, and a gap of at least 0.05 beyond the noise's mean; no floor (compared with the whole table)"),
    Entry("wasserstein_similarity", "fidelity", "How far each number or date column's values "
          "must move to match the real ones, as a share of the real range: 1 = not at all "
          "(reported, not counted in the scores).", "metrics.wasserstein:wasserstein_similarity",
          "columns", kinds=NUMBERS, counts=False),
)  # fmt: skip

BY_NAME: dict[str, Entry] = {e.name: e for e in CATALOGUE}


def entry(name: str) -> Entry:
    """The catalogue entry of a metric (``KeyError`` for an unknown name)."""
    return BY_NAME[name]


def names() -> list[str]:
    return [e.name for e in CATALOGUE]


def run_order(entries: Iterable[Entry] = CATALOGUE) -> list[Entry]:
    """The entries in an order where each comes after everything it needs.

    Stable: among metrics that are ready, catalogue order decides. Raises
    :class:`CatalogueError` for a need that names no metric, and for a cycle.
    """
    todo = list(entries)
    known = {e.name for e in todo}
    for e in todo:
        unknown = [n for n in e.needs if n not in known]
        if unknown:
            raise CatalogueError(f"{e.name} needs {', '.join(unknown)}, which is not a metric")
    done: list[Entry] = []
    placed: set[str] = set()
    while todo:
        ready = next((e for e in todo if set(e.needs) <= placed), None)
        if ready is None:
            cycle = ", ".join(e.name for e in todo)
            raise CatalogueError(f"the needs of these metrics form a cycle: {cycle}")
        done.append(ready)
        placed.add(ready.name)
        todo.remove(ready)
    return done


def needed_results(e: Entry, done: Mapping[str, Any]) -> dict[str, Any]:
    """The results an entry reads, among those computed so far."""
    return {n: done[n] for n in e.needs if n in done}
