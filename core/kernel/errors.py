"""Errors core raises for bad input: message keys of the i18n catalogue, never UI text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FieldError:
    """One refused value: the field, a catalogue key and the values the message needs."""

    field: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)


class ValidationError(Exception):
    """Input refused; nothing was written. Carries every field error, not just the first."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(f"{e.field}: {e.key}" for e in errors))
        self.errors = errors

    @classmethod
    def single(cls, field_name: str, key: str, **params: Any) -> "ValidationError":
        return cls([FieldError(field_name, key, params)])


class NotFound(Exception):
    """The record does not exist (or the actor may not know that it does)."""
