"""Which of a file's columns feeds which of ours: the suggestion for a foreign file, and the
mapping an upload states (API.md "Imports": `mapping`, file column → our column).

Without a mapping, a file column whose name is one of ours (case and spaces aside) is read as
that column. A mapping adds to this: each file column it names feeds the column it names
(`""` or null: ignore the file column); file columns neither mapped nor ours are ignored.

A suggestion for a foreign file takes, for each of its columns and in this order: what this
user mapped it to last time for this kind, our column of that name, a known alias (a Shopify
product export's "Variant SKU" → code, "Title" → name, "Variant Barcode" → barcode), or the
most similar of our names (difflib, at least 0.75 alike). Each of ours is suggested once.
"""

import difflib
import re

from django.core.exceptions import ValidationError

from inventory.imports.kind import Column, TableImport

SIMILAR_ENOUGH = 0.75


def normalised(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", str(name or "").lower())


def mapping_clean(table: TableImport, mapping) -> dict[str, str]:
    """The stated mapping, checked against our columns: ValidationError on `mapping` naming
    an unknown column, or two file columns feeding one of ours."""
    if mapping in (None, ""):
        return {}
    if not isinstance(mapping, dict):
        raise ValidationError({"mapping": "Give an object from the file's columns to ours."})
    ours = {column.name for column in table.columns}
    cleaned: dict[str, str] = {}
    for theirs, target in mapping.items():
        target = "" if target is None else str(target).strip()
        if target and target not in ours:
            raise ValidationError(
                {
                    "mapping": f"'{target}' is not a column of {table.name}; "
                    f"the columns are: {', '.join(sorted(ours))}."
                }
            )
        cleaned[str(theirs).strip()] = target
    fed = [target for target in cleaned.values() if target]
    twice = sorted({target for target in fed if fed.count(target) > 1})
    if twice:
        raise ValidationError({"mapping": f"More than one file column maps to {', '.join(twice)}."})
    return cleaned


def columns_of_file(
    table: TableImport, headers: list[str], mapping: dict[str, str]
) -> list[tuple[int, Column]]:
    """(index in the file's row, our column) for every file column read."""
    by_name = {column.name: column for column in table.columns}
    stated = {normalised(theirs): target for theirs, target in mapping.items()}
    taken: set[str] = set()
    read: list[tuple[int, Column]] = []
    for index, header in enumerate(headers):
        key = normalised(header)
        if key in stated:
            target = stated[key]
        else:
            target = next((name for name in by_name if normalised(name) == key), "")
            if target and target in mapping.values():
                target = ""  # the mapping feeds this column from another file column
        if target and target not in taken:
            taken.add(target)
            read.append((index, by_name[target]))
    return read


def missing_columns(table: TableImport, read: list[tuple[int, Column]]) -> list[str]:
    present = {column.name for _, column in read}
    return [
        column.name for column in table.columns if column.required and column.name not in present
    ]


def mapping_suggest(
    table: TableImport, headers: list[str], remembered: dict[str, str] | None = None
) -> dict[str, str]:
    """File column → our column ("" for none) for every file column."""
    remembered = {normalised(k): v for k, v in (remembered or {}).items()}
    ours = {column.name for column in table.columns}
    suggestion: dict[str, str] = {}
    taken: set[str] = set()

    def pick(header: str, target: str) -> None:
        if target and target in ours and target not in taken:
            suggestion[header] = target
            taken.add(target)

    passes = (
        lambda key: remembered.get(key, ""),
        lambda key: next((c.name for c in table.columns if normalised(c.name) == key), ""),
        lambda key: next(
            (c.name for c in table.columns if key in {normalised(a) for a in c.aliases}), ""
        ),
        lambda key: _most_similar(key, [c for c in table.columns if c.name not in taken]),
    )
    for guess in passes:
        for header in headers:
            if header not in suggestion:
                pick(header, guess(normalised(header)))
    return {header: suggestion.get(header, "") for header in headers}


def _most_similar(key: str, columns: list[Column]) -> str:
    best, score = "", SIMILAR_ENOUGH
    for column in columns:
        for name in (column.name, *column.aliases):
            ratio = difflib.SequenceMatcher(None, key, normalised(name)).ratio()
            if ratio >= score:
                best, score = column.name, ratio
    return best
