"""The assessments behind the golden JSON reports: the demo pair and a seeded 10k-row table.

Regenerate the files only when a change alters scores on purpose, and list the differences in
the closing note: ``.venv/bin/python -m tests.golden.cases``.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd

from bench.synth_table import make_pair
from demo.make_demo import demo_csv_bytes
from metrics.suite import assess
from outputs import json_report

HERE = Path(__file__).resolve().parent
# Keys that change from run to run or release to release, not with the data.
VOLATILE = {"timings_seconds", "tool"}


def demo() -> dict:
    frames = {k: pd.read_csv(io.BytesIO(v)) for k, v in demo_csv_bytes().items()}
    a = assess(frames["real"], frames["synthetic"], frames["holdout"])
    return json.loads(json_report.to_json(a))


def table10k() -> dict:
    real, synthetic, schema = make_pair(10_000, seed=11)
    return json.loads(json_report.to_json(assess(real, synthetic, schema=schema)))


CASES = {"demo": demo, "table10k": table10k}


def write() -> None:
    for name, build in CASES.items():
        data = {k: v for k, v in build().items() if k not in VOLATILE}
        (HERE / f"{name}.json").write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
        print(HERE / f"{name}.json")


if __name__ == "__main__":
    write()
