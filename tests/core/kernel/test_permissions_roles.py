"""The role predicates of core.kernel.permissions: one role each, staff = admin, manager, trainer, QA."""

from __future__ import annotations

import pytest

from core.kernel import permissions
from core.kernel.permissions import Actor


def actor(role: str) -> Actor:
    return Actor(id=1, username=role, role=role)


PREDICATES = {
    "admin": permissions.is_admin,
    "merchant": permissions.is_merchant,
    "agent": permissions.is_agent,
    "qa": permissions.is_qa,
    "trainer": permissions.is_trainer,
}


def test_the_role_names():
    assert permissions.ROLES == ("admin", "manager", "trainer", "qa", "agent", "merchant")
    assert permissions.STAFF_ROLES == ("admin", "manager", "trainer", "qa")
    assert permissions.PROJECT_MANAGER_ROLES == ("manager", "admin")


@pytest.mark.parametrize("role", ["admin", "manager", "trainer", "qa", "agent", "merchant"])
def test_each_predicate_holds_for_its_role_only(role: str):
    for name, predicate in PREDICATES.items():
        assert predicate(actor(role)) is (name == role), (name, role)


@pytest.mark.parametrize(
    ("role", "staff"),
    [("admin", True), ("manager", True), ("trainer", True), ("qa", True), ("agent", False), ("merchant", False)],
)
def test_staff_are_the_office_roles(role: str, staff: bool):
    assert permissions.is_staff(actor(role)) is staff


def test_nobody_is_no_role():
    assert not any(predicate(None) for predicate in PREDICATES.values())
    assert not permissions.is_staff(None)
