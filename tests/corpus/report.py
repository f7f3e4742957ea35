"""`python -m tests.corpus.report`: the share of the corpus that builds as on real Docker, and
the first cause of each case that does not, grouped (missing base image / package / program /
other). `--json FILE` also writes {case: [group, first error line]} for the failures."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from tests.corpus.harness import Case, build, first_cause, load_cases, materialise


def check(case: Case, work: Path) -> tuple[bool, str, str]:
    """(as real Docker, cause group, first error line) for one case's first build."""
    result = build(work / "state", materialise(case, work / "ctx"), case)
    if case.real == "fails":
        ok = result.status != 0 and case.real_error in result.err
    else:
        ok = result.status == 0
    if ok:
        return True, "", ""
    if result.status == 0:
        return False, "other", "builds here, but real Docker fails it"
    group, line = first_cause(result.err)
    return False, group, line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.corpus.report")
    parser.add_argument("--json", help="write the failures' causes to this file")
    parser.add_argument("names", nargs="*", help="only these cases")
    args = parser.parse_args(argv)
    cases = [c for c in load_cases() if not args.names or c.name in args.names]
    failures: dict[str, tuple[str, str]] = {}
    for case in cases:
        with tempfile.TemporaryDirectory() as tmp:
            ok, group, line = check(case, Path(tmp))
        if not ok:
            failures[case.name] = (group, line)
        print(f"{'ok  ' if ok else 'FAIL'} {case.name}" + (f"  [{group}] {line}" if line else ""),
              flush=True)
    passed = len(cases) - len(failures)
    print(f"\n{passed}/{len(cases)} cases build as on real Docker "
          f"({100 * passed / max(1, len(cases)):.0f}%).")
    groups: dict[str, list[str]] = defaultdict(list)
    for name, (group, _) in failures.items():
        groups[group].append(name)
    for group in ("base-image", "package", "program", "other"):
        if groups[group]:
            print(f"  {group}: {len(groups[group])}")
    if args.json:
        Path(args.json).write_text(json.dumps(failures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
