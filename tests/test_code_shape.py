"""The shape the design asks for, checked: small modules, short functions (or a reason)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("metrics", "review", "components", "outputs")
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60
# A longer function carries a comment starting with this on the line above its ``def``.
REASON = "# long:"


def _files() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).glob("*.py"))


def test_no_module_is_over_400_lines():
    long = {str(p.relative_to(ROOT)): n for p in _files()
            if (n := len(p.read_text().splitlines())) > MAX_FILE_LINES}  # fmt: skip
    assert not long, long


def test_a_function_over_60_lines_says_why():
    found = []
    for path in _files():
        lines = path.read_text().splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            above = lines[first - 2].strip() if first >= 2 else ""
            if length > MAX_FUNCTION_LINES and not above.startswith(REASON):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length})")
    assert not found, found
