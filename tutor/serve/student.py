"""One student's tutorial behind a served tab:
`python -m tutor.serve.student STATE_DIR [LESSONS_DIR…]` (started by the server, not by people).

The same application as `tutor` in a terminal, with one difference: the cursor does not blink,
because every blink is a screen update sent over the room's Wi-Fi, twice a second per student.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    from tutor.paths import content_dir
    from tutor.ui.app import TutorApp

    state, *extra = (Path(arg) for arg in argv)
    lessons = (content_dir("lessons"), *extra) if extra else None
    TutorApp(state=state, lessons=lessons, cursor_blink=False).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
