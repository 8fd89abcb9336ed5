"""The four kinds of social support Kindred measures, matches and routes on (docs/architecture.md)."""

from enum import StrEnum


class SupportKind(StrEnum):
    """Stored by value; the research names are emotional, instrumental, informational, companionship."""

    EMOTIONAL = "emotional"
    PRACTICAL = "practical"
    ADVICE = "advice"
    BELONGING = "belonging"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    SupportKind.EMOTIONAL: "Someone to listen",
    SupportKind.PRACTICAL: "Practical help",
    SupportKind.ADVICE: "Advice and know-how",
    SupportKind.BELONGING: "Belonging",
}
