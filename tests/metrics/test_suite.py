"""The suite as a whole: progress stays on the caller's thread and only moves forward, and a
metric's result does not depend on which others ran."""

from __future__ import annotations

import threading

import numpy as np

from bench.synth_table import make_pair
from metrics import catalogue, privacy, suite
from metrics.encode import encode
from metrics.options import Options


def test_progress_comes_from_the_callers_thread_and_only_moves_forward():
    real, syn, schema = make_pair(3000, seed=5)
    enc = encode(real, syn, schema)
    seen: list[tuple[int, float, str]] = []
    a = suite.run(enc, Options(), lambda f, m: seen.append((threading.get_ident(), f, m)))
    assert {t for t, _, _ in seen} == {threading.get_ident()}
    fractions = [f for _, f, _ in seen]
    assert all(0.0 <= f <= 1.0 for f in fractions)
    assert all(b >= a - 1e-12 for a, b in zip(fractions, fractions[1:], strict=False))
    assert seen[-1][1:] == (1.0, "Done.")
    # The same numbers as running privacy alone, in the registry's order.
    assert list(a.results) == [n for n in catalogue.names() if n in a.results]
    alone = suite.run(enc, Options(skip=frozenset(set(catalogue.names()) - {"privacy"})))
    assert a.results["privacy"].score == alone.results["privacy"].score
    assert np.array_equal(
        privacy.info(a.results["privacy"]).closest_real,
        privacy.info(alone.results["privacy"]).closest_real,
    )
