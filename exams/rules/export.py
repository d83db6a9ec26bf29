"""Cells for CSV and spreadsheet exports, safe to open in Excel or WPS.

A text cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return, which some programs
strip first) would be run as a formula; it gets a leading apostrophe so it shows as text. Numbers,
booleans and None pass unchanged.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_row(row: list[object]) -> list[object]:
    return [neutralise(v) for v in row]
