"""chimera plot: PNG charts of saved runs, and a clear message without matplotlib."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import pytest
from test_history import bench, info, write_run

from pytest_chimera import cli
from pytest_chimera.history import METRICS, SavedRun, case_from_info
from pytest_chimera.plot import PlotError, plot_runs

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the IHDR chunk, after checking the signature."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path} is not a PNG file"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def run_of(label: str, *cases: dict[str, object]) -> SavedRun:
    return SavedRun(label=label, tests=tuple(
        case_from_info(f"t[{c['agent']}-{c['persona']}]", c) for c in cases))


def history() -> list[SavedRun]:
    return [
        run_of(f"000{n}_run", info("A", "ops", ttft_ms=100.0 + 10 * n),
               info("B", "ops", ttft_ms=80.0 + n, tokens_per_s=60.0 - n),
               info("A", "risk", faithfulness=0.9), info("B", "risk", contradicted=n))
        for n in (1, 2, 3)
    ]


def test_a_chart_per_metric_and_agents_side_by_side(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    written = plot_runs(history(), tmp_path / "img")
    names = sorted(p.name for p in written)
    assert names == sorted([f"metric_{m.name}.png" for m in METRICS] + ["agents.png"])
    for path in written:
        assert path.stat().st_size > 0
        width, height = png_size(path)
        assert width > 0 and height > 0
    assert png_size(tmp_path / "img" / "metric_ttft_ms.png") == (800, 450)
    assert not list((tmp_path / "img").glob(".*.tmp"))


def test_one_agent_gives_no_side_by_side_chart(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    runs = [run_of("0001_a", info("B", "ops")), run_of("0002_b", info("B", "ops"))]
    names = {p.name for p in plot_runs(runs, tmp_path)}
    assert "agents.png" not in names
    assert "metric_ttft_ms.png" in names


def test_replayed_timings_are_not_plotted(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    runs = [run_of("0001_a", info("B", "ops", replayed=True)),
            run_of("0002_b", info("B", "ops", replayed=True))]
    names = {p.name for p in plot_runs(runs, tmp_path)}
    assert "metric_ttft_ms.png" not in names and "metric_tokens_per_s.png" not in names
    assert "metric_faithfulness.png" in names


def test_without_matplotlib_the_message_names_the_plot_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.backends",
                 "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(PlotError, match=r"chimera plot needs matplotlib, which is not "
                       r"installed: pip install 'pytest-chimera\[plot\]'"):
        plot_runs(history(), tmp_path)


def test_runs_without_chimera_tests_are_refused(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    with pytest.raises(PlotError, match="the runs hold no Chimera tests"):
        plot_runs([SavedRun("0001_x", ())], tmp_path)


def test_cli_plot_writes_the_charts_and_refuses_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    storage = tmp_path / ".benchmarks"
    write_run(storage, 1, "base", [bench(agent="A"), bench(agent="B")])
    write_run(storage, 2, "next", [bench(agent="A", ttft_ms=90.0), bench(agent="B")])
    out = tmp_path / "docs" / "img"
    assert cli.main(["plot", "--storage", str(storage), "--out", str(out)]) == 0
    assert f"wrote {out / 'metric_ttft_ms.png'}" in capsys.readouterr().out
    png_size(out / "agents.png")
    assert cli.main(["plot", "--storage", str(tmp_path / "none"), "--out", str(out)]) == 2
    assert "chimera plot: no saved runs in" in capsys.readouterr().err
    blocker = tmp_path / "file.txt"
    blocker.write_text("", "utf-8")
    assert cli.main(["plot", "--storage", str(storage), "--out", str(blocker)]) == 2
    assert f"--out {blocker} is a file, not a folder" in capsys.readouterr().err
