"""A synthetic organisation for the pairing benchmark and tests: teams, managers, preferences, history."""

from __future__ import annotations

import random

from slackapp.pairing.matching import History, Person
from slackapp.support import SupportKind

KINDS = list(SupportKind)


def organisation(size: int, *, seed: int = 1, team_size: int = 12, avoid_share: float = 0.02) -> list[Person]:
    """`size` people in teams of about `team_size`; each team's first member manages it and reports to
    one of a few directors; a small share keep a "don't pair me with" list; preferences vary."""
    rng = random.Random(seed)
    ids = [f"U{index:06d}" for index in range(size)]
    teams = [f"T{index // team_size:04d}" for index in range(size)]
    directors = [ids[index * team_size] for index in range(max(2, size // 150))]
    people: list[Person] = []
    for index, person_id in enumerate(ids):
        team_lead = ids[(index // team_size) * team_size]
        director = directors[(index // team_size) % len(directors)]
        above = {team_lead, director} if person_id != team_lead else {director}
        seeks = frozenset(rng.sample(KINDS, rng.choice((0, 1, 1, 2, 2, 3))))
        offers = frozenset(rng.sample(KINDS, rng.choice((1, 1, 2, 2, 3, 4))))
        avoid = frozenset(rng.sample(ids, 3)) - {person_id} if rng.random() < avoid_share else frozenset()
        people.append(Person(person_id, seeks, offers, teams[index], frozenset(above - {person_id}), avoid))
    return people


def year_of_history(people: list[Person], *, rounds: int = 52, seed: int = 2, window: int = 6) -> History:
    """Weekly rounds for a year, each a random pairing of everyone (what the pairs were matters less
    to the matcher's speed than how many there are)."""
    rng = random.Random(seed)
    ids = [p.id for p in people]
    last_met: dict[tuple[str, str], int] = {}
    for round_number in range(1, rounds + 1):
        rng.shuffle(ids)
        for a, b in zip(ids[::2], ids[1::2], strict=False):
            last_met[(a, b) if a < b else (b, a)] = round_number
    return History(last_met=last_met, current_round=rounds + 1, window=window)
