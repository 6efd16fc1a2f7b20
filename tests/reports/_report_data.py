"""Helpers for the reports tests: fill an assessment with deterministic answers (in bulk, see
tests/factories.py)."""

from __future__ import annotations

from tests.factories import fill

COMMENT = "Le plan national a été adopté en 2019 (ministère de la Justice)."

__all__ = ["COMMENT", "fill"]
