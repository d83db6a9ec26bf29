"""Bitstring Status List (W3C) positions and encoding. Pure.

Each certificate has a fixed place in one published list: list ``n`` holds certificates with ids
``(n-1)*LIST_SIZE+1 … n*LIST_SIZE``; inside a list the position is an odd-multiplier permutation of the id,
so neighbouring certificates are not neighbouring bits (the spec asks for positions that do not reveal
issue order). The list is 131,072 bits, the spec's minimum for herd privacy. Bit 0 is the most significant
bit of the first byte; the bitstring is GZIP-compressed and base64url-encoded with the multibase ``u`` prefix.
"""

from __future__ import annotations

import base64
import gzip

LIST_SIZE = 131_072  # 2**17 bits = 16 KiB
_MULTIPLIER = 0x9E3B  # odd: a bijection modulo a power of two
_OFFSET = 0x5BD1


def position_of(certificate_id: int) -> tuple[int, int]:
    """``(list number, index in that list)`` for a certificate id (ids start at 1)."""
    if certificate_id < 1:
        raise ValueError("certificate ids start at 1")
    n = certificate_id - 1
    return n // LIST_SIZE + 1, (_MULTIPLIER * (n % LIST_SIZE) + _OFFSET) % LIST_SIZE


def id_range(list_number: int) -> tuple[int, int]:
    """Inclusive id range of the certificates whose status lives in ``list_number``."""
    return (list_number - 1) * LIST_SIZE + 1, list_number * LIST_SIZE


def encode(set_indexes: list[int] | set[int]) -> str:
    bits = bytearray(LIST_SIZE // 8)
    for index in set_indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def decode(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url ('u' prefix)")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def bit_is_set(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))
