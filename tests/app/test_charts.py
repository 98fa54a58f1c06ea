"""Chart builders: axes say what they show."""

from __future__ import annotations

import numpy as np
import pandas as pd

from components import charts
from metrics.encode import encode
from metrics.schema import infer


def test_mixed_pair_titles_the_category_axis_with_the_category_whichever_comes_first():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"score": rng.normal(60, 10, 200),
                       "track": rng.choice(["Arts", "Science"], 200)})  # fmt: skip
    enc = encode(df, df, infer(df, df))
    for a, b in (("score", "track"), ("track", "score")):
        fig = charts.joint_view(enc, a, b)
        assert set(fig.data[0].x) == {"Arts", "Science"}
        assert fig.layout.xaxis.title.text == "track"
        assert fig.layout.yaxis.title.text == "score"
