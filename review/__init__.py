"""Pure persistence for SynthLens' human review: runs, review items, decisions, audit trail,
sign-offs, and the sign-off policy with its gates. Nothing here imports Streamlit.

Typical use::

    store = Store()  # SQLite ./synthlens.db, or SYNTHLENS_DB_PATH / SYNTHLENS_DATABASE_URL
    run = store.get_or_create_run(inputs, names, version, settings, scores)
    store.add_items(run.id, [ItemIn(key=f.key(), kind=f.kind, ...) for f in findings])
    item = store.next_open(run.id)
    store.decide(item.id, "accepted", "Ana", expected_version=item.version)
    gates = evaluate(load_policy(None), scores, open_high=..., extra=...)
    store.sign_off(run.id, "approved", "Ana", "Fit for training", policy, scores, gates)
"""

from review.policy import (
    Gate,
    Policy,
    PolicyError,
    default_policy,
    dump_policy,
    evaluate,
    gates_pass,
    load_policy,
)
from review.records import (
    AuditEntry,
    Comment,
    InvalidInput,
    Item,
    ItemIn,
    NotFound,
    Run,
    SchemaTooNew,
    SignOff,
    SignOffRefused,
    StaleUpdate,
    StoreError,
    row_key,
)
from review.store import Store

__all__ = [
    "AuditEntry",
    "Comment",
    "Gate",
    "InvalidInput",
    "Item",
    "ItemIn",
    "NotFound",
    "Policy",
    "PolicyError",
    "Run",
    "SchemaTooNew",
    "SignOff",
    "SignOffRefused",
    "StaleUpdate",
    "Store",
    "StoreError",
    "default_policy",
    "dump_policy",
    "evaluate",
    "gates_pass",
    "load_policy",
    "row_key",
]
