"""Suite-level set-up: give the shipped sample corpus its intended modification times.

A git checkout stamps every file with the checkout time. The sample corpus is generated with
fixed mtimes (scripts/make_corpus.py), and its "latest modified" facts, and the replay cassettes
whose prompts quote them, should not depend on when the repository was cloned.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
GENERATOR = HERE.parent / "scripts" / "make_corpus.py"


def pytest_configure(config: pytest.Config) -> None:
    """Restore the sample corpus's mtimes before the plugin scans it."""
    spec = importlib.util.spec_from_file_location("make_corpus", GENERATOR)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_corpus", module)
    spec.loader.exec_module(module)
    module.restore_mtimes(HERE / "corpus")
