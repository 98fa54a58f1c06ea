"""Privacy risk as attacks (catalogue entry ``privacy_attacks``): singling out, linkability,
attribute inference and membership inference, each against control rows, and the
quasi-identifier counts.

Control rows
------------
A success rate on training rows means nothing alone: any sample of the population gives some
records away. Each attack is run on the training rows and, by the same attacker, on control
rows the generator never saw; the risk is what the training rows lose beyond the control rows.
The control is the uploaded holdout, else the last ``Options.unseen_share`` of the real rows
(file order), which the user confirmed the generator was trained without (the attacks then
treat the rows before them as the training rows, and the reports say so). Without either, no
attack runs and the result says why: never a risk without its control.

Score
-----
``1 - `` the largest upper bound of the three risks (singling out, in both its univariate and
its multivariate form, linkability, inference): the privacy family's score is at most this
(:mod:`metrics.privacy` takes the lower of the two and says which decided). Membership
inference is reported as an AUC with its interval and has a finding and a gate of its own.

Findings
--------
One per attack whose risk's interval lies above 0 (high from a risk of 0.10, medium from 0.03),
and one for a membership AUC whose interval lies above 0.5 (high from 0.60, medium from 0.55).

Size
----
The attacks sample their targets (``Options.n_attacks`` per side); the attacker searches at most
:data:`MAX_ATTACKER_ROWS` synthetic rows (a seeded sample beyond that, stated).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from metrics import attacks
from metrics.attacks import AttackResult
from metrics.encode import Encoded
from metrics.membership import membership
from metrics.options import Options
from metrics.privacy_attacks_info import ATTACK_LABELS, AttacksInfo
from metrics.privacy_info import pct
from metrics.quasi_identifiers import quasi_identifiers
from metrics.results import Finding, MetricResult, Progress, Severity, no_progress, typed_extra

NAME = "privacy_attacks"
FAMILY = "privacy"
MAX_ATTACKER_ROWS = 200_000
MIN_CONTROL_ROWS = 20
HIGH_RISK, MEDIUM_RISK = 0.10, 0.03
HIGH_AUC, MEDIUM_AUC = 0.60, 0.55


def info(result: MetricResult | None) -> AttacksInfo:
    """The :class:`AttacksInfo` of a ``privacy_attacks`` result; an empty one when there is
    none (skipped, or failed)."""
    return typed_extra(result, AttacksInfo)


def controlled(enc: Encoded, unseen_share: float) -> tuple[Encoded | None, str, str]:
    """The pair the attacks run on (training rows as ``real``, control rows as ``holdout``),
    the control's kind and its sentence; None when there is no control."""
    if enc.holdout is not None and enc.holdout.n_rows >= MIN_CONTROL_ROWS:
        note = (
            f"Control: the {enc.holdout.n_rows:,} uploaded holdout rows, which the generator "
            "never saw."
        )
        return enc, "holdout", note
    n = enc.real.n_rows
    n_control = int(round(n * unseen_share)) if 0 < unseen_share < 1 else 0
    if n_control >= MIN_CONTROL_ROWS and n - n_control >= MIN_CONTROL_ROWS:
        cut = n - n_control
        pair = replace(
            enc, real=enc.real.take(np.arange(cut)), holdout=enc.real.take(np.arange(cut, n))
        )
        note = (
            f"Control: the last {n_control:,} real rows ({unseen_share:.0%}, rows "
            f"{cut + 1:,}-{n:,} of the real file), which the user confirmed the generator was "
            f"trained without; the first {cut:,} real rows are taken as its training rows. If "
            "the generator saw those rows, these risks are too low."
        )
        return pair, "split", note
    held = enc.holdout.n_rows if enc.holdout is not None else 0
    why = (
        f"the holdout has only {held} rows (at least {MIN_CONTROL_ROWS} are needed)"
        if held
        else "no holdout was uploaded"
    )
    note = (
        f"No privacy attack was run: {why}. An attack's success on the training rows means "
        "something only against its success on real rows the generator never saw. Upload a "
        "holdout, or confirm on the Privacy page (CLI: --unseen-share) that the generator was "
        "trained without the last rows of the real file."
    )
    return None, "none", note


def _secrets(enc: Encoded, options: Options) -> tuple[list[str], str]:
    chosen = [c for c in (options.secrets or options.sensitive) if c in enc.analysed]
    if chosen:
        whose = "chosen" if options.secrets else "the columns marked sensitive"
        return chosen, f"Secret columns ({whose}): {', '.join(chosen)}."
    found = attacks.default_secrets(enc)
    more = len(enc.analysed) > len(found)
    cap = f" (at most {attacks.MAX_SECRETS}; choose others with --secret)" if more else ""
    return found, f"No secret column chosen: each of the first {len(found)} columns in turn{cap}."


def _attacker_pair(enc: Encoded, options: Options) -> tuple[Encoded, str]:
    """At most :data:`MAX_ATTACKER_ROWS` synthetic rows for the attacker (seeded)."""
    n = enc.synthetic.n_rows
    if n <= MAX_ATTACKER_ROWS:
        return enc, ""
    gen = np.random.default_rng([options.seed, 14])
    rows = np.sort(gen.choice(n, size=MAX_ATTACKER_ROWS, replace=False))
    note = (
        f"The attacker searches a seeded sample of {MAX_ATTACKER_ROWS:,} of the {n:,} synthetic "
        "rows (a smaller release than the real one: risks may read slightly low)."
    )
    return replace(enc, synthetic=enc.synthetic.take(rows)), note


# long: runs five attacks in turn with their progress steps; each is one call.
def compute_attacks(
    enc: Encoded, options: Options | None = None, progress: Progress = no_progress
) -> MetricResult:
    """Run the attacks against their control and gather an :class:`AttacksInfo`.

    Returns
    -------
    MetricResult
        ``score`` = 1 - the largest risk's upper bound (NaN and ``error`` set without a
        control); ``raw`` = the largest risk; ``findings`` as in the module docstring.
    """
    options = options or Options()
    c = options.confidence
    quasi = None
    notes: list[str] = []
    if options.quasi_identifiers:
        try:
            quasi = quasi_identifiers(
                enc, list(options.quasi_identifiers), list(options.sensitive), confidence=c
            )
        except ValueError as exc:
            notes.append(f"Quasi-identifiers not counted: {exc}")
    pair, control, control_note = controlled(enc, options.unseen_share)
    base = AttacksInfo(
        control=control,
        control_note=control_note,
        quasi=quasi,
        n_attacks=options.n_attacks,
        unseen_share=options.unseen_share if control == "split" else 0.0,
    )
    if pair is None or len(enc.analysed) < 2:
        why = control_note if pair is None else "The attacks need at least two analysed columns."
        found = replace(base, notes=tuple(notes), message=why)
        return MetricResult(NAME, FAMILY, float("nan"), error=why, extra=found)
    pair, sample_note = _attacker_pair(pair, options)
    notes += [sample_note] if sample_note else []
    secrets, secrets_note = _secrets(pair, options)
    n, seed = options.n_attacks, options.seed
    steps: list[tuple[str, Callable[[], object]]] = [
        ("singling out (3 columns)", lambda: attacks.singling_out(pair, n, seed, confidence=c)),
        ("singling out (1 column)", lambda: attacks.singling_out(
            pair, n, seed, mode="univariate", confidence=c)),
        ("linkability", lambda: attacks.linkability(pair, n, seed, confidence=c)),
        ("attribute inference", lambda: attacks.inference(pair, secrets, n, seed, confidence=c)),
        ("membership", lambda: membership(pair, seed, c)),
    ]  # fmt: skip
    out: list[object] = []
    for i, (words, run) in enumerate(steps):
        progress(i / len(steps), f"Privacy attacks: {words}")
        out.append(run())
    progress(1.0, "Privacy attacks: done")
    multi, uni, link, infer, member = out
    assert isinstance(multi, AttackResult) and isinstance(uni, AttackResult)
    # The riskier of the two forms stands for singling out (its note names the form).
    singling = max(multi, uni, key=lambda r: (r.interval[1], r.risk))
    found = replace(
        base,
        singling_out=singling,
        linkability=link,  # type: ignore[arg-type]
        inference=infer,  # type: ignore[arg-type]
        membership=member,  # type: ignore[arg-type]
        secrets=tuple(secrets),
        secrets_note=secrets_note,
        notes=tuple(notes),
    )
    counted = found.counted()
    if not counted:
        why = "No attack can show a risk here: control records are guessed right too often."
        found = replace(found, message=" ".join([summary(found), why]))
        return MetricResult(NAME, FAMILY, float("nan"), error=why, extra=found)
    worst = max(counted, key=lambda r: (r.interval[1], r.risk))
    found = replace(
        found,
        max_risk=max(r.risk for r in counted),
        max_risk_high=worst.interval[1],
        max_risk_attack=worst.attack,
    )
    found = replace(found, message=summary(found))
    score = 1.0 - found.max_risk_high
    return MetricResult(
        NAME, FAMILY, score, found.max_risk, findings=findings(found), extra=found,
        interval=(1.0 - worst.interval[1], 1.0 - worst.interval[0]), floor=floor(found, c),
    )  # fmt: skip


def floor(found: AttacksInfo, confidence: float) -> float:
    """What the attacks' part scores when training rows fare no better than control rows: 1
    minus the largest upper end of a zero-risk interval at the measured control rates."""
    highs = []
    for a in found.counted():
        k_c = a.control_rate * a.n_attacks
        n_b = max(a.n_attacks, 1)
        null = attacks.result(
            a.attack, (k_c, k_c, a.baseline_rate * n_b), (a.n_attacks, a.n_attacks, n_b),
            a.columns, confidence=confidence,
        )  # fmt: skip
        highs.append(null.interval[1])
    return 1.0 - max(highs) if highs else float("nan")


def risk_words(a: AttackResult) -> str:
    """ "risk 0.12 (95% interval 0.08-0.16): 31.0% of training records against 21.5% of control
    records"."""
    lo, hi = a.interval
    return (
        f"risk {a.risk:.2f} (interval {lo:.2f}-{hi:.2f}): {pct(a.train_rate)} of attacks on "
        f"training records succeed against {pct(a.control_rate)} on control records "
        f"(random guessing {pct(a.baseline_rate)}; {a.n_attacks:,} attacks)"
    )


def summary(found: AttacksInfo) -> str:
    """The attacks in a few sentences, for the message and the reports."""
    parts = [found.control_note]
    for a in found.ran():
        parts.append(f"{ATTACK_LABELS[a.attack]}: {risk_words(a)}.")
    m = found.membership
    if m is not None and m.interval is not None:
        parts.append(
            f"{ATTACK_LABELS['membership']}: AUC {m.auc:.3f} (interval {m.interval[0]:.3f}-"
            f"{m.interval[1]:.3f}; 0.5 = no better than a coin)."
        )
    parts += [found.secrets_note, *found.notes]
    return " ".join(p for p in parts if p)


def _severity(value: float, high: float, medium: float) -> Severity:
    return "high" if value >= high else "medium" if value >= medium else "low"


def findings(found: AttacksInfo) -> list[Finding]:
    """One finding per attack beyond noise (see the module docstring)."""
    out = []
    for a in found.counted():
        if a.interval[0] <= 0:
            continue
        what = ATTACK_LABELS[a.attack]
        secret = ""
        if a.attack == "inference" and a.by_secret:
            worst = max(a.by_secret, key=lambda r: (r.interval[1], r.risk))
            secret = f" The secret most at risk: {worst.columns[-1]}."
        msg = (
            f"{what}: an attacker holding the synthetic data learns more about the people in "
            f"the training data than about people it never saw: {risk_words(a)}.{secret} "
            f"{found.control_note}"
        )
        cols = a.columns if a.attack == "inference" else ()
        out.append(
            Finding(
                f"{a.attack}_risk",
                _severity(a.risk, HIGH_RISK, MEDIUM_RISK),
                cols,
                msg,
                NAME,
                (),
                1.0 - a.risk,
                a.interval[0],
            )  # fmt: skip
        )
    m = found.membership
    if m is not None and m.interval is not None and m.interval[0] > 0.5:
        msg = (
            f"Membership inference: training records sit closer to the synthetic rows than "
            f"control records do (AUC {m.auc:.3f}, interval {m.interval[0]:.3f}-"
            f"{m.interval[1]:.3f}; 0.5 = no better than a coin). {m.note} {found.control_note}"
        )
        out.append(
            Finding(
                "membership_inference",
                _severity(m.auc, HIGH_AUC, MEDIUM_AUC),
                (),
                msg,
                NAME,
                (),
                1.0 - 2.0 * max(m.auc - 0.5, 0.0),
                m.interval[0] - 0.5,
            )  # fmt: skip
        )
    return out
