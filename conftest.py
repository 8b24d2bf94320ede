"""Repository-wide test settings, for tests/ and bench/ alike.

Hypothesis: under CI (the ``CI`` variable set, as CI services and .ci/run do) the property tests
run derandomised, so a red CI run replays the same examples on a developer's machine, and print
the failing example's reproduction blob. Locally they explore new examples every run. Tests keep
their own ``@settings`` (example counts, no deadline) on top of the profile.
"""

from __future__ import annotations

import os

try:
    from hypothesis import settings
except ImportError:  # only the dev extra installs hypothesis; the suite runs without it
    pass
else:
    settings.register_profile("ci", derandomize=True, print_blob=True)
    settings.register_profile("dev")
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI")
                                         else "dev"))
