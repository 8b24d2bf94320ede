"""Check that a suite run really ran: every test wrote both artifacts and none errored.

    python scripts/check_suite_run.py chimera-reports/junit.xml --expect 2

A report that fails its checks is a verdict, not a broken run; an error (a fixture or backend
that blew up), a missing artifact or fewer tests than expected is. Exit 0 when the run is whole,
1 otherwise, 2 for bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("junit", type=Path)
    parser.add_argument("--expect", type=int, required=True, help="number of suite tests")
    args = parser.parse_args(argv)
    try:
        root = ET.parse(args.junit).getroot()
    except (OSError, ET.ParseError) as exc:
        print(f"check_suite_run: cannot read {args.junit}: {exc}", file=sys.stderr)
        return 2
    cases = root.findall(".//testcase")
    problems = []
    if len(cases) != args.expect:
        problems.append(f"expected {args.expect} tests, found {len(cases)}")
    for case in cases:
        name = f"{case.get('classname')}::{case.get('name')}"
        if case.find("error") is not None or case.find("skipped") is not None:
            problems.append(f"{name}: errored or skipped instead of giving a verdict")
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        for key in ("chimera_report", "chimera_record"):
            path = props.get(key)
            if not path or not Path(path).is_file():
                problems.append(f"{name}: artifact {key} missing ({path})")
        if props.get("chimera_record") and Path(props["chimera_record"]).is_file():
            record = json.loads(Path(props["chimera_record"]).read_text("utf-8"))
            if not record.get("calls"):
                problems.append(f"{name}: run record has no model calls")
    for line in problems:
        print(f"check_suite_run: {line}", file=sys.stderr)
    if not problems:
        print(f"check_suite_run: {len(cases)} tests ran, every artifact written")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
