"""Reuse grants of system keys (``storage.apikeys``): what they may name and what they cover."""

from __future__ import annotations

import pytest

from api.principal import Principal
from storage.apikeys import check_reuse_scope, reuse_covers


def test_a_grant_names_units_or_provinces_and_only_a_system_key_gets_one() -> None:
    assert check_reuse_scope("system", []) is None
    assert check_reuse_scope("system", [" province:H26 ", "000.00.00.H27", "province:H26"]) == [
        "000.00.00.H27",
        "province:H26",
    ]
    with pytest.raises(ValueError, match="only a system key"):
        check_reuse_scope("clerk", ["province:H26"])
    with pytest.raises(ValueError, match="last part"):
        check_reuse_scope("system", ["province:00.H26"])
    with pytest.raises(ValueError):
        check_reuse_scope("system", ["province:"])


def test_a_province_covers_its_units_and_nothing_that_merely_ends_alike() -> None:
    scope = ["province:H26", "000.00.00.H30"]
    assert reuse_covers(scope, "000.A0.01.H26")
    assert reuse_covers(scope, "000.00.00.H30")
    assert not reuse_covers(scope, "000.00.01.H30")
    assert not reuse_covers(scope, "000.00.00.XH26")
    assert not reuse_covers(scope, "000.00.00.H2")


def test_only_granted_system_keys_and_admins_may_reuse() -> None:
    granted = Principal("s1", "portal", "system", frozenset({"U"}), frozenset({"province:H26"}))
    plain = Principal("s2", "portal", "system", frozenset({"U"}))
    officer = Principal("o1", "officer", "officer", frozenset({"U"}), frozenset({"province:H26"}))
    admin = Principal("a1", "admin", "admin", frozenset())
    assert granted.can("reuse") and not plain.can("reuse") and not officer.can("reuse")
    assert admin.can("reuse") and admin.may_reuse_in("000.00.00.H99")
    assert granted.may_reuse_in("000.00.00.H26") and not granted.may_reuse_in("000.00.00.H27")
