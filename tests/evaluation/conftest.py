"""Shared settings of the evaluation tests."""

from __future__ import annotations
