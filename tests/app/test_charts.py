"""Chart builders: axes say what they show."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metrics.encode import encode
from metrics.schema import infer
from outputs import charts, row_charts
from tests import demo_pair


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


def _outside(fig) -> dict[str, int]:
    """Bar label -> count of the out-of-range bars ("3 below": 3)."""
    out = {}
    for trace in fig.data:
        if trace.name and "outside the real range" in trace.name:
            count, where = trace.text[0].split()
            out[f"{trace.name.split()[0]} {where}"] = int(count.replace(",", ""))
    return out


def test_demo_salary_chart_shows_the_values_below_the_real_range_with_their_count():
    enc = demo_pair.encoded()
    syn = demo_pair.frames()["synthetic"]["salary"]
    real_min = demo_pair.frames()["real"]["salary"].min()
    below = int((syn < real_min).sum())
    assert below == 3  # the planted -25,000 salaries
    fig = charts.distribution(enc, "salary")
    assert _outside(fig) == {"Synthetic below": below}
    note = " ".join(a.text for a in fig.layout.annotations)
    assert "3 synthetic rows below (lowest -25,000)" in note
    assert "20,000 to 65,000" in note  # the real range it is outside of
    # Nothing is folded into the end bins: in-range and out-of-range shares add up to the
    # non-missing share of the synthetic rows.
    syn_bars = [t for t in fig.data if t.name and t.name.startswith("Synthetic")]
    total = sum(float(np.sum(t.y)) for t in syn_bars)
    assert total == pytest.approx(syn.notna().mean())
    # The in-range synthetic bars hold no more rows than lie within the real range.
    inside = next(t for t in syn_bars if "outside" not in t.name)
    assert float(np.sum(inside.y)) == pytest.approx(((syn >= real_min).sum()) / len(syn))


def test_demo_degree_chart_shows_the_values_above_the_real_range_and_the_holdouts():
    enc = demo_pair.encoded()
    fig = charts.distribution(enc, "degree_perc", with_holdout=True)
    counts = _outside(fig)
    assert counts["Synthetic above"] == 3  # the planted 112.5 percentages
    assert {"Holdout below", "Holdout above"} <= set(counts)
    note = " ".join(a.text for a in fig.layout.annotations)
    assert "3 synthetic rows above (highest 112.5)" in note
    # Drawn distinctly: hatched, and a shaded band behind the bar.
    bar = next(t for t in fig.data if t.name == "Synthetic outside the real range")
    assert bar.marker.pattern.shape == "/"
    assert fig.layout.shapes, "the out-of-range band is shaded"


def test_a_column_within_the_real_range_has_no_out_of_range_bar_or_note():
    rng = np.random.default_rng(1)
    real = pd.DataFrame({"x": rng.normal(0, 1, 300)})
    syn = pd.DataFrame({"x": rng.uniform(real["x"].min(), real["x"].max(), 300)})
    fig = charts.distribution(encode(real, syn, infer(real, syn)), "x")
    assert _outside(fig) == {} and not fig.layout.annotations


LINK = '<a href="http://x">a</a>'
STYLED = '<span style="color:red">s</span>'


def _strings(node) -> list[str]:
    """Every string in a figure's JSON: titles, names, ticks, categories, hover templates..."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list | tuple | np.ndarray):
        return [s for v in node for s in _strings(v)]
    return []


def _assert_no_markup(fig) -> None:
    found = [s for s in _strings(fig.to_plotly_json()) if "<a " in s or "<span" in s]
    assert found == [], found


def test_every_figure_shows_hostile_column_and_category_names_as_text():
    rng = np.random.default_rng(2)
    n = 300
    df = pd.DataFrame({
        LINK: rng.normal(50, 10, n), STYLED: rng.normal(5, 1, n),
        "cat " + LINK: rng.choice([LINK, STYLED, "plain"], n),
        "cat " + STYLED: rng.choice([LINK, STYLED], n),
    })  # fmt: skip
    enc = encode(df, df, infer(df, df))
    figs = [charts.distribution(enc, c, with_holdout=True) for c in df.columns]
    figs += [charts.joint_view(enc, a, b) for a in df.columns for b in df.columns if a != b]
    corr = df[[LINK, STYLED]].corr()
    figs.append(charts.correlation_heatmaps(corr, corr))
    figs.append(
        charts.score_bars(
            pd.DataFrame({"column": list(df.columns), "score": [0.5, 0.6, 0.7, 0.8]}), "column"
        )
    )
    figs.append(row_charts.flag_share_bars({"x": 1}, 10, {"x": LINK}))
    details = pd.DataFrame({"model": [LINK, LINK], "train": ["trtr", "tstr"],
                            "accuracy": [0.9, 0.8]})  # fmt: skip
    figs.append(row_charts.utility_bars(details))
    figs.append(row_charts.recall_bars({STYLED: {"trtr": {LINK: 0.9}, "tstr": {LINK: 0.5}}}))
    figs.append(row_charts.importance_bars({"trtr": {LINK: 0.2}, "tstr": {STYLED: 0.1}}))
    for fig in figs:
        _assert_no_markup(fig)
    # The names are still there, escaped: Plotly shows them as the characters they are.
    cat_fig = charts.distribution(enc, "cat " + LINK)
    assert '&lt;a href="http://x"&gt;a&lt;/a&gt;' in list(cat_fig.data[0].x)


def test_dates_after_2262_are_drawn_not_wrapped_around():
    # int64 nanoseconds end in April 2262; Parquet (and the reader) keep later dates.
    days = np.array(["2300-01-01", "2300-06-01", "2301-01-01"] * 20, dtype="datetime64[ms]")
    real = pd.DataFrame({"t": days})
    synthetic = real.copy()
    synthetic.loc[0, "t"] = np.datetime64("2200-01-01", "ms")  # below the real range
    enc = encode(real, synthetic, infer(real, synthetic))
    fig = charts.distribution(enc, "t")
    xs = [str(x) for trace in fig.data for x in (trace.x if trace.x is not None else [])]
    assert any(x.startswith("2300") for x in xs), xs[:5]
    assert not any(x.startswith("16") or x.startswith("17") for x in xs), xs[:5]
