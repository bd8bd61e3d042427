"""Formula-safe spreadsheet cells (OWASP "CSV injection"), for every export and import path.

A text cell that starts with `=`, `+`, `-`, `@`, tab, CR or NUL is a formula (or may become one)
when Excel, LibreOffice or Google Sheets opens the file: it is written with a leading `'`, which
those programs show as plain text. Numbers are never touched: a quantity of -5 stays the number
-5; only text is escaped (a SKU code "-5" is text and becomes "'-5").

Round trip: a cell that already starts with `'` gets one more, so escaping is reversible, and
every import strips exactly one leading `'` from a text cell that `escape_cell` would have
produced (`'` followed by a trigger character or by another `'`). An export therefore imports
back unchanged, and a hand-typed "'-5" imports as "-5", as a spreadsheet would read it.

django-import-export's own IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT (4.4) is not used: it only
handles `=`, deletes it instead of neutralising it, and turns every cell (numbers too) into text.
"""

import numbers

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
_QUOTE = "'"
_ESCAPED_STARTS = frozenset((*FORMULA_TRIGGERS, _QUOTE))


def escape_cell(value):
    """The value to write: text starting with a formula trigger (or a quote) gets a leading `'`;
    anything else, numbers included, is returned as is."""
    if isinstance(value, str) and value.startswith((*FORMULA_TRIGGERS, _QUOTE)):
        return _QUOTE + value
    return value


def escape_rendered(raw, rendered):
    """For a cell rendered from `raw` (a model value): escape the rendered text unless the value
    was a number (CSV exports render numbers as text; "-5" there is still a number)."""
    if isinstance(raw, numbers.Number):
        return rendered
    return escape_cell(rendered)


def restore_cell(value):
    """Undo `escape_cell` on an imported cell; anything else is returned as is."""
    if isinstance(value, str) and value[:1] == _QUOTE and value[1:2] in _ESCAPED_STARTS:
        return value[1:]
    return value


def escape_row(row) -> list:
    return [escape_cell(cell) for cell in row]
