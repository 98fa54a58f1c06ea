"""Hostile strings for every sink: Markdown images and links, raw HTML, Plotly's pseudo-HTML,
Streamlit directives, LaTeX, spreadsheet formulas, very long and right-to-left text.

``CANARY`` is a loopback address nothing should ever fetch: a browser test serves it and fails
on any hit, other tests look for the payloads left unescaped.
"""

from __future__ import annotations

import csv
import io

CANARY_HOST = "127.0.0.1"


def payloads(port: int = 9) -> dict[str, str]:
    """Name -> hostile string; URLs point at the canary on ``port``."""
    url = f"http://{CANARY_HOST}:{port}"
    return {
        "md_image": f"![d]({url}/md-image.png)",
        "md_link": f"[click]({url}/md-link)",
        "html_img": f'<img src="{url}/html-img.png">',
        "plotly_link": f'<a href="{url}/plotly-link">a</a>',
        "plotly_style": '<span style="color:red">s</span>',
        "directive": ":red[alarm] :material/warning:",
        "latex": "$x^2$",
        "formula": '=HYPERLINK("' + url + '/formula")',
        "plus": "+1+1",
        "at": "@SUM(1)",
        "rtl": "\u202eevil\u202c name",
        "long": "L" * 300,
    }


# Payloads that are dangerous as written (not just odd): they must never reach a sink raw.
LIVE = ("md_image", "md_link", "html_img", "plotly_link", "plotly_style")
FORMULAS = ("formula", "plus", "at")


def hostile_pair(port: int = 9, rows: int = 90) -> tuple[bytes, bytes]:
    """A real and a synthetic CSV whose column names and category values are payloads.

    The synthetic side adds an unseen category (a payload), an out-of-range number and a
    column only it has, so the payloads reach findings, flags and schema warnings too.
    """
    p = payloads(port)
    cats = [p["plotly_link"], p["plotly_style"], p["formula"], p["rtl"]]
    header = ["age", p["md_image"], p["html_img"], p["long"]]

    def table(n: int, synthetic: bool) -> bytes:
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(header + ([p["md_link"]] if synthetic else []))
        for i in range(n):
            cat = cats[i % len(cats)]
            if synthetic and i % 15 == 0:
                cat = p["at"]  # a category the real data never has
            age = 20 + (i * 7) % 50 + (200 if synthetic and i == 3 else 0)
            row = [age, cat, p["plus"] if i % 2 else p["latex"], p["directive"] if i % 3 else "x"]
            w.writerow(row + ([p["md_link"]] if synthetic else []))
        return out.getvalue().encode("utf-8")

    return table(rows, False), table(rows, True)
