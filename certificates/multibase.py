"""Multibase base58-btc (``z`` prefix), as Data Integrity proofs and Multikeys use it. Pure."""

from __future__ import annotations

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}


def encode_base58btc(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rest = divmod(number, 58)
        out = _ALPHABET[rest] + out
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "z" + "1" * zeros + out


def decode_base58btc(text: str) -> bytes:
    if not text.startswith("z"):
        raise ValueError("not multibase base58btc (expected a 'z' prefix)")
    body = text[1:]
    number = 0
    for char in body:
        if char not in _INDEX:
            raise ValueError(f"invalid base58 character {char!r}")
        number = number * 58 + _INDEX[char]
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    zeros = len(body) - len(body.lstrip("1"))
    return b"\0" * zeros + raw
