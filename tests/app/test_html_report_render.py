"""The HTML report as a pure function (no server, no browser): every section a stakeholder needs,
findings and gates in words, counts as whole numbers, nothing loaded from the network, and no
markup from the user's files."""

from __future__ import annotations

import dataclasses
import json
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from metrics import suite
from metrics.encode import encode
from metrics.options import Options
from metrics.schema import infer
from outputs import html_report
from outputs import review_report as rr
from outputs.review_items import identity, items_for, kind_title
from review import Store, load_policy
from review.gating import evaluate_assessment, gate_dict
from tests import demo_pair

LINK = '<a href="http://x">a</a>'
STYLED = '<span style="color:red">s</span>'


class Page(HTMLParser):
    """The elements of a page (tag and attributes), the h2 headings and the text of each
    section, the table rows, and the raw text of every script."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[str] = []
        self.scripts: list[str] = []
        self.rows: list[list[str]] = []
        self._tag = ""
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._tag = tag
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th") and self.rows:
            self.rows[-1].append("")

    def handle_endtag(self, tag):
        self._tag = ""

    def handle_data(self, data):
        if self._tag == "h2":
            self.headings.append(data)
        elif self._tag == "script":
            self.scripts.append(data)
        elif self.rows and self.rows[-1] and self._tag in ("td", "th", "b", "span", "code"):
            self.rows[-1][-1] += data

    def figures(self) -> dict:
        """The figures' JSON from the report's own script block."""
        block = next(s for s in self.scripts if s.startswith("const FIGS="))
        return json.loads(block.removeprefix("const FIGS=").split(";const CONFIG=", 1)[0])

    def config(self) -> dict:
        """The plotly config every figure is drawn with."""
        block = next(s for s in self.scripts if s.startswith("const FIGS="))
        return json.loads(block.split(";const CONFIG=", 1)[1].split(";for(", 1)[0])


def _strings(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def _review(a, synthetic: pd.DataFrame, tmp_path) -> dict:
    """A review with one finding and one row rejected, not signed off."""
    with Store(f"sqlite+pysqlite:///{tmp_path / 'r.db'}") as store:
        ident = identity(a)
        run = store.get_or_create_run(ident.inputs, ident.names, ident.tool_version,
                                      ident.settings, ident.scores)  # fmt: skip
        items = store.add_items(run.id, items_for(a, synthetic))
        finding = next(i for i in items if i.row is None)
        store.decide(finding.id, "rejected", "Ana", reason="must be fixed",
                     expected_version=finding.version)  # fmt: skip
        row = next(i for i in items if i.row is not None)
        store.decide(row.id, "rejected", "Ana", reason="copied", expected_version=row.version)
        policy = load_policy(None)
        gates = rr.gates_for(policy, a, store.items(run.id))
        return rr.review_dict(store, run.id, policy, gates)


@pytest.fixture(scope="module")
def demo_page(tmp_path_factory) -> tuple[str, Page]:
    a = demo_pair.assessment("placed")
    review = _review(a, demo_pair.frames()["synthetic"], tmp_path_factory.mktemp("db"))
    text = html_report.render(a, demo_pair.encoded(), review)
    return text, Page(text)


def test_the_demo_report_holds_every_section_a_stakeholder_needs(demo_page):
    _, page = demo_page
    for heading in ("Summary", "Scores", "Findings", "Columns", "Pairs", "Privacy", "Utility",
                    "Flagged rows", "Gates", "Review and sign-off"):  # fmt: skip
        assert heading in page.headings
    text = "\n".join(" | ".join(r) for r in page.rows)
    assert "Not ready" in demo_page[0]  # the verdict, with the gates that block it
    assert "Trained on synthetic (TSTR)" in text and "Macro F1" in text  # utility per model
    assert "Exact copies" in text and "Nearer training rows (DCR share)" in text  # privacy
    assert "salary = -25,000 is below the real minimum" in text  # flagged rows with reasons
    assert "Invalid value | 6" in text  # counts by reason


def test_findings_and_decisions_show_their_kind_in_words(demo_page):
    _, page = demo_page
    a = demo_pair.assessment("placed")
    cells = {c for row in page.rows for c in row}
    # Each cause heads its group ("Relation between columns differs (3)").
    for f in a.findings:
        assert any(c == kind_title(f.kind) or c.startswith(kind_title(f.kind) + " (")
                   for c in cells), f.kind  # fmt: skip
        assert f.kind not in cells or f.kind == kind_title(f.kind)


def test_findings_on_a_wide_table_show_ten_grouped_by_cause_and_the_rest_behind_a_click():
    from metrics.results import Finding
    from outputs import html_scores

    kinds = ["marginal", "pair", "missing_category"]
    found = [Finding(kinds[i % 3], "high" if i < 4 else "low", tuple(f"c{j}" for j in range(i + 1)),
                     f"finding {i} <b>", "column_shapes", beyond=1 - i / 30) for i in range(25)]  # fmt: skip
    a = demo_pair.assessment("placed")
    text = html_scores.findings(dataclasses.replace(a, findings=found))
    shown, hidden = text.split("<details class='more'>")
    assert "<summary>15 more findings</summary>" in hidden
    assert all(f"finding {i} &lt;b&gt;" in shown for i in range(10))
    assert not any(f"finding {i} &lt;" in shown for i in range(10, 25))
    assert all(f"finding {i} &lt;b&gt;" in hidden for i in range(10, 25))
    # One heading per cause, in the order of its worst finding, with its count.
    heads = re.findall(r"<tr class='group'><th colspan='4'>([^<]*)</th>", shown)
    assert heads == ["Column distribution differs (4)", "Relation between columns differs (3)",
                     "Real category missing (3)"]  # fmt: skip
    # A finding about many columns lists four and keeps the others one click away.
    assert "<details><summary>c0, c1, c2, c3 and 5 more</summary>c4, c5, c6, c7, c8</details>" in (
        shown
    )
    assert "<td class='n'>0.97</td>" in shown  # below a real sample by, beyond the interval


def test_count_gates_print_whole_numbers(demo_page):
    _, page = demo_page
    gates = {row[0]: row for row in page.rows if len(row) == 6}
    assert gates["Rejected findings"][2:4] == ["0", "1"]
    assert gates["Open high-severity findings"][2] == "0"
    assert re.fullmatch(r"\d+", gates["Open high-severity findings"][3])
    assert gates["Overall score"][2] == "0.80"


def test_gate_dict_gives_counts_as_integers():
    gates = evaluate_assessment(load_policy(None), demo_pair.assessment("placed"), rejected=2)
    by_name = {g.name: gate_dict(g) for g in gates}
    rejected = by_name["max_rejected_findings"]
    assert (rejected["threshold"], rejected["value"], rejected["kind"]) == (0, 2, "max_count")
    assert isinstance(rejected["value"], int) and isinstance(rejected["threshold"], int)
    assert isinstance(by_name["overall_min"]["threshold"], float)


def test_the_report_loads_nothing_from_the_network(demo_page):
    _, page = demo_page
    for tag, attrs in page.elements:
        for name in ("src", "href"):
            value = attrs.get(name) or ""
            assert "http" not in value and "//" not in value, (tag, attrs)
    assert not [t for t, _ in page.elements if t in ("link", "img", "iframe")]
    # plotly.js would offer to upload a chart to Plotly Cloud: no destination, no button.
    config = page.config()
    assert (
        config["plotlyServerURL"] == "" and "sendChartToCloud" in config["modeBarButtonsToRemove"]
    )


def test_pairs_and_privacy_are_drawn(demo_page):
    _, page = demo_page
    traces = [t["type"] for f in page.figures().values() for t in f["data"]]
    assert traces.count("heatmap") >= 3  # real, synthetic and difference correlations
    names = {t.get("name") for f in page.figures().values() for t in f["data"]}
    assert {"Synthetic rows", "Real holdout rows"} <= names  # the distance histogram
    assert "Synthetic outside the real range" in names  # salary's -25,000, drawn apart


def test_hostile_column_and_category_names_stay_text_in_the_page_and_the_charts(tmp_path):
    rng = np.random.default_rng(5)
    n = 240
    real = pd.DataFrame({
        LINK: rng.normal(50, 10, n).round(1), STYLED: rng.normal(10, 2, n).round(2),
        "kind " + STYLED: rng.choice([LINK, STYLED, "plain"], n),
        "target": rng.choice(["yes", "no"], n),
    })  # fmt: skip
    synthetic = real.sample(frac=1.0, random_state=2).reset_index(drop=True)
    synthetic[LINK] = synthetic[LINK] * 1.5 + 20  # a drift: a finding naming the column
    synthetic.loc[:3, STYLED] = -50.0  # out of range: flagged rows
    enc = encode(real, synthetic, infer(real, synthetic))
    inputs = {role: suite.InputInfo(role, f"{LINK}.csv", len(df), df.shape[1],
                                    suite.frame_sha256(df))
              for role, df in (("real", real), ("synthetic", synthetic))}  # fmt: skip
    a = suite.run(enc, Options(target="target"), inputs=inputs)
    text = html_report.render(a, enc, _review(a, synthetic, tmp_path))
    page = Page(text)
    for tag, attrs in page.elements:
        assert tag != "img"
        if tag == "a":  # the report's own links go to its sections
            assert str(attrs.get("href", "")).startswith("#"), attrs
        if tag == "span":
            assert "style" not in attrs, attrs
    assert LINK in "".join(c for row in page.rows for c in row)  # shown, as text
    found = [s for f in page.figures().values() for s in _strings(f)
             if "<a " in s or "<span" in s]  # fmt: skip
    assert found == []


def test_the_demo_privacy_section_shows_the_attacks_against_its_holdout(demo_page):
    text, _ = demo_page
    start = text.index("<section id='privacy'>")
    section = Page(text[start : text.index("</section>", start)])
    attacks = {r[0].split(" Someone")[0] for r in section.rows if len(r) == 7}
    assert {"Singling out", "Linkability", "Attribute inference",
            "Membership inference"} <= attacks  # fmt: skip
    assert "Control: the 54 uploaded holdout rows" in text
    assert "Quasi-identifiers" in text
