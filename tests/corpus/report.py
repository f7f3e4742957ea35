"""`python -m tests.corpus.report`: the share of the corpus the engine builds as real Docker
does, and the first cause of each case that it does not, grouped (missing base image /
package / program / other). `--update` rewrites the manifest's xfail marks from the result,
so a case that now passes loses its mark and one that fails gets its first cause."""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from tests.corpus.harness import Case, Mismatch, load_cases, verify, write_manifest


def check(case: Case) -> Mismatch | None:
    with tempfile.TemporaryDirectory() as tmp:
        try:
            verify(case, Path(tmp))
        except Mismatch as e:
            return e
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.corpus.report")
    parser.add_argument("--update", action="store_true",
                        help="rewrite the manifest's engine/cause/reason fields")
    parser.add_argument("names", nargs="*", help="only these cases")
    args = parser.parse_args(argv)
    cases = load_cases()
    chosen = [c for c in cases if not args.names or c.name in args.names]
    failures: dict[str, Mismatch] = {}
    for case in chosen:
        failed = check(case)
        if failed is not None:
            failures[case.name] = failed
        print(f"{'FAIL' if failed else 'ok  '} {case.name}" +
              (f"  [{failed.group}] {failed.line}" if failed else ""), flush=True)
    passed = len(chosen) - len(failures)
    print(f"\n{passed}/{len(chosen)} cases build as on real Docker "
          f"({100 * passed / max(1, len(chosen)):.0f}%).")
    groups: dict[str, list[str]] = defaultdict(list)
    for name, failed in failures.items():
        groups[failed.group].append(name)
    for group in ("base-image", "package", "program", "other"):
        if groups[group]:
            print(f"  {group}: {len(groups[group])}")
    if args.update:
        updated = []
        for c in cases:
            if c not in chosen:
                updated.append(c)
            elif c.name in failures:
                f = failures[c.name]
                updated.append(replace(c, engine="xfail", cause=f.group, reason=f.line))
            else:
                updated.append(replace(c, engine="builds", cause="", reason=""))
        write_manifest(updated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
