"""Runs and review items: identity of a run, idempotent items, carry-over, queue queries."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from storekit import finding, sha, sqlite_only

from review import InvalidInput, ItemIn, NotFound, Store, row_key


def test_same_files_and_settings_find_the_same_run_and_keep_its_decisions(store, make_run):
    run = make_run()
    [item] = store.add_items(run.id, [finding("marginal|ks|age")])
    store.decide(item.id, "accepted", "Ana", expected_version=item.version)

    again = make_run()
    [same] = store.add_items(again.id, [finding("marginal|ks|age")])

    assert again.id == run.id
    assert same.id == item.id
    assert (same.status, same.decided_by) == ("accepted", "Ana")
    assert store.progress(run.id) == (1, 1)
    assert len(store.runs()) == 1


def test_settings_holdout_or_tool_version_make_a_new_run(store, make_run):
    base = make_run(settings={"seed": 0})
    ids = {
        base.id,
        make_run(settings={"seed": 1}).id,
        make_run(holdout="holdout.csv").id,
        make_run(tool_version="0.2.0").id,
    }
    assert len(ids) == 4
    # Key order and tuple-vs-list in settings do not make a run different.
    listed = make_run(settings={"seed": 2, "skip": ("detection",)})
    assert make_run(settings={"skip": ["detection"], "seed": 2}).id == listed.id


def test_run_keeps_inputs_names_and_json_safe_scores(store, make_run):
    run = make_run(holdout="h.csv", scores={"overall": np.float64(0.91), "utility": math.nan})
    fresh = store.run(run.id)
    assert fresh.inputs == {"real": sha("real.csv"), "synthetic": sha("synthetic.csv"),
                            "holdout": sha("h.csv")}  # fmt: skip
    assert fresh.names["holdout"] == "h.csv"
    assert fresh.scores == {"overall": 0.91, "utility": None}
    assert fresh.created_at.tzinfo is not None


@sqlite_only
@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"real": sha("r")}, "synthetic input hash is required"),
        ({"real": sha("r"), "synthetic": "abc"}, "SHA-256"),
        ({"real": sha("r"), "synthetic": sha("s"), "train": sha("t")}, "unknown input role"),
    ],
)
def test_bad_inputs_are_refused_with_a_clear_message(store, inputs, message):
    with pytest.raises(InvalidInput, match=message):
        store.get_or_create_run(inputs, {}, "0.1.0", {}, {})


def test_add_items_is_idempotent_on_the_key(store, make_run):
    run = make_run()
    first = store.add_items(run.id, [finding("a|m|x"), finding("b|m|y", severity="low")])
    second = store.add_items(run.id, [finding("b|m|y"), finding("c|m|z", severity="medium")])

    assert second[0].id == first[1].id
    assert second[0].severity == "low"  # the stored item is not replaced
    assert [i.key for i in store.items(run.id)] == ["a|m|x", "c|m|z", "b|m|y"]


@sqlite_only
def test_duplicate_keys_in_one_call_and_bad_items_are_refused(store, make_run):
    run = make_run()
    with pytest.raises(InvalidInput, match="duplicate item keys"):
        store.add_items(run.id, [finding("a|m|x"), finding("a|m|x")])
    with pytest.raises(InvalidInput, match="severity 'urgent'"):
        store.add_items(run.id, [finding("a|m|x", severity="urgent")])
    with pytest.raises(NotFound):
        store.add_items(run.id + 99, [finding("a|m|x")])
    assert store.items(run.id) == []


def test_evidence_with_numpy_and_nan_round_trips_as_plain_json(store, make_run):
    run = make_run()
    evidence = {"real": np.array([1.5, np.nan]), "n": np.int64(3), "cols": ("a", "b")}
    [item] = store.add_items(run.id, [finding("pair|corr|a", evidence=evidence, row=None)])
    assert store.item(item.id).evidence == {"real": [1.5, None], "n": 3, "cols": ["a", "b"]}


@sqlite_only
def test_items_are_plain_picklable_records(store, make_run):
    run = make_run()
    [item] = store.add_items(run.id, [finding("a|m|x")])
    copy = pickle.loads(pickle.dumps(item))
    assert copy == item
    with pytest.raises(AttributeError):
        item.status = "accepted"  # type: ignore[misc]


def test_new_synthetic_file_carries_over_decisions_for_identical_findings(store, make_run):
    old = make_run(synthetic="v1.csv")
    a, b, c = store.add_items(old.id, [finding("a|m|x"), finding("b|m|y"), finding("c|m|z")])
    store.decide(a.id, "accepted", "Ana", expected_version=a.version)
    store.decide(b.id, "waived", "Ben", reason="known rounding", expected_version=b.version)

    new = make_run(synthetic="v2.csv")
    assert new.id != old.id and new.carry_from_run_id == old.id
    na, nb, nc, nd = store.add_items(
        new.id, [finding("a|m|x"), finding("b|m|y"), finding("c|m|z"), finding("d|m|w")]
    )

    assert (na.status, na.decided_by, na.carried_from_item_id) == ("accepted", "Ana", a.id)
    assert (nb.status, nb.reason, nb.carried_from_item_id) == ("waived", "known rounding", b.id)
    assert (nc.status, nc.carried_from_item_id) == ("open", None)  # was open: nothing to carry
    assert nd.status == "open"
    trail = store.audit(run_id=new.id)
    assert [(e.action, e.item_id) for e in trail] == [("carry_over", na.id), ("carry_over", nb.id)]
    assert trail[0].after["carried_from_run"] == old.id
    assert trail[0].after["carried_from_item"] == a.id
    assert trail[0].before["status"] == "open" and trail[0].after["status"] == "accepted"
    # The old run is untouched.
    assert store.item(c.id).status == "open"


def test_a_finding_that_got_worse_is_reopened_with_the_earlier_decision_shown(store, make_run):
    def scored(key: str, score: float, severity: str = "high") -> ItemIn:
        return finding(key, severity, evidence={"source": "finding", "score": score})

    old = make_run(synthetic="v1.csv")
    items = store.add_items(old.id, [scored("exact_copies|privacy|", 0.8),
                                     scored("marginal|ks|age", 0.70, "medium"),
                                     scored("pair|c|a,b", 0.60, "medium"),
                                     scored("lost|c|d", 0.60, "high")])  # fmt: skip
    for i in items:
        store.decide(i.id, "waived", "Ana", reason="public records", expected_version=1)

    new = make_run(synthetic="v2.csv")
    copies, age, pair, better = store.add_items(new.id, [
        scored("exact_copies|privacy|", 0.1),  # far more copies: same key, much lower score
        scored("marginal|ks|age", 0.69, "medium"),  # within the tolerance: the same finding
        scored("pair|c|a,b", 0.60, "high"),  # severity went up
        scored("lost|c|d", 0.90, "medium"),  # better on both counts
    ])  # fmt: skip

    assert age.status == "waived" and age.carried_from_item_id == items[1].id
    assert better.status == "waived" and better.carried_from_item_id == items[3].id
    for reopened, was in ((copies, items[0]), (pair, items[2])):
        assert (reopened.status, reopened.carried_from_item_id) == ("open", None)
        earlier = reopened.evidence["earlier_decision"]
        assert (earlier["status"], earlier["decided_by"], earlier["reason"]) == (
            "waived",
            "Ana",
            "public records",
        )
        assert earlier["item_id"] == was.id and earlier["severity"] == was.severity
    assert [e.item_id for e in store.audit(run_id=new.id)] == [age.id, better.id]


def test_carry_over_comes_from_the_most_recent_run_on_the_same_real_file(store, make_run):
    first = make_run(synthetic="v1.csv")
    [a1] = store.add_items(first.id, [finding("a|m|x")])
    store.decide(a1.id, "accepted", "Ana", expected_version=1)
    second = make_run(synthetic="v2.csv")
    [a2] = store.add_items(second.id, [finding("a|m|x")])
    store.decide(a2.id, "rejected", "Ben", expected_version=a2.version)
    other_real = make_run(real="other.csv", synthetic="v3.csv")
    third = make_run(synthetic="v3.csv")

    [a3] = store.add_items(third.id, [finding("a|m|x")])
    [ao] = store.add_items(other_real.id, [finding("a|m|x")])

    assert (a3.status, a3.decided_by, a3.carried_from_item_id) == ("rejected", "Ben", a2.id)
    assert other_real.carry_from_run_id is None
    assert ao.status == "open"


def test_row_key_follows_the_row_content_not_its_position():
    row = [35, "F", 1.5]
    assert row_key(row, ["invalid"]) == row_key(list(row), ["invalid"])
    assert row_key(row, ["invalid", "copied"]) == row_key(row, ["copied", "invalid"])
    assert row_key(row, ["invalid"]) != row_key([36, "F", 1.5], ["invalid"])
    assert row_key(row, ["invalid"]) != row_key(row, ["invalid"], occurrence=1)


def test_rejected_row_carries_over_to_the_same_row_at_another_position(store, make_run):
    old = make_run(synthetic="v1.csv")
    key = row_key([-3, "F"], ["invalid"])
    spec = {"key": key, "kind": "invalid", "severity": "high", "message": "age -3"}
    [item] = store.add_items(old.id, [ItemIn(**spec, columns=("age",), row=7)])
    store.decide(item.id, "rejected", "Ana", expected_version=1)
    new = make_run(synthetic="v2.csv")
    store.add_items(new.id, [ItemIn(**spec, columns=("age",), row=2)])
    assert store.rejected_rows(old.id) == [7]
    assert store.rejected_rows(new.id) == [2]


def test_filters_progress_next_open_and_rejected_rows(store, make_run):
    run = make_run()
    items = store.add_items(
        run.id,
        [
            finding("marginal|ks|age", severity="low"),
            finding("invalid:1", severity="high", row=1, columns=("age",)),
            finding("invalid:4", severity="high", row=4, columns=("income",)),
            finding("pair|corr|age", severity="medium", columns=("age", "income")),
        ],
    )
    low, r1, r4, pair = items
    assert [i.id for i in store.items(run.id)] == [r1.id, r4.id, pair.id, low.id]
    assert [i.id for i in store.items(run.id, column="age")] == [r1.id, pair.id, low.id]
    assert [i.id for i in store.items(run.id, kind="invalid", column="income")] == [r4.id]
    assert store.progress(run.id) == (0, 4)

    assert store.next_open(run.id).id == r1.id
    store.decide(r1.id, "rejected", "Ana", expected_version=1)
    assert store.next_open(run.id, after_item_id=r1.id).id == r4.id
    assert store.next_open(run.id, after_item_id=low.id).id == r4.id  # wraps around
    assert store.next_open(run.id, after_item_id=r1.id, column="age").id == pair.id
    # From an item outside the filtered queue: continue from its place, wrapping around.
    assert store.next_open(run.id, after_item_id=pair.id, kind="invalid").id == r4.id
    assert store.next_open(run.id, after_item_id=r1.id, severity="low").id == low.id
    store.decide(r4.id, "accepted", "Ana", expected_version=1)

    assert store.items(run.id, status="open") == [store.item(pair.id), store.item(low.id)]
    assert store.items(run.id, severity="high", status="rejected") == [store.item(r1.id)]
    assert store.progress(run.id) == (2, 4)
    assert store.rejected_rows(run.id) == [1]
    for item in (pair, low):
        store.decide(item.id, "accepted", "Ana", expected_version=1)
    assert store.next_open(run.id, after_item_id=low.id) is None


@sqlite_only
def test_unknown_ids_raise_not_found(store):
    with pytest.raises(NotFound, match="no review item with id 12345"):
        store.item(12345)
    with pytest.raises(NotFound, match="no assessment run"):
        store.run(777)


def test_store_is_ready_for_a_second_opening(db_url):
    with Store(db_url) as one, Store(db_url) as two:
        assert one.schema_version == two.schema_version >= 2
