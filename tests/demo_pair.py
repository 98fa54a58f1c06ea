"""The demo pair encoded and assessed once per test session, as the CLI does it (no app)."""

from __future__ import annotations

import io
from functools import lru_cache

import pandas as pd

from demo.make_demo import demo_csv_bytes
from metrics import suite
from metrics.encode import Encoded, encode
from metrics.options import Options
from metrics.schema import infer


@lru_cache(maxsize=1)
def frames() -> dict[str, pd.DataFrame]:
    """Real, synthetic and holdout frames read back from the demo's CSV bytes."""
    return {role: pd.read_csv(io.BytesIO(data)) for role, data in demo_csv_bytes().items()}


@lru_cache(maxsize=1)
def encoded() -> Encoded:
    f = frames()
    return encode(f["real"], f["synthetic"], infer(f["real"], f["synthetic"]), f["holdout"])


@lru_cache(maxsize=2)
def assessment(target: str | None = "placed") -> suite.Assessment:
    """The suite on the demo pair (with a target: utility is computed). Do not mutate it."""
    inputs = {role: suite.InputInfo(role, f"student_placements_{role}.csv", len(df), df.shape[1],
                                    suite.frame_sha256(df))
              for role, df in frames().items()}  # fmt: skip
    return suite.run(encoded(), Options(target=target), inputs=inputs)
