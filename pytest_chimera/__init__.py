"""pytest-chimera: test suites for local LLM agents that write benchmark reports."""

from __future__ import annotations

__version__ = "0.1.0"
