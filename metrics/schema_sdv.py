"""SDV metadata JSON in and out: what :func:`metrics.schema.to_sdv_metadata` and
:func:`metrics.schema.from_sdv_metadata` do."""

from __future__ import annotations

import difflib
import json
from dataclasses import replace

from metrics.schema import ColumnSpec, Kind, Schema, SchemaError, listing

_SDTYPE_KIND = {
    "numerical": Kind.NUMERICAL, "latitude": Kind.NUMERICAL, "longitude": Kind.NUMERICAL,
    "categorical": Kind.CATEGORICAL, "ordinal": Kind.CATEGORICAL, "boolean": Kind.BOOLEAN,
    "datetime": Kind.DATETIME, "id": Kind.ID, "text": Kind.TEXT,
    # SDV's personal-data sdtypes (Faker names): places are categories, identifiers ids, prose text.
    **dict.fromkeys(["country", "country_code", "city", "state", "state_abbr", "postcode",
                     "zipcode", "administrative_unit", "currency_code", "language_code", "job",
                     "company"], Kind.CATEGORICAL),
    **dict.fromkeys(["email", "phone_number", "ssn", "credit_card_number", "iban", "bban",
                     "swift11", "swift8", "ipv4_address", "ipv6_address", "ip_address",
                     "mac_address", "license_plate", "vin", "uuid", "name", "first_name",
                     "last_name", "user_name", "url", "isbn", "ean", "passport_number"], Kind.ID),
    **dict.fromkeys(["address", "street_address", "paragraph", "sentence", "unknown"], Kind.TEXT),
}  # fmt: skip
_KIND_WORDS = {
    Kind.NUMERICAL: "compared as numbers", Kind.CATEGORICAL: "compared as categories",
    Kind.ID: "an identifier, left out of the statistics",
    Kind.TEXT: "free text, left out of the statistics",
}  # fmt: skip


def to_metadata(schema: Schema, table_name: str | None = None) -> dict:
    """See ``metrics.schema.to_sdv_metadata``."""
    columns: dict[str, dict] = {}
    for c in schema.columns:
        entry: dict = {"sdtype": c.sdtype or c.kind.value}
        if c.kind is Kind.DATETIME and c.datetime_format:
            entry["datetime_format"] = c.datetime_format
        columns[str(c.name)] = entry
    table: dict = {"columns": columns}
    if schema.primary_key is not None and schema.primary_key in schema.names(Kind.ID):
        table = {"primary_key": str(schema.primary_key), **table}
    if table_name is None:
        return {"METADATA_SPEC_VERSION": "SINGLE_TABLE_V1", **table}
    return {"METADATA_SPEC_VERSION": "MULTI_TABLE_V1", "tables": {table_name: table},
            "relationships": []}  # fmt: skip


def _load(meta: dict | str | bytes) -> dict:
    if isinstance(meta, bytes | str):
        try:
            meta = json.loads(meta)
        except json.JSONDecodeError as exc:
            raise SchemaError(
                f"This is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}). "
                "Export the metadata again (SDV: metadata.save_to_json) or fix the file."
            ) from None
    if not isinstance(meta, dict):
        raise SchemaError(
            'SDV metadata must be a JSON object with a "columns" entry (or "tables" with one '
            f"table); this one is a {type(meta).__name__}."
        )
    return meta


def _pick_table(meta: dict, table_name: str | None) -> tuple[dict, str]:
    tables = meta["tables"]
    if not isinstance(tables, dict) or not tables:
        raise SchemaError('The metadata\'s "tables" entry holds no table to use.')
    names = list(tables)
    if table_name is None and len(names) > 1:
        raise SchemaError(
            f"The metadata describes {len(names)} tables ({listing(names)}); SynthLens compares "
            "one table. Say which one matches the real data, or keep only that table in the file."
        )
    name = names[0] if table_name is None else table_name
    if name not in tables:
        raise SchemaError(f"The metadata has no table '{name}'; it has {listing(names)}.")
    return tables[name], f" of table '{name}'"


def _column_spec(name, entry, base: ColumnSpec | None) -> ColumnSpec:
    if not isinstance(entry, dict):
        raise SchemaError(f"Column '{name}' must be described by an object like "
                          "{\"sdtype\": \"numerical\"}.")  # fmt: skip
    sdtype = entry.get("sdtype", entry.get("type"))  # "type" in SDV's older (0.x) format
    if not isinstance(sdtype, str) or not sdtype:
        raise SchemaError(f"Column '{name}' has no \"sdtype\"; give one of numerical, "
                          "categorical, boolean, datetime, id or text.")  # fmt: skip
    fmt = entry.get("datetime_format", entry.get("format"))
    if fmt is not None and not isinstance(fmt, str):
        raise SchemaError(f"The datetime_format of column '{name}' must be a string like "
                          "\"%Y-%m-%d\".")  # fmt: skip
    kind = _SDTYPE_KIND.get(sdtype.lower())
    if kind is not None:
        why = f"SDV sdtype '{sdtype}'"
        if sdtype.lower() not in Kind.__members__.values() and kind in _KIND_WORDS:
            why += f": {_KIND_WORDS[kind]}"
    elif entry.get("pii"):
        kind, why = Kind.ID, f"SDV sdtype '{sdtype}' marked as personal data: an identifier"
    elif base is not None:
        kind, why = base.kind, f"SDV sdtype '{sdtype}' is unknown here; kept the inferred kind"
    else:
        kind, why = Kind.TEXT, f"SDV sdtype '{sdtype}' is unknown here: left out as text"
    if kind is Kind.DATETIME and fmt is None and base is not None:
        fmt = base.datetime_format
    own = sdtype.lower() in Kind.__members__.values()
    return ColumnSpec(name, kind, fmt if kind is Kind.DATETIME else None, why,
                      sdtype=None if own else sdtype)  # fmt: skip


def from_metadata(
    meta: dict | str | bytes,
    real_columns: list[str],
    base: Schema | None = None,
    table_name: str | None = None,
) -> Schema:
    """See ``metrics.schema.from_sdv_metadata``."""
    meta = _load(meta)
    where = ""
    if "tables" in meta:
        meta, where = _pick_table(meta, table_name)
        meta = _load(meta)
    described = meta.get("columns", meta.get("fields"))
    if not isinstance(described, dict) or not described:
        raise SchemaError(f"The metadata{where} has no \"columns\" entry mapping column names to "
                          "{\"sdtype\": ...}; is this an SDV metadata file?")  # fmt: skip
    by_text = {str(c): c for c in real_columns}
    unknown = [str(c) for c in described if str(c) not in by_text]
    if unknown:
        hints = [m for u in unknown for m in difflib.get_close_matches(u, list(by_text), 1)]
        hint = f" (close: {listing(hints)})" if hints else ""
        raise SchemaError(
            f"The metadata{where} describes columns that are not in the real data: "
            f"{listing(unknown)}{hint}. Check that it belongs to this data; names are "
            "case-sensitive."
        )
    key = meta.get("primary_key")
    if key is not None and (not isinstance(key, str) or key not in described):
        raise SchemaError(f"The metadata's primary_key {key!r} is not one of its columns; "
                          "name one column, or remove the entry.")  # fmt: skip
    old = {c.name: c for c in base.columns} if base is not None else {}
    skip = set(base.only_real) | set(base.conflicts) if base is not None else set()
    out = Schema([]) if base is None else base.copy([])
    kept, dropped = [], []
    for col in real_columns:
        if col in skip:
            continue
        if str(col) in described:
            spec = _column_spec(col, described[str(col)], old.get(col))
            was_unique = col in old and old[col].unique
            out.columns.append(replace(spec, unique=str(col) == key or was_unique))
        elif col in old:
            out.columns.append(old[col])
            kept.append(col)
        else:
            dropped.append(col)
    if kept:
        out.notes.append(f"Not in the metadata, kept as inferred: {listing(kept)}.")
    if dropped:
        out.notes.append(f"Not in the metadata, left out: {listing(dropped)}.")
    ids = out.names(Kind.ID)
    if key is not None:
        out.primary_key = next((c for c in ids if str(c) == key), None)
    elif base is None or base.primary_key not in ids:
        out.primary_key = None
    return out
