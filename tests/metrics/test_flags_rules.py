"""Rule violations as row flags, and the columns every flag names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_privacy import SCHEMA, draw  # same planted-data builder

from metrics.encode import encode
from metrics.flags import flag_rows, flags_json, info, row_flags
from metrics.flags_kinds import BROKEN_RULE, FLAG_FAMILY
from metrics.options import Options
from metrics.results import MetricResult
from metrics.rules import RuleCheck, RulesInfo


def _rules(syn: pd.DataFrame) -> MetricResult:
    bad = np.flatnonzero(syn["worst area"].to_numpy() < 500)[:4]
    words = tuple(f"worst area = {syn.loc[r, 'worst area']:.1f} is below 500" for r in bad)
    order = RuleCheck("range:worst area>=500", "worst area is at least 500", "declared",
                      ("worst area",), len(bad), bad, words, words[:5], 0)  # fmt: skip
    kept = RuleCheck("order:a<=b", "mean radius is at most worst area", "discovered",
                     ("mean radius", "worst area"), 0, np.array([], np.int64), (), (), 0)  # fmt: skip
    return MetricResult("rules", "coverage", 0.9, extra=RulesInfo(checks=[order, kept]))


@pytest.fixture(scope="module")
def pair():
    real, syn = draw(600, 1), draw(300, 3)
    return encode(real, syn, SCHEMA), syn


def test_rows_breaking_a_rule_are_flagged_with_the_rule_and_their_values(pair):
    enc, syn = pair
    rules = _rules(syn)
    res = row_flags(enc, Options(), needs={"rules": rules})
    check = rules.extra.checks[0]
    d = res.details.set_index("row")
    for r, words in zip(check.rows, check.row_words, strict=True):
        assert BROKEN_RULE in d.loc[r, "kinds"]
        assert f"breaks the rule 'worst area is at least 500': {words}" in d.loc[r, "reason"]
        assert "worst area" in d.loc[r, "columns"]
    ex = info(res)
    assert ex.count_by_kind[BROKEN_RULE] == len(check.rows) == 4 and ex.rules_broken == 1
    assert "break 1 different rule" in ex.message
    # The rules metric raises the finding (count and examples): none here.
    assert not [f for f in res.findings if f.kind == f"{BROKEN_RULE}_rows"]
    assert FLAG_FAMILY[BROKEN_RULE] == "coverage"
    entry = next(e for e in flags_json(res) if e["row"] == int(check.rows[0]))
    assert "worst area" in entry["columns"] and BROKEN_RULE in entry["kinds"]


def test_without_rules_or_with_a_failed_rules_result_no_row_is_flagged_for_a_rule(pair):
    enc, _ = pair
    failed = MetricResult("rules", "coverage", float("nan"), error="bad constraint file")
    for needs in ({}, {"rules": failed}):
        res = row_flags(enc, Options(), needs=needs)
        assert info(res).count_by_kind[BROKEN_RULE] == 0
    assert "Rules not checked row by row: bad constraint file" in info(res).notes


def test_every_flag_names_its_columns():
    real, syn = draw(600, 1), draw(300, 3)
    syn.loc[5, "worst area"] = 1e6  # above the real maximum
    enc = encode(real, syn, SCHEMA)
    res = flag_rows(enc, Options())
    d = res.details
    assert d.set_index("row").loc[5, "columns"][0] == "worst area"
    anomalous = d[[k == ["anomalous"] for k in d["kinds"]]]
    assert len(anomalous)  # the isolation forest flags a few rows of any sample
    for cols in anomalous["columns"]:
        assert 1 <= len(cols) <= 3 and set(cols) <= set(enc.analysed)
    assert flags_json(res)[0]["columns"][0] == "worst area"
