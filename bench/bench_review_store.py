"""Time the review store's write paths that the audit hash chain sits on.

A run with N items (findings and flagged rows, a third of them high severity) is added; the
reviewer decides 200 of them one by one; a second run on the same real file carries every
decision over (the bulk insert path, one chained audit row per carried item); a sign-off is
recorded; the whole chain is verified. Each step's wall time is printed as JSON.

Usage: ``python bench/bench_review_store.py [--items N] [--url URL]`` (default: a SQLite file in
a temporary folder). One core.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from review import ItemIn, Store  # noqa: E402


def _sha(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


def _items(n: int) -> list[ItemIn]:
    severities = ("high", "medium", "low")
    return [ItemIn(key=f"k{i}", kind="invalid" if i % 2 else "marginal", severity=severities[i % 3],
                   message=f"finding {i}", columns=(f"c{i % 20}",), row=i if i % 2 else None)
            for i in range(n)]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--url", default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite+pysqlite:///{Path(tmp) / 'bench.db'}"
        timings: dict[str, float] = {}
        with Store(url, webhooks=None) as store:
            items = _items(args.items)
            start = time.perf_counter()
            run = store.get_or_create_run({"real": _sha("r"), "synthetic": _sha("s1")}, {}, "b",
                                          {}, {})  # fmt: skip
            added = store.add_items(run.id, items)
            timings["add_items_first_run_s"] = time.perf_counter() - start
            start = time.perf_counter()
            for item in added[:200]:
                store.decide(item.id, "accepted", "Ana", expected_version=item.version)
            timings["decide_200_s"] = time.perf_counter() - start
            for item in store.items(run.id)[200:]:  # the rest decided too: all are carried
                store.decide(item.id, "accepted", "Bo", expected_version=item.version)
            start = time.perf_counter()
            second = store.get_or_create_run({"real": _sha("r"), "synthetic": _sha("s2")}, {},
                                             "b", {}, {})  # fmt: skip
            store.add_items(second.id, items)
            timings["add_items_carry_over_s"] = time.perf_counter() - start
            start = time.perf_counter()
            store.sign_off(second.id, "rejected", "Cy", "bench", {}, {}, [])
            timings["sign_off_s"] = time.perf_counter() - start
            start = time.perf_counter()
            state = store.chain_state() if hasattr(store, "chain_state") else None
            timings["verify_chain_s"] = time.perf_counter() - start
            rows = state.rows_checked if state is not None else None
        print(json.dumps({"items": args.items, "chained_rows": rows,
                          **{k: round(v, 3) for k, v in timings.items()}}))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
