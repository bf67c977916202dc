"""Byte sizes worded the way limits are quoted in error messages and stats."""

from __future__ import annotations


def format_byte_size(size: int) -> str:
    """``100 MB`` for decimal sizes, ``10 MiB`` when the size is a multiple of 1024."""
    base, units = (1024, _BINARY_UNITS) if size and size % 1024 == 0 else (1000, _DECIMAL_UNITS)
    value, unit = float(size), units[0]
    for unit in units:
        if value < base or unit == units[-1]:
            break
        value /= base
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{text} {unit}"


_DECIMAL_UNITS = ("B", "KB", "MB", "GB", "TB", "PB")
_BINARY_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")
