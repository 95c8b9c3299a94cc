"""Shared builders for the scoring tests (plain functions handed out as fixtures)."""

from __future__ import annotations

from typing import Any

import pytest
from small_scheme import small_scheme_dict

from scoring.scheme import MarkingScheme, scheme_from_dict


@pytest.fixture(scope="session")
def scheme_dict() -> Any:
    return small_scheme_dict


@pytest.fixture(scope="session")
def small_scheme() -> MarkingScheme:
    return scheme_from_dict(small_scheme_dict())
