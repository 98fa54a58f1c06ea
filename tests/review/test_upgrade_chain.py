"""A review database written before issue 15 upgrades in place: every row kept, old rows
chained and marked as predating the chain, new rows chained after them (SQLite, PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, inspect, text
from storekit import finding, make_pre_chain, sha

from review import Store

OLD_ROWS = 6  # 2 decisions, 1 comment, 1 sign-off and its audit row, 1 carry-over


def _old_database(url: str) -> dict[str, Any]:
    """Decisions, a comment, a carry-over and a sign-off, written, then turned pre-issue-15."""
    with Store(url, webhooks=None) as store:
        inputs = {"real": sha("real.csv"), "synthetic": sha("synthetic.csv")}
        first = store.get_or_create_run(inputs, {"real": "real.csv"}, "0.1.0", {"seed": 0}, {})
        [item] = store.add_items(first.id, [finding("a|m|x", "low")])
        item = store.decide(item.id, "accepted", "Ana", expected_version=1)
        store.comment(item.id, "Ana", "fine")
        store.decide(item.id, "waived", "Ana", reason="known", expected_version=item.version)
        store.sign_off(first.id, "rejected", "Bo", "not yet", {}, {}, [])
        second = store.get_or_create_run(inputs, {"real": "real.csv"}, "0.1.0", {"seed": 1}, {})
        store.add_items(second.id, [finding("a|m|x", "low")])
        seen = {
            "audit": [
                (e.id, e.action, e.actor) for r in (first, second) for e in store.audit(run_id=r.id)
            ],  # fmt: skip
            "sign_offs": [
                (s.id, s.decision, s.name, s.statement) for s in store.sign_offs(first.id)
            ],  # fmt: skip
            "items": store.items(second.id),
            "runs": (first.id, second.id),
        }
    assert len(seen["audit"]) + len(seen["sign_offs"]) == OLD_ROWS
    make_pre_chain(url)
    return seen


def _chain_tables(url: str) -> bool:
    engine = create_engine(url)
    try:
        return "synthlens_chain" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_an_old_database_is_chained_in_place_and_new_rows_follow(db_url):
    seen = _old_database(db_url)
    assert not _chain_tables(db_url)  # really a pre-issue-15 database

    with Store(db_url) as store:
        first, second = seen["runs"]
        assert [(e.id, e.action, e.actor) for r in seen["runs"]
                for e in store.audit(run_id=r)] == seen["audit"]  # fmt: skip
        old = store.sign_offs(first)
        assert [(s.id, s.decision, s.name, s.statement) for s in old] == seen["sign_offs"]
        # What was never recorded reads back as unknown, never as "unverified".
        assert [(s.verified, s.meaning, s.policy_version) for s in old] == [(None, None, None)]
        assert all(e.actor_verified is None for e in store.audit(run_id=first))
        assert store.items(second) == seen["items"]

        state = store.chain_state()
        assert state.intact, state.summary()
        assert (state.rows_checked, state.predating) == (OLD_ROWS, OLD_ROWS)
        assert "predating the chain" in state.summary()

        [item] = store.items(second)
        store.decide(item.id, "rejected", "Cy", reason="now worse", expected_version=item.version)
        signed = store.sign_off(second, "rejected", "Cy", "no", {}, {}, [])
        assert signed.verified is False  # new rows say what they know
        after = store.chain_state()
        assert after.intact, after.summary()
        assert (after.rows_checked, after.predating) == (OLD_ROWS + 3, OLD_ROWS)
        head = (after.head_seq, after.head_hash)

    with Store(db_url) as again:  # a second open must not adopt (or re-chain) anything
        state = again.chain_state()
        assert state.intact, state.summary()
        assert (state.head_seq, state.head_hash) == head
        assert (state.rows_checked, state.predating) == (OLD_ROWS + 3, OLD_ROWS)
        with again.engine.connect() as conn:
            flags = conn.execute(text("SELECT predates_chain FROM synthlens_chain ORDER BY seq"))
            assert [bool(f) for f in flags.scalars()] == [True] * OLD_ROWS + [False] * 3
