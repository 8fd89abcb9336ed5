"""The check-in question catalogue and the snapshot a round keeps of what it asked."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from slackapp.support import SupportKind

SCALE = range(1, 6)


class QuestionKey(StrEnum):
    WELLBEING = "wellbeing"
    STRESS = "stress"
    EMOTIONAL = SupportKind.EMOTIONAL.value
    PRACTICAL = SupportKind.PRACTICAL.value
    ADVICE = SupportKind.ADVICE.value
    BELONGING = SupportKind.BELONGING.value


@dataclass(frozen=True)
class Question:
    key: QuestionKey
    prompt: str
    low_label: str
    high_label: str
    # Stress is the one question where a high score is the worrying one.
    higher_is_better: bool = True

    def to_snapshot(self) -> dict[str, Any]:
        return {**asdict(self), "key": self.key.value}

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> Question:
        return cls(
            key=QuestionKey(data["key"]),
            prompt=str(data["prompt"]),
            low_label=str(data["low_label"]),
            high_label=str(data["high_label"]),
            higher_is_better=bool(data["higher_is_better"]),
        )

    @property
    def support_kind(self) -> SupportKind | None:
        try:
            return SupportKind(self.key.value)
        except ValueError:
            return None


_AGREEMENT = ("Strongly disagree", "Strongly agree")

CATALOGUE: tuple[Question, ...] = (
    Question(
        QuestionKey.WELLBEING, "Overall, how have you been since the last check-in?", "Struggling", "Thriving"
    ),
    Question(
        QuestionKey.STRESS, "How stressed have you felt?", "Not at all", "Extremely", higher_is_better=False
    ),
    Question(QuestionKey.EMOTIONAL, "I had someone to talk to when I needed it.", *_AGREEMENT),
    Question(QuestionKey.PRACTICAL, "I could get practical help when I needed it.", *_AGREEMENT),
    Question(QuestionKey.ADVICE, "I knew who to ask for advice.", *_AGREEMENT),
    Question(QuestionKey.BELONGING, "I felt part of a group, not alone.", *_AGREEMENT),
)
DEFAULT_QUESTION_KEYS: tuple[QuestionKey, ...] = tuple(q.key for q in CATALOGUE)
COMMENT_MAX_LENGTH = 1000


def questions_for(keys: list[str] | tuple[QuestionKey, ...]) -> list[Question]:
    """The catalogue's questions for these keys, in catalogue order."""
    wanted = {QuestionKey(k) for k in keys}
    return [q for q in CATALOGUE if q.key in wanted]
