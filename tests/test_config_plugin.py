"""Finding the agents file, in a whole pytest run: what is missing or wrong is one ERROR line."""

from __future__ import annotations

import pytest
from tiny_suite import TEST_FILE


def assert_one_error_line(result: pytest.RunResult, message: str) -> None:
    """A usage error: exit 4, the message as pytest's one ERROR line, and no frames at all."""
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])
    output = "\n".join(result.outlines + result.errlines)
    for frame_sign in ("Traceback", "INTERNALERROR", "site-packages", "plugin.py:"):
        assert frame_sign not in output


def test_no_agents_file_is_a_usage_error_saying_where_it_looked(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_orphan=TEST_FILE)
    result = pytester.runpytest()
    assert_one_error_line(
        result,
        f"test_orphan.py::test_report uses chimera fixtures but no agents file was found: "
        f"looked for chimera.toml and [[]tool.chimera[]] in pyproject.toml in {pytester.path}; "
        "add chimera.toml next to the suite or pass --chimera-config=PATH")


def test_no_agents_file_names_the_folders_given_and_every_test(
        pytester: pytest.Pytester) -> None:
    (pytester.path / "suite").mkdir()
    (pytester.path / "suite" / "test_one.py").write_text(TEST_FILE, "utf-8")
    (pytester.path / "suite" / "test_two.py").write_text(TEST_FILE, "utf-8")
    result = pytester.runpytest("suite")
    assert_one_error_line(
        result,
        "suite/test_one.py::test_report (and 1 more) uses chimera fixtures but no agents file "
        f"was found: looked for chimera.toml and [[]tool.chimera[]] in pyproject.toml in "
        f"{pytester.path}, and chimera.toml in suite and the folders above, up to it; add "
        "chimera.toml next to the suite or pass --chimera-config=PATH")


def test_no_agents_file_under_xdist_is_one_line_per_worker(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    pytester.makepyfile(test_orphan=TEST_FILE)
    result = pytester.runpytest("-n", "2")
    # A worker cannot stop the session with a usage error without crashing xdist's controller;
    # it reports a collection error instead, as one line.
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["test_orphan.py::test_report uses chimera fixtures but no "
                                 "agents file was found: *--chimera-config=PATH"])
    output = "\n".join(result.outlines + result.errlines)
    for frame_sign in ("Traceback", "INTERNALERROR", "site-packages", "plugin.py:"):
        assert frame_sign not in output


def test_tests_without_chimera_fixtures_need_no_agents_file(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_plain():\n    pass\n")
    pytester.runpytest().assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param('tool = "x"\n', "tool: expected a table, found a string", id="tool-a-string"),
        pytest.param("[tool]\nchimera = 5\n", "tool.chimera: expected a table, found an integer",
                     id="chimera-a-number"),
        pytest.param("[tool.black]\nline-length = 99\n", "tool.chimera: no [[]tool.chimera[]] "
                     "table in this file", id="no-chimera-table"),
    ],
)
def test_a_pyproject_given_as_config_without_our_table_is_a_usage_error(
        pytester: pytest.Pytester, text: str, message: str) -> None:
    (pytester.path / "other").mkdir()
    pyproject = pytester.path / "other" / "pyproject.toml"
    pyproject.write_text(text, "utf-8")
    pytester.makepyfile(test_orphan=TEST_FILE)
    result = pytester.runpytest(f"--chimera-config={pyproject}")
    assert_one_error_line(result, f"{pyproject}: {message}")
