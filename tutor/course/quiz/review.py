"""Review scheduling: questions answered wrong come back until answered right on separate days.

The schedule is a three-box Leitner system, counted in calendar days of the learner's clock:

* A wrong answer (in any mode) puts the question in box 0, due today.
* A right answer moves it up one box, but only if the last right answer was on an earlier day
  (two right answers on the same day count once). From box 1 it is due 1 day later, from box 2
  3 days later; reaching box 3 means it was answered right on three separate days, and it leaves
  review.
* A wrong answer in any box sends it back to box 0 and forgets earlier right answers, so the
  next right answer (even the same day) starts the count again.

Questions never answered wrong are not scheduled at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

INTERVAL_DAYS = {1: 1, 2: 3}
GRADUATE_BOX = 3


@dataclass(frozen=True, slots=True)
class Card:
    box: int
    due: date
    last_right: date | None = None


def after_answer(
    cards: Mapping[str, Card], question_id: str, correct: bool, today: date
) -> dict[str, Card]:
    updated = dict(cards)
    card = cards.get(question_id)
    if not correct:
        updated[question_id] = Card(0, today)
        return updated
    if card is None or card.last_right == today:
        return updated
    box = card.box + 1
    if box >= GRADUATE_BOX:
        del updated[question_id]
    else:
        updated[question_id] = Card(box, today + timedelta(days=INTERVAL_DAYS[box]), today)
    return updated


def due(cards: Mapping[str, Card], today: date) -> list[str]:
    """The question ids due for review today, oldest due first."""
    ready = [qid for qid, card in cards.items() if card.due <= today]
    return sorted(ready, key=lambda qid: (cards[qid].due, qid))
