"""Saved runs: loading, comparing, the noise rule, the gate and its messages, bad files, CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from pytest_chimera import cli
from pytest_chimera.history import (
    HistoryError,
    SavedRun,
    case_from_info,
    check_gate,
    compare_runs,
    comparison_json,
    gate_lines,
    github_benchmark_entries,
    junit_properties,
    list_runs,
    load_run,
    load_runs,
    next_run_path,
    parse_gate,
    render_comparison,
    resolve_run,
)

MACHINE = "Linux-CPython-3.11-64bit"


def metrics(ttft_ms: float = 100.0, tokens_per_s: float = 50.0, *, eval_tokens: int = 100,
            load_ms: float = 0.0) -> dict[str, Any]:
    eval_s = eval_tokens / tokens_per_s
    return {"ttft_s": ttft_ms / 1000, "total_s": eval_s + 0.2, "load_s": load_ms / 1000,
            "prompt_eval_s": 0.05, "eval_s": eval_s, "prompt_tokens": 300,
            "eval_tokens": eval_tokens, "tokens_per_s": tokens_per_s, "ttft_ms": ttft_ms,
            "replayed": False}


def info(agent: str = "B", persona: str = "ops", *, ttft_ms: float = 100.0,
         tokens_per_s: float = 50.0, rounds: list[tuple[float, float]] | None = None,
         faithfulness: float | None = 1.0, contradicted: int = 0,
         replayed: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "agent": agent, "persona": persona, "model": "gemma3:270m", "backend": "llamacpp",
        "options": {"num_ctx": 2048}, "replayed": replayed,
        "metrics": metrics(ttft_ms, tokens_per_s),
        "context": {"analysis": {"num_ctx": 2048, "prompt_tokens": 512, "left_out": 0},
                    "report": {"num_ctx": 2048, "prompt_tokens": 1024, "left_out": 0}},
    }
    if faithfulness is not None:
        data["faithfulness"] = faithfulness
        data["contradicted"] = contradicted
    if rounds is not None:
        data["rounds"] = [metrics(t, s) for t, s in rounds]
    return data


def bench(**kwargs: Any) -> dict[str, Any]:
    extra = info(**kwargs)
    name = f"test_report[{extra['agent']}-{extra['persona']}]"
    return {"group": None, "name": name, "fullname": f"suites/test_reports.py::{name}",
            "extra_info": extra, "stats": {"min": 1.0, "max": 1.0, "mean": 1.0}}


def write_run(storage: Path, number: int, name: str, benches: list[dict[str, Any]],
              machine: str = MACHINE) -> Path:
    path = storage / machine / f"{number:04d}_{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"benchmarks": benches, "datetime": "2026-11-22T10:00:00",
                                "commit_info": {"id": "abc123"}}), "utf-8")
    return path


def run_of(*cases: dict[str, Any], label: str = "run") -> SavedRun:
    return SavedRun(label=label, tests=tuple(
        case_from_info(f"t[{c['agent']}-{c['persona']}]", c) for c in cases))


# -- finding and loading saved runs ----------------------------------------------------------


@pytest.fixture
def storage(tmp_path: Path) -> Path:
    root = tmp_path / ".benchmarks"
    write_run(root, 1, "base", [bench()])
    write_run(root, 2, "abc_20261122_uncommitted-changes", [bench(ttft_ms=120.0)])
    write_run(root, 3, "tuned", [bench(ttft_ms=90.0)])
    return root


def test_runs_are_listed_oldest_first_across_machine_folders(tmp_path: Path) -> None:
    root = tmp_path / "store"
    write_run(root, 2, "b", [bench()], machine="Linux-x")
    write_run(root, 1, "a", [bench()], machine="Darwin-y")
    (root / "Linux-x" / "notes.json").write_text("{}", "utf-8")
    assert [p.name for p in list_runs(root)] == ["0001_a.json", "0002_b.json"]
    assert list_runs(tmp_path / "missing") == []


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        pytest.param("1", "0001_base.json", id="number"),
        pytest.param("0003", "0003_tuned.json", id="padded-number"),
        pytest.param("base", "0001_base.json", id="name"),
        pytest.param("0003_tuned", "0003_tuned.json", id="stem"),
        pytest.param("uncommitted", "0002_abc_20261122_uncommitted-changes.json",
                     id="part-of-name"),
        pytest.param("last", "0003_tuned.json", id="last"),
    ],
)
def test_a_run_is_found_by_number_name_or_last(storage: Path, ref: str, expected: str) -> None:
    assert resolve_run(storage, ref).name == expected


def test_a_run_is_found_by_path(storage: Path, tmp_path: Path) -> None:
    elsewhere = write_run(tmp_path / "other", 7, "x", [bench()])
    assert resolve_run(storage, str(elsewhere)) == elsewhere


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        pytest.param("9", "no saved run matches '9'; saved runs in {s}: 0001_base, "
                     "0002_abc_20261122_uncommitted-changes, 0003_tuned", id="no-number"),
        pytest.param("nightly", "no saved run matches 'nightly'; saved runs in {s}: *",
                     id="no-name"),
        pytest.param("missing/0001_x.json", "run file missing/0001_x.json does not exist",
                     id="no-file"),
        pytest.param(" ", "an empty run name was given", id="empty"),
        # "²".isdigit() is true, yet int("²") raises: it is a name that matches nothing.
        pytest.param("\u00b2", "no saved run matches '\u00b2'; saved runs in {s}: *",
                     id="superscript-digit"),
    ],
)
def test_a_run_that_is_not_there_is_named(storage: Path, ref: str, message: str) -> None:
    with pytest.raises(HistoryError) as caught:
        resolve_run(storage, ref)
    expected = message.replace("{s}", str(storage))
    if expected.endswith("*"):
        assert str(caught.value).startswith(expected[:-1])
    else:
        assert str(caught.value) == expected


def test_an_ambiguous_name_lists_the_candidates(storage: Path) -> None:
    write_run(storage, 1, "base", [bench()], machine="Other-machine")
    with pytest.raises(HistoryError, match=r"'base' matches several saved runs: "
                       r"Linux-CPython-3.11-64bit/0001_base.json, Other-machine/0001_base.json"):
        resolve_run(storage, "base")


def test_empty_storage_says_how_to_save_runs(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match=r"need 2 saved runs to compare, found 0; no saved "
                       r"runs in .* \(save some with --benchmark-autosave"):
        load_runs(tmp_path / "nothing", [])


def test_the_default_is_the_last_two_runs(storage: Path) -> None:
    old, new = load_runs(storage, [])
    assert (old.label, new.label) == ("0002_abc_20261122_uncommitted-changes", "0003_tuned")
    assert new.commit == "abc123"
    assert new.tests[0].value("ttft_ms") == pytest.approx(90.0)


def test_a_loaded_run_keeps_every_metric(storage: Path) -> None:
    (case,) = load_run(storage / MACHINE / "0001_base.json").tests
    assert (case.agent, case.persona, case.model, case.backend) == (
        "B", "ops", "gemma3:270m", "llamacpp")
    assert case.name == "suites/test_reports.py::test_report[B-ops]"
    assert case.options == {"num_ctx": 2048}
    expected = {"ttft_ms": 100.0, "tokens_per_s": 50.0, "load_ms": 0.0, "prompt_eval_ms": 50.0,
                "eval_ms": 2000.0, "total_ms": 2200.0, "eval_tokens": 100.0,
                "prompt_tokens": 300.0, "context_use": 0.5, "faithfulness": 1.0,
                "contradicted": 0.0}
    assert {k: case.value(k) for k in expected} == pytest.approx(expected)


def test_benchmarks_that_are_not_chimera_tests_are_ignored(tmp_path: Path) -> None:
    path = write_run(tmp_path, 1, "mixed", [
        {"name": "test_parse_speed", "stats": {"mean": 0.1}, "extra_info": {}}, bench()])
    assert [t.agent for t in load_run(path).tests] == ["B"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b'{"benchmarks": [{"name": "t", "extra', "is not valid JSON (corrupted or "
                     "cut short?): Unterminated string starting at: line 1 column 31 (char 30)",
                     id="cut-short"),
        pytest.param(b"\xff\xfe\x00garbage", "is not UTF-8 text (corrupted?)", id="binary"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, "is not valid JSON (nested too deeply to "
                     "read); not a saved pytest-benchmark run", id="deep"),
        pytest.param(b'{"benchmarks": [' + b"9" * 5000 + b"]}", "is not valid JSON (a number "
                     "too long to read); not a saved pytest-benchmark run", id="long-number"),
        pytest.param(b"[1, 2]", "not a saved pytest-benchmark run:\n{p}: (top level): [1, 2] "
                     "is not of type 'object'", id="a-list"),
        pytest.param(b'{"machine_info": {}}', "not a saved pytest-benchmark run:\n{p}: (top "
                     "level): 'benchmarks' is a required property", id="no-benchmarks"),
    ],
)
def test_a_corrupted_run_file_is_a_clear_error(tmp_path: Path, content: bytes,
                                               message: str) -> None:
    path = tmp_path / "0001_bad.json"
    path.write_bytes(content)
    with pytest.raises(HistoryError) as caught:
        load_run(path)
    text = str(caught.value)
    expected = message.replace("{p}", str(path))
    assert expected in text
    if "{p}" not in message:
        assert text.startswith(f"run file {path} ")


def test_a_chimera_benchmark_with_bad_metrics_names_the_field(tmp_path: Path) -> None:
    broken = bench()
    broken["extra_info"]["metrics"]["ttft_s"] = "fast"
    del broken["extra_info"]["model"]
    path = write_run(tmp_path, 1, "broken", [broken])
    with pytest.raises(HistoryError) as caught:
        load_run(path)
    assert str(caught.value).splitlines() == [
        "not a saved pytest-benchmark run:",
        f"{path}: benchmarks.0.extra_info: 'model' is a required property",
        f"{path}: benchmarks.0.extra_info.metrics.ttft_s: 'fast' is not of type 'number'",
    ]


def test_a_folder_is_not_a_run_file(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="is a folder, not a saved run file"):
        load_run(tmp_path)


def test_a_run_without_chimera_tests_cannot_be_compared() -> None:
    with pytest.raises(HistoryError, match="run empty holds no Chimera tests"):
        compare_runs(SavedRun("empty", ()), run_of(info()))


# -- comparing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "metric", "status", "delta", "percent"),
    [
        pytest.param({"ttft_ms": 100.0}, {"ttft_ms": 125.0}, "ttft_ms", "worse", 25.0, 25.0,
                     id="slower-first-token"),
        pytest.param({"ttft_ms": 100.0}, {"ttft_ms": 80.0}, "ttft_ms", "better", -20.0, -20.0,
                     id="faster-first-token"),
        pytest.param({"tokens_per_s": 50.0}, {"tokens_per_s": 40.0}, "tokens_per_s", "worse",
                     -10.0, -20.0, id="slower-decode"),
        pytest.param({"tokens_per_s": 50.0}, {"tokens_per_s": 60.0}, "tokens_per_s", "better",
                     10.0, 20.0, id="faster-decode"),
        pytest.param({"faithfulness": 1.0}, {"faithfulness": 0.8}, "faithfulness", "worse",
                     -0.2, -20.0, id="less-faithful"),
        pytest.param({"contradicted": 0}, {"contradicted": 2}, "contradicted", "worse", 2.0,
                     math.inf, id="more-contradicted-from-zero"),
        pytest.param({"ttft_ms": 100.0}, {"ttft_ms": 100.0}, "ttft_ms", "same", 0.0, 0.0,
                     id="unchanged"),
    ],
)
def test_each_metric_knows_which_way_is_worse(old: dict[str, Any], new: dict[str, Any],
                                              metric: str, status: str, delta: float,
                                              percent: float) -> None:
    comparison = compare_runs(run_of(info(**old), label="old"), run_of(info(**new), label="new"))
    (test,) = comparison.tests
    change = next(c for c in test.changes if c.metric.name == metric)
    assert change.status == status
    assert change.delta == pytest.approx(delta)
    assert change.percent == pytest.approx(percent)


def test_a_token_count_change_is_neither_better_nor_worse() -> None:
    old = info()
    new = info()
    new["metrics"]["eval_tokens"] = 150
    (test,) = compare_runs(run_of(old), run_of(new)).tests
    change = next(c for c in test.changes if c.metric.name == "eval_tokens")
    assert (change.status, change.delta) == ("changed", 50.0)


def test_rounds_give_median_and_p95() -> None:
    case = case_from_info("t", info(rounds=[(100.0, 50.0), (140.0, 50.0), (110.0, 50.0),
                                            (120.0, 50.0), (105.0, 50.0)]))
    sample = case.samples["ttft_ms"]
    assert case.rounds == 5
    assert sample.median == pytest.approx(110.0)
    assert sample.p95 == pytest.approx(136.0)  # inclusive quantiles: 120 + 0.8 * 20
    assert sample.spread == pytest.approx(40.0)


@pytest.mark.parametrize(
    ("new_rounds", "status"),
    [
        # old rounds 90..110 (spread 20): a median 15 ms higher is inside the spread.
        pytest.param([(105.0, 50.0), (115.0, 50.0), (125.0, 50.0)], "noise", id="within"),
        # a median 25 ms higher is beyond it.
        pytest.param([(115.0, 50.0), (125.0, 50.0), (135.0, 50.0)], "worse", id="beyond"),
        # the new run's own spread (60) counts too.
        pytest.param([(95.0, 50.0), (125.0, 50.0), (155.0, 50.0)], "noise", id="noisy-new"),
    ],
)
def test_a_change_counts_only_beyond_the_run_to_run_spread(
    new_rounds: list[tuple[float, float]], status: str) -> None:
    old = run_of(info(rounds=[(90.0, 50.0), (100.0, 50.0), (110.0, 50.0)]), label="old")
    new = run_of(info(rounds=new_rounds), label="new")
    comparison = compare_runs(old, new)
    (test,) = comparison.tests
    change = test.changes[0]
    assert change.metric.name == "ttft_ms"
    assert change.status == status
    gate = check_gate(comparison, parse_gate("ttft_ms:5%"))
    assert bool(gate) is (status == "worse")
    table = render_comparison(comparison, gate)
    assert "a change counts only when it is larger than the run-to-run spread" in table
    if status == "noise":
        assert "within run-to-run spread ±" in table


def test_a_nan_is_not_compared_and_the_gate_says_so() -> None:
    comparison = compare_runs(run_of(info()), run_of(info(ttft_ms=math.nan)))
    by_name = {c.metric.name: c for c in comparison.tests[0].changes}
    assert by_name["ttft_ms"].status == "not-finite"
    assert by_name["ttft_ms"].note == "not a finite number (new run): not compared"
    assert by_name["ttft_ms"].delta is None and by_name["ttft_ms"].percent is None
    rules = parse_gate("ttft_ms:10%,faithfulness:0")
    regressions = check_gate(comparison, rules)
    assert regressions == []
    assert gate_lines(comparison, rules, regressions) == [
        "gate ttft_ms:10%: not checked: 1 NaN or infinite in a run",
        "gate faithfulness:0: no regression in 1 test(s)",
    ]
    document = comparison_json(comparison, regressions)
    assert document["tests"][0]["metrics"]["ttft_ms"]["new"]["median"] == "nan"
    json.loads(json.dumps(document), parse_constant=lambda c: pytest.fail(f"{c} written"))


@pytest.mark.parametrize(("old", "new", "spec", "lines"), [
    pytest.param([info()], [info(ttft_ms=101.0)], "ttft_ms:10%,faithfulness:0",
                 ["gate ttft_ms:10%,faithfulness:0: no regression"], id="all-checked"),
    pytest.param([info(replayed=True)], [info(replayed=True)], "ttft_ms:10%",
                 ["gate ttft_ms:10%: not checked: 1 replayed (timings not compared)"],
                 id="both-replayed"),
    pytest.param([info("A"), info("B")], [info("A", replayed=True), info("B", ttft_ms=200.0)],
                 "ttft_ms:10%",
                 ["gate ttft_ms:10%: 1 regression(s) in 1 test(s); not checked: 1 replayed "
                  "(timings not compared)"], id="one-replayed-one-worse"),
    pytest.param([info("A")], [info("B")], "faithfulness:0",
                 ["gate faithfulness:0: not checked: 2 in one run only"], id="no-common-test"),
])
def test_the_gate_says_what_it_could_not_check(old: list[dict[str, Any]],
                                               new: list[dict[str, Any]], spec: str,
                                               lines: list[str]) -> None:
    comparison = compare_runs(run_of(*old), run_of(*new))
    rules = parse_gate(spec)
    assert gate_lines(comparison, rules, check_gate(comparison, rules)) == lines


def test_single_round_runs_say_there_is_no_noise_estimate() -> None:
    table = render_comparison(compare_runs(run_of(info()), run_of(info(ttft_ms=101.0))))
    assert ("noise: one round per run, so no spread is known and every change counts; run "
            "with --chimera-rounds N") in table


def test_replayed_timings_are_not_compared_but_faithfulness_is() -> None:
    old = run_of(info(replayed=True), label="old")
    new = run_of(info(ttft_ms=500.0, faithfulness=0.5, contradicted=1), label="new")
    comparison = compare_runs(old, new)
    by_name = {c.metric.name: c for c in comparison.tests[0].changes}
    assert by_name["ttft_ms"].status == "replayed"
    assert by_name["ttft_ms"].delta is None
    assert by_name["ttft_ms"].note == "replayed (old run): not compared"
    assert by_name["faithfulness"].status == "worse"
    regressions = check_gate(comparison, parse_gate("ttft_ms:1%,faithfulness:0"))
    assert [r.rule.metric.name for r in regressions] == ["faithfulness"]
    assert "old was replayed from cassettes: its timings are not compared" in (
        render_comparison(comparison))


def test_tests_in_only_one_run_are_listed() -> None:
    old = run_of(info("A", "ops"), info("B", "ops"), label="old")
    new = run_of(info("B", "ops"), info("B", "risk"), label="new")
    comparison = compare_runs(old, new)
    assert [(t.key[:2], t.old is not None, t.new is not None) for t in comparison.tests] == [
        (("A", "ops"), True, False), (("B", "ops"), True, True), (("B", "risk"), False, True)]
    table = render_comparison(comparison)
    assert "A × ops (t[A-ops]): only in old" in table
    assert "B × risk (t[B-risk]): only in new" in table


# -- the gate ---------------------------------------------------------------------------------


def test_a_gate_spec_parses_into_rules() -> None:
    rules = parse_gate(" ttft_ms:10% , tokens_per_s:5%,faithfulness:0,contradicted:1")
    assert [(r.metric.name, r.limit, r.relative) for r in rules] == [
        ("ttft_ms", 10.0, True), ("tokens_per_s", 5.0, True), ("faithfulness", 0.0, False),
        ("contradicted", 1.0, False)]
    assert ",".join(map(str, rules)) == "ttft_ms:10%,tokens_per_s:5%,faithfulness:0,contradicted:1"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        pytest.param("", "the gate is empty; expected METRIC:LIMIT[%],…", id="empty"),
        pytest.param("ttft_ms", "'ttft_ms': expected METRIC:LIMIT such as ttft_ms:10%",
                     id="no-limit"),
        pytest.param("ttft_ms:", "'ttft_ms:': expected METRIC:LIMIT", id="empty-limit"),
        pytest.param("ttft:10%", "'ttft:10%': unknown metric 'ttft'; gate one of ttft_ms, "
                     "tokens_per_s, load_ms, prompt_eval_ms, eval_ms, total_ms, faithfulness, "
                     "contradicted", id="unknown-metric"),
        pytest.param("eval_tokens:5%", "'eval_tokens:5%': eval_tokens is neither better higher "
                     "nor lower, so it cannot regress", id="no-direction"),
        pytest.param("ttft_ms:ten%", "'ttft_ms:ten%': 'ten%' is not a number", id="not-a-number"),
        pytest.param("ttft_ms:-5%", "'ttft_ms:-5%': the limit must be 0 or more", id="negative"),
        pytest.param("ttft_ms:nan", "'ttft_ms:nan': the limit must be 0 or more", id="nan"),
        pytest.param("faithfulness:nan%", "'faithfulness:nan%': the limit must be 0 or more",
                     id="nan-percent"),
        pytest.param("faithfulness:-0.1", "'faithfulness:-0.1': the limit must be 0 or more",
                     id="negative-share"),
        pytest.param("faithfulness:2", "'faithfulness:2': faithfulness is a share from 0 to 1: "
                     "it cannot get worse by more than 1, so this gate would never fail; give "
                     "a limit under 1 (faithfulness:0.05) or a percentage (faithfulness:5%)",
                     id="share-above-its-range"),
        pytest.param("ttft_ms:10%,faithfulness:1", "'faithfulness:1': faithfulness is a share "
                     "from 0 to 1: it cannot get worse by more than 1", id="share-whole-range"),
        pytest.param("tokens_per_s:100%", "'tokens_per_s:100%': tokens_per_s cannot fall by "
                     "more than 100% (it is never below 0), so this gate would never fail; give "
                     "a percentage under 100%", id="fall-of-100-percent"),
        pytest.param("faithfulness:150%", "'faithfulness:150%': faithfulness cannot fall by "
                     "more than 100%", id="share-fall-over-100-percent"),
        pytest.param("ttft_ms:5%,,faithfulness:0", "has an empty part", id="empty-part"),
        pytest.param("ttft_ms:5%,ttft_ms:10%", "'ttft_ms:10%': ttft_ms is gated twice",
                     id="twice"),
    ],
)
def test_a_bad_gate_spec_names_the_part(spec: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_gate(spec)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("spec", "shown"),
    [
        pytest.param("faithfulness:0.99", "faithfulness:0.99", id="share-under-its-range"),
        pytest.param("faithfulness:99%", "faithfulness:99%", id="share-percent-under-100"),
        pytest.param("tokens_per_s:99.5%", "tokens_per_s:99.5%", id="fall-under-100-percent"),
        pytest.param("ttft_ms:500%", "ttft_ms:500%", id="rise-over-100-percent"),
        pytest.param("ttft_ms:5000", "ttft_ms:5000", id="absolute-milliseconds"),
        pytest.param("tokens_per_s:500", "tokens_per_s:500", id="absolute-rate"),
        pytest.param("contradicted:3", "contradicted:3", id="absolute-claims"),
        pytest.param("faithfulness:-0", "faithfulness:0", id="minus-zero-is-zero"),
    ],
)
def test_a_limit_the_metric_can_pass_is_kept(spec: str, shown: str) -> None:
    (rule,) = parse_gate(spec)
    assert str(rule) == shown


@pytest.mark.parametrize(
    ("spec", "old", "new", "broken"),
    [
        pytest.param("ttft_ms:10%", {"ttft_ms": 100.0}, {"ttft_ms": 110.0}, False,
                     id="exactly-at-the-limit"),
        pytest.param("ttft_ms:10%", {"ttft_ms": 100.0}, {"ttft_ms": 110.5}, True,
                     id="just-over"),
        pytest.param("ttft_ms:10%", {"ttft_ms": 100.0}, {"ttft_ms": 50.0}, False,
                     id="improvement"),
        pytest.param("tokens_per_s:5%", {"tokens_per_s": 50.0}, {"tokens_per_s": 47.0}, True,
                     id="decode-6pct-slower"),
        pytest.param("tokens_per_s:5%", {"tokens_per_s": 50.0}, {"tokens_per_s": 60.0}, False,
                     id="decode-faster"),
        pytest.param("faithfulness:0", {"faithfulness": 1.0}, {"faithfulness": 0.99}, True,
                     id="any-faithfulness-drop"),
        pytest.param("faithfulness:0.05", {"faithfulness": 1.0}, {"faithfulness": 0.96}, False,
                     id="drop-within-absolute-limit"),
        pytest.param("faithfulness:0.99", {"faithfulness": 1.0}, {"faithfulness": 0.0}, True,
                     id="a-share-limit-near-1-can-fail"),
        pytest.param("tokens_per_s:99.5%", {"tokens_per_s": 50.0}, {"tokens_per_s": 0.1},
                     True, id="a-fall-limit-near-100-percent-can-fail"),
        pytest.param("contradicted:50%", {"contradicted": 0}, {"contradicted": 1}, True,
                     id="relative-from-zero"),
        pytest.param("ttft_ms:10%", {"ttft_ms": 100.0, "replayed": True},
                     {"ttft_ms": 300.0, "replayed": True}, False, id="replayed"),
    ],
)
def test_the_gate_flags_only_regressions_beyond_the_limit(
    spec: str, old: dict[str, Any], new: dict[str, Any], broken: bool) -> None:
    comparison = compare_runs(run_of(info(**old)), run_of(info(**new)))
    assert bool(check_gate(comparison, parse_gate(spec))) is broken


def test_a_regression_message_names_metric_test_values_and_amount() -> None:
    old = run_of(info("B", "ops", ttft_ms=120.0), info("A", "ops"), label="0001_base")
    new = run_of(info("B", "ops", ttft_ms=150.0, tokens_per_s=40.0), info("A", "ops"),
                 label="0002_new")
    comparison = compare_runs(old, new)
    messages = [r.message for r in check_gate(comparison,
                                               parse_gate("ttft_ms:10%,tokens_per_s:5%"))]
    assert messages == [
        "ttft_ms of t[B-ops] (B × ops) got worse: 120.0 -> 150.0 ms (+30.0, +25.0%; "
        "gate ttft_ms:10%)",
        "tokens_per_s of t[B-ops] (B × ops) got worse: 50.00 -> 40.00 tok/s (-10.00, -20.0%; "
        "gate tokens_per_s:5%)",
    ]
    table = render_comparison(comparison, check_gate(comparison, parse_gate("ttft_ms:10%")))
    assert "chimera compare: 0001_base -> 0002_new" in table
    row = next(line for line in table.splitlines()
               if line.startswith("ttft_ms") and "150.0" in line)
    assert row.split()[2:6] == ["120.0", "150.0", "+30.0", "+25.0%"]
    assert row.endswith("REGRESSION (worse)")


# -- export -----------------------------------------------------------------------------------


def test_github_export_splits_by_direction_and_leaves_out_replayed_timings() -> None:
    run = run_of(info("A", "ops", rounds=[(100.0, 50.0), (120.0, 50.0), (110.0, 50.0)]),
                 info("B", "ops", replayed=True))
    entries, not_finite = github_benchmark_entries(run)
    assert not_finite == []
    bigger = {e["name"]: e for e in entries["bigger"]}
    smaller = {e["name"]: e for e in entries["smaller"]}
    assert set(bigger) == {"A × ops - tokens_per_s", "A × ops - faithfulness",
                           "B × ops - faithfulness"}
    assert set(smaller) == {f"A × ops - {m}" for m in (
        "ttft_ms", "load_ms", "prompt_eval_ms", "eval_ms", "total_ms", "contradicted")} | {
        "B × ops - contradicted"}
    ttft = smaller["A × ops - ttft_ms"]
    assert (ttft["unit"], ttft["value"], ttft["range"]) == ("ms", 110.0, "± 10.0")
    assert "3 rounds" in ttft["extra"]
    assert all(set(e) <= {"name", "unit", "value", "range", "extra"}
               for e in entries["bigger"] + entries["smaller"])


def test_github_export_leaves_out_nan_and_names_it() -> None:
    # Python's json writes NaN, which github-action-benchmark's JSON parser refuses.
    run = run_of(info("A", "ops", ttft_ms=math.nan), info("B", "ops", tokens_per_s=math.inf))
    entries, not_finite = github_benchmark_entries(run)
    assert not_finite == ["A × ops - ttft_ms", "B × ops - tokens_per_s"]
    names = {e["name"] for e in entries["bigger"] + entries["smaller"]}
    assert not names & set(not_finite)
    assert "A × ops - tokens_per_s" in names and "B × ops - ttft_ms" in names
    json.loads(json.dumps(entries), parse_constant=lambda c: pytest.fail(f"{c} written"))


def test_junit_properties_carry_each_metric() -> None:
    props = dict(junit_properties(info(ttft_ms=12.5, contradicted=2, faithfulness=0.75)))
    assert props["chimera_replayed"] == "false"
    assert props["chimera_ttft_ms"] == "12.500"
    assert props["chimera_contradicted"] == "2"
    assert props["chimera_faithfulness"] == "0.750"
    assert props["chimera_context_use"] == "0.500"


def test_the_next_run_number_follows_the_highest(tmp_path: Path) -> None:
    assert next_run_path(tmp_path, MACHINE, "x") == tmp_path / MACHINE / "0001_x.json"
    write_run(tmp_path, 7, "old", [bench()])
    assert next_run_path(tmp_path, MACHINE, "par") == tmp_path / MACHINE / "0008_par.json"


# -- the CLI ----------------------------------------------------------------------------------


def test_cli_compare_exits_0_on_no_regression_and_1_on_one(
    storage: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Runs 2 -> 3: TTFT 120 -> 90 ms, an improvement.
    assert cli.main(["compare", "--storage", str(storage), "--fail", "ttft_ms:10%"]) == 0
    out = capsys.readouterr().out
    assert "gate ttft_ms:10%: no regression" in out
    # Runs 1 -> 2: TTFT 100 -> 120 ms.
    assert cli.main(["compare", "base", "2", "--storage", str(storage),
                     "--fail", "ttft_ms:10%"]) == 1
    out = capsys.readouterr().out
    assert ("REGRESSION: ttft_ms of suites/test_reports.py::test_report[B-ops] (B × ops) got "
            "worse: 100.0 -> 120.0 ms (+20.0, +20.0%; gate ttft_ms:10%)") in out
    # One run named: compared with the latest.
    assert cli.main(["compare", "1", "--storage", str(storage)]) == 0
    assert "chimera compare: 0001_base -> 0003_tuned" in capsys.readouterr().out


def test_cli_compare_json(storage: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["compare", "1", "2", "--storage", str(storage), "--json",
                     "--fail", "ttft_ms:10%"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["old"]["label"] == "0001_base"
    (test,) = document["tests"]
    ttft = test["metrics"]["ttft_ms"]
    assert (ttft["old"]["median"], ttft["new"]["median"], ttft["status"]) == (
        100.0, 120.0, "worse")
    assert ttft["percent"] == pytest.approx(20.0)
    assert [r["metric"] for r in document["regressions"]] == ["ttft_ms"]


@pytest.mark.parametrize("command", [
    ["compare", "1", "4"], ["export", "4", "--github-bigger", "out.json"],
    ["plot", "--out", "charts", "1", "4"],
])
def test_cli_commands_name_a_run_file_nested_too_deeply(
        storage: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        command: list[str]) -> None:
    monkeypatch.chdir(storage.parent)
    deep = storage / MACHINE / "0004_deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, "utf-8")
    assert cli.main([*command, "--storage", str(storage)]) == 2
    assert capsys.readouterr().err == (
        f"chimera {command[0]}: run file {deep} is not valid JSON (nested too deeply to read); "
        "not a saved pytest-benchmark run\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--fail", "ttft:5%"], "chimera compare: --fail: 'ttft:5%': unknown "
                     "metric 'ttft'", id="bad-spec"),
        pytest.param(["--fail", "faithfulness:2"], "chimera compare: --fail: 'faithfulness:2': "
                     "faithfulness is a share from 0 to 1", id="limit-never-reached"),
        pytest.param(["nope"], "chimera compare: no saved run matches 'nope'", id="no-run"),
        pytest.param(["1", "2", "3"], "chimera compare: give at most two runs (OLD NEW), not 3",
                     id="three-runs"),
        pytest.param(["3"], "chimera compare: run '3' is the latest saved run", id="latest"),
        pytest.param(["1", "broken"], "chimera compare: run file {s}/" + MACHINE +
                     "/0004_broken.json is not valid JSON", id="corrupted"),
    ],
)
def test_cli_compare_bad_input_exits_2_naming_it(
    storage: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    (storage / MACHINE / "0004_broken.json").write_text("{", "utf-8")
    if args == ["3"]:
        (storage / MACHINE / "0004_broken.json").unlink()
    assert cli.main(["compare", *args, "--storage", str(storage)]) == 2
    err = capsys.readouterr().err
    assert message.replace("{s}", str(storage)) in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("refs", "named"),
    [
        pytest.param(["1", "1"], "run '1' is named twice", id="same-number"),
        pytest.param(["1", "0001"], "runs '1' and '0001' are the same saved run",
                     id="number-spelt-twice"),
        pytest.param(["base", "1"], "runs 'base' and '1' are the same saved run",
                     id="name-and-number"),
        pytest.param(["last", "3"], "runs 'last' and '3' are the same saved run",
                     id="last-and-number"),
        pytest.param(["{file}", "1"], "runs '{file}' and '1' are the same saved run",
                     id="path-and-number"),
        pytest.param(["{file}", "{link}"], "runs '{file}' and '{link}' are the same saved run",
                     id="symlink"),
    ],
)
def test_cli_compare_of_a_run_with_itself_is_a_usage_error(
    storage: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], refs: list[str],
    named: str,
) -> None:
    # It would print a table of "same" and pass any gate: nothing was compared.
    first = storage / MACHINE / ("0003_tuned.json" if "3" in refs else "0001_base.json")
    (tmp_path / "link.json").symlink_to(first)
    names = {"file": str(first), "link": str(tmp_path / "link.json")}
    args = [ref.format(**names) for ref in refs]
    assert cli.main(["compare", *args, "--storage", str(storage), "--fail", "ttft_ms:0%"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (f"chimera compare: {named.format(**names)} ({first}); name two different "
                   "runs to compare (chimera compare OLD NEW)\n")


def test_cli_export_writes_github_action_benchmark_files(
    storage: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bigger, smaller = tmp_path / "out" / "bigger.json", tmp_path / "out" / "smaller.json"
    assert cli.main(["export", "--storage", str(storage), "--github-bigger", str(bigger),
                     "--github-smaller", str(smaller)]) == 0
    assert "wrote 2 bigger-is-better entries of 0003_tuned" in capsys.readouterr().out
    assert {e["name"] for e in json.loads(bigger.read_text("utf-8"))} == {
        "B × ops - tokens_per_s", "B × ops - faithfulness"}
    ttft = next(e for e in json.loads(smaller.read_text("utf-8"))
                if e["name"] == "B × ops - ttft_ms")
    assert ttft["value"] == pytest.approx(90.0)
    assert cli.main(["export", "--storage", str(storage)]) == 2
    assert "nothing to write" in capsys.readouterr().err


def test_cli_compare_of_replayed_runs_says_the_gate_checked_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_run(tmp_path, 1, "old", [bench(replayed=True)])
    write_run(tmp_path, 2, "new", [bench(replayed=True, ttft_ms=500.0)])
    assert cli.main(["compare", "--storage", str(tmp_path), "--fail", "ttft_ms:10%"]) == 0
    out = capsys.readouterr().out
    assert out.endswith("\ngate ttft_ms:10%: not checked: 1 replayed (timings not compared)\n")
    assert "no regression" not in out


def test_cli_export_never_writes_nan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = bench(ttft_ms=math.nan)
    path = write_run(tmp_path, 1, "nan", [broken])
    assert "NaN" in path.read_text("utf-8")
    out_file = tmp_path / "smaller.json"
    assert cli.main(["export", "--storage", str(tmp_path), "--github-smaller",
                     str(out_file)]) == 0
    out = capsys.readouterr().out
    assert out.endswith("left out 1 value(s) that are NaN or infinite in 0001_nan (JSON "
                        "cannot hold them): B × ops - ttft_ms\n")
    entries = json.loads(out_file.read_text("utf-8"),
                         parse_constant=lambda c: pytest.fail(f"{c} written"))
    assert "B × ops - ttft_ms" not in {e["name"] for e in entries}
    assert "B × ops - total_ms" in {e["name"] for e in entries}


@pytest.mark.parametrize("spelling", ["same", "dot-slash", "symlink"])
def test_cli_export_to_one_file_twice_is_a_usage_error(
    storage: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], spelling: str) -> None:
    # The second write would replace the first, and both "wrote" lines would still be printed.
    target = tmp_path / "bench.json"
    target.write_text("[]", "utf-8")  # an earlier export, which must survive
    other = {"same": str(target), "dot-slash": f"{tmp_path}/./bench.json",
             "symlink": str(tmp_path / "link.json")}[spelling]
    if spelling == "symlink":
        (tmp_path / "link.json").symlink_to(target)
    assert cli.main(["export", "--storage", str(storage), "--github-bigger", str(target),
                     "--github-smaller", other]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("chimera export: --github-bigger and --github-smaller ")
    assert err.endswith(": the second file would replace the first; give each its own file\n")
    assert str(target) in err
    assert target.read_text("utf-8") == "[]"
