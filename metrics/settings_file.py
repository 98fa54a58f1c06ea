"""SynthLens' own settings file, kept beside the SDV metadata file.

SDV's metadata refuses keys it does not know, so what SynthLens needs beyond the column kinds
lives in a file of its own next to it: for ``X.json`` it is ``X.synthlens.json``. Format (an
object, so that later versions can add keys)::

    {"synthlens_settings": 1,
     "quasi_identifiers": ["age", "zip"],
     "sensitive": ["diagnosis"],
     "secrets": ["income"]}

- ``quasi_identifiers``: columns an attacker may know from elsewhere;
- ``sensitive``: columns they must not learn (a column is one or the other, never both);
- ``secrets``: the inference attack's secret columns (empty: the sensitive columns, else the
  first columns in turn).

Every list names columns the privacy attacks compare. Anything else that is wrong is a
:class:`SettingsError` with one sentence saying what to fix.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from metrics.schema import listing

VERSION = 1
MARKER = "synthlens_settings"
SUFFIX = ".synthlens.json"
MAX_BYTES = 1_000_000  # a settings file is a few bytes per column name
LISTS = ("quasi_identifiers", "sensitive", "secrets")
LABELS = {
    "quasi_identifiers": "quasi-identifiers",
    "sensitive": "sensitive columns",
    "secrets": "secret columns",
}


class SettingsError(ValueError):
    """A settings file SynthLens cannot use; the message is one sentence saying what to fix."""


@dataclass(frozen=True)
class Settings:
    """The column marks of a settings file (each a tuple of column names, in file order)."""

    quasi_identifiers: tuple[str, ...] = ()
    sensitive: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()

    def marks(self) -> dict[str, tuple[str, ...]]:
        """The marks by name, as ``components.state.set_privacy_marks`` takes them."""
        return {k: getattr(self, k) for k in LISTS}


def settings_path(metadata: str | os.PathLike[str]) -> Path:
    """The settings file beside a metadata file: ``X.json`` -> ``X.synthlens.json``."""
    p = Path(metadata)
    stem = p.name[: -len(".json")] if p.name.lower().endswith(".json") else p.name
    return p.with_name(stem + SUFFIX)


def read_settings(source: bytes | str | os.PathLike[str], columns: Sequence[str]) -> Settings:
    """Read and check a settings file.

    Parameters
    ----------
    source:
        The file's content (bytes), or its path (str or path-like).
    columns:
        The columns the privacy attacks compare (the analysed ones: not id or text).

    Returns
    -------
    Settings
        The marks, duplicates dropped.

    Raises
    ------
    SettingsError
        Missing, too large, not UTF-8, not JSON, not a SynthLens settings object, a newer
        version, an unknown key, a list that is not a list of names, a column that is not
        compared, or a column both quasi-identifier and sensitive.
    """
    data = _load(_content(source))
    if not isinstance(data, dict) or MARKER not in data:
        raise SettingsError(
            f'this is not a SynthLens settings file (it should be a JSON object with "{MARKER}": '
            f"{VERSION})"
        )
    version = data[MARKER]
    if version != VERSION or isinstance(version, bool):
        raise SettingsError(
            f'"{MARKER}" is {_short(version)}; this SynthLens reads version {VERSION} settings '
            "files"
        )
    unknown = [str(k) for k in data if k != MARKER and k not in LISTS]
    if unknown:
        raise SettingsError(
            f"the settings file has unknown keys {listing(_shorts(unknown), 5)}; it may hold "
            f"{', '.join(repr(k) for k in LISTS)}"
        )
    found = {key: _names(data.get(key, []), key, columns) for key in LISTS}
    both = [c for c in found["quasi_identifiers"] if c in set(found["sensitive"])]
    if both:
        raise SettingsError(both_message(both))
    return Settings(**found)


def settings_json(
    quasi_identifiers: Iterable[str] = (),
    sensitive: Iterable[str] = (),
    secrets: Iterable[str] = (),
) -> str:
    """The settings file's text for these marks (what :func:`read_settings` reads back)."""
    data = {
        MARKER: VERSION,
        "quasi_identifiers": list(dict.fromkeys(quasi_identifiers)),
        "sensitive": list(dict.fromkeys(sensitive)),
        "secrets": list(dict.fromkeys(secrets)),
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def both_message(names: Sequence[str]) -> str:
    """The sentence for columns marked both quasi-identifier and sensitive."""
    one = len(names) == 1
    return (
        f"{listing(_shorts(names), 5)} {'is' if one else 'are'} marked both quasi-identifier "
        "and sensitive; a column is one or the other (what an attacker may know, or what they "
        "must not learn)"
    )


def unknown_columns_message(names: Sequence[str], where: str, columns: Sequence[str]) -> str:
    """The sentence for names in ``where`` that are not among ``columns``."""
    one = len(names) == 1
    return (
        f"{where}: {listing(_shorts(names), 5)} {'is not a column' if one else 'are not columns'}"
        " the privacy attacks compare (columns in both files, not of kind id or text; they are "
        f"{listing(_shorts(columns), 8) or 'none'})"
    )


def _content(source: bytes | str | os.PathLike[str]) -> bytes:
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
    else:
        p = Path(source)
        if not p.is_file():
            raise SettingsError(f"the settings file {p.name!r} was not found")
        size = p.stat().st_size
        if size > MAX_BYTES:  # said before reading it
            raise SettingsError(_too_large(size))
        data = p.read_bytes()
    if len(data) > MAX_BYTES:
        raise SettingsError(_too_large(len(data)))
    return data


def _too_large(size: int) -> str:
    return (
        f"the settings file is {size / 1e6:.1f} MB; SynthLens reads settings files up to "
        f"{MAX_BYTES / 1e6:.0f} MB (a few bytes per column name)"
    )


def _load(data: bytes) -> object:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SettingsError("the settings file is not text (UTF-8 JSON)") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SettingsError(
            f"the settings file is not valid JSON: {exc.msg} (line {exc.lineno}, column "
            f"{exc.colno})"
        ) from None
    except RecursionError:
        raise SettingsError("the settings file is nested too deeply to be read") from None


def _names(value: object, key: str, columns: Sequence[str]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingsError(
            f'"{key}" must be a list of column names (text), like ["age", "zip"]; it is '
            f"{_short(value)}"
        )
    names = tuple(dict.fromkeys(value))
    known = set(columns)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SettingsError(unknown_columns_message(unknown, f'"{key}"', columns))
    return names


def _short(value: object, limit: int = 60) -> str:
    """A value for a sentence, cut short: a hostile file may hold megabytes in one place."""
    text = " ".join(json.dumps(value, ensure_ascii=False, default=str).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _shorts(names: Iterable[object], limit: int = 60) -> list[str]:
    return [n if len(n) <= limit else n[: limit - 1] + "…" for n in map(str, names)]
