"""The JSON report on the demo pair and a seeded 10k-row table is unchanged apart from additions:
the same scores to 1e-12 and the same findings as the golden files (tests/golden/cases.py says
how to regenerate them when a change alters scores on purpose)."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from tests.golden.cases import CASES, HERE, VOLATILE

TOLERANCE = 1e-12


def differences(golden: Any, now: Any, path: str = "$") -> list[str]:
    """Where ``now`` departs from ``golden``; keys that ``now`` adds are not differences."""
    if isinstance(golden, dict):
        if not isinstance(now, dict):
            return [f"{path}: was an object"]
        out = []
        for key, value in golden.items():
            if key not in now:
                out.append(f"{path}.{key}: missing")
            else:
                out += differences(value, now[key], f"{path}.{key}")
        return out
    if isinstance(golden, list):
        if not isinstance(now, list) or len(now) != len(golden):
            return [
                f"{path}: {len(golden)} items, now {len(now) if isinstance(now, list) else now!r}"
            ]
        return [d for i, (g, n) in enumerate(zip(golden, now, strict=True))
                for d in differences(g, n, f"{path}[{i}]")]  # fmt: skip
    if isinstance(golden, float) or isinstance(now, float):
        if isinstance(golden, bool) or isinstance(now, bool):
            return [] if golden == now else [f"{path}: {golden!r} -> {now!r}"]
        if golden is None or now is None or isinstance(now, str) or isinstance(golden, str):
            return [] if golden == now else [f"{path}: {golden!r} -> {now!r}"]
        same = (math.isnan(golden) and math.isnan(now)) or abs(golden - now) <= TOLERANCE
        return [] if same else [f"{path}: {golden!r} -> {now!r}"]
    return [] if golden == now else [f"{path}: {golden!r} -> {now!r}"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_report_matches_the_golden_file(name):
    golden = json.loads((HERE / f"{name}.json").read_text())
    now = {k: v for k, v in CASES[name]().items() if k not in VOLATILE}
    found = differences(golden, now)
    assert not found, f"{len(found)} differences, first: {found[:10]}"


def test_the_comparison_sees_a_changed_score_and_allows_an_added_key():
    golden = {"scores": {"a": 0.5}, "findings": [{"kind": "x"}]}
    assert differences(golden, {"scores": {"a": 0.5, "b": 1.0}, "findings": [{"kind": "x"}]}) == []
    assert differences(golden, {"scores": {"a": 0.5 + 1e-9}, "findings": [{"kind": "x"}]})
    assert differences(golden, {"scores": {"a": 0.5}, "findings": []})
