"""One place that makes user-controlled text safe for each sink it reaches.

Column names, category values, file names, reviewer names, reasons and comments come from
people and files we do not control. Each sink interprets a different syntax, so each has its own
function here, and every page, report and download calls these instead of escaping by hand:

- ``md``: Streamlit Markdown (st.markdown, st.caption, st.error, labels...), which renders links,
  images (fetched by the browser), HTML-ish tags, LaTeX between dollars, ``:color[...]`` and
  ``:material/...:`` directives, lists and headings.
- ``html_text``: the self-contained HTML report.
- ``plotly_label``: Plotly titles, tick labels, legends and hover text, which render a subset of
  HTML (``<a href>``, ``<span style>``, ``<br>``) and decode entities.
- ``csv_cell`` / ``csv_safe``: cells a spreadsheet would run as formulas (CSV injection).
"""

from __future__ import annotations

import html
import re
import string
from typing import Any

import pandas as pd

# CommonMark lets any ASCII punctuation be escaped with a backslash, and an escaped character is
# always literal. Escaping all of it (not a hand-picked list) also defeats what the list forgets:
# GFM autolinks ("http\://" is no link), LaTeX, Streamlit's ":red[...]" and ":material/x:" and
# list or heading markers at the start of a line.
_MD_SPECIAL = re.compile("([" + re.escape(string.punctuation) + "])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# GFM turns bare URLs and e-mail addresses into links even when their punctuation is escaped:
# an invisible WORD JOINER inside the trigger ("http:", "www.", "@") stops it.
_AUTOLINK = re.compile(r"(?i)(?<=https)(?=:)|(?<=http)(?=:)|(?<=ftp)(?=:)|(?<=w)(?=ww\.)|(?<=@)")
_JOINER = "\u2060"


def md(value: Any) -> str:
    """``value`` as literal text inside Streamlit Markdown, on one line."""
    text = _LINE_BREAKS.sub(" ", str(value))
    text = _AUTOLINK.sub(_JOINER, text)
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_code(value: Any) -> str:
    """``value`` shown as inline code: nothing inside a code span is interpreted, but a
    backtick in the value would close the span, so the fence is made longer than any run of
    backticks inside."""
    text = _LINE_BREAKS.sub(" ", str(value))
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def html_text(value: Any) -> str:
    """``value`` as literal text in HTML, attributes included."""
    return html.escape(str(value), quote=True)


def plotly_label(value: Any) -> str:
    """``value`` as literal text in a Plotly label: Plotly turns ``&lt;`` back into ``<`` when
    it draws, so the tags it would interpret become plain characters."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plotly_labels(values: Any) -> list[str]:
    return [plotly_label(v) for v in values]


def csv_cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, made plain text with a leading '.

    Leading spaces and line breaks are looked through: some spreadsheets trim them first.
    """
    if isinstance(value, str) and value.lstrip(" \n\r\t").startswith(FORMULA_START):
        return "'" + value
    return value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names cannot run as formulas.

    Only text (object or string) columns can hold a formula; numbers, including negative ones,
    stay numbers.
    """
    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
            out[name] = col.astype(object).map(csv_cell)
    out.columns = [csv_cell(str(c)) for c in out.columns]
    return out
