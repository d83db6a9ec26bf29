import secrets

import pytest
from cryptography.exceptions import InvalidTag

from core.crypto import PiiCipher


def cipher(active="k2"):
    keys = {"k1": b"1" * 32, "k2": b"2" * 32}
    return PiiCipher(keys, active, b"h" * 32)


def test_ciphertext_differs_each_time_but_decrypts():
    c = cipher()
    a, b = c.encrypt("13812341234", purpose="phone"), c.encrypt("13812341234", purpose="phone")
    assert a != b and c.decrypt(a, purpose="phone") == "13812341234"


def test_rows_written_under_an_old_key_still_decrypt_after_rotation():
    old = cipher(active="k1").encrypt("11010519491231002X", purpose="id_number")
    rotated = cipher(active="k2")
    assert rotated.key_id_of(old) == "k1"
    assert rotated.decrypt(old, purpose="id_number") == "11010519491231002X"


def test_a_ciphertext_cannot_be_moved_to_another_purpose():
    c = cipher()
    token = c.encrypt("13812341234", purpose="phone")
    with pytest.raises(InvalidTag):
        c.decrypt(token, purpose="id_number")


def test_lookup_hash_is_stable_and_keyed():
    assert cipher().lookup_hash("x", purpose="phone") == cipher().lookup_hash("x", purpose="phone")
    other = PiiCipher({"k": secrets.token_bytes(32)}, "k", b"z" * 32)
    assert other.lookup_hash("x", purpose="phone") != cipher().lookup_hash("x", purpose="phone")
