"""Private suggestions after a check-in, from that person's answers. Shown once, never stored.

Resource groups plug in as another `SuggestionSource`: a function from the person's needs to suggestions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from slackapp.admin.service import HelpContact
from slackapp.checkins.questions import QuestionKey
from slackapp.support import SupportKind

LOW_SCORE = 2  # 1-2 on a 1-5 scale: "disagree" or worse
HIGH_STRESS = 4


@dataclass(frozen=True)
class Needs:
    low_wellbeing: bool = False
    high_stress: bool = False
    low_support: tuple[SupportKind, ...] = field(default_factory=tuple)

    @property
    def any(self) -> bool:
        return self.low_wellbeing or self.high_stress or bool(self.low_support)

    @property
    def urgent(self) -> bool:
        """Professional help goes first when well-being is low or stress is high."""
        return self.low_wellbeing or self.high_stress


@dataclass(frozen=True)
class Suggestion:
    title: str
    text: str
    url: str | None = None
    phone: str | None = None
    professional: bool = False


SuggestionSource = Callable[[Needs], list[Suggestion]]


def needs_from_answers(answers: Mapping[str, int | None]) -> Needs:
    def score(key: QuestionKey) -> int | None:
        return answers.get(key.value)

    wellbeing, stress = score(QuestionKey.WELLBEING), score(QuestionKey.STRESS)
    low_support = tuple(
        kind for kind in SupportKind if (value := answers.get(kind.value)) is not None and value <= LOW_SCORE
    )
    return Needs(
        low_wellbeing=wellbeing is not None and wellbeing <= LOW_SCORE,
        high_stress=stress is not None and stress >= HIGH_STRESS,
        low_support=low_support,
    )


_ASKING_TIPS = {
    SupportKind.EMOTIONAL: "Someone to listen: a short, specific ask works best - "
    '"could we grab 15 minutes this week? I\'d value talking something through."',
    SupportKind.PRACTICAL: "Practical help: people are more willing to help than we expect. "
    'Name one concrete task and a time - "could you cover Thursday\'s stand-up?"',
    SupportKind.ADVICE: "Advice: think of one person who has done this before and ask one question.",
    SupportKind.BELONGING: "Belonging: small shared moments count - join a coffee, a lunch or a channel "
    "you have been meaning to.",
}


def suggest(
    needs: Needs, *, help_contact: HelpContact | None, sources: Sequence[SuggestionSource] = ()
) -> list[Suggestion]:
    """Suggestions for these needs: the professional-help contact, a way to reach a peer, then any sources.

    Returns an empty list when the answers show no need.
    """
    if not needs.any:
        return []
    professional = (
        [
            Suggestion(
                title=help_contact.name,
                text="Confidential, professional support - you don't need a reason to reach out.",
                url=help_contact.url,
                phone=help_contact.phone,
                professional=True,
            )
        ]
        if help_contact
        else []
    )
    peers = [
        Suggestion(title="Reach out to a colleague", text=_ASKING_TIPS[kind]) for kind in needs.low_support
    ] or [
        Suggestion(
            title="Reach out to a colleague",
            text="Asking is easier when it is small and specific: one person, one question, one time.",
        )
    ]
    from_sources = [suggestion for source in sources for suggestion in source(needs)]
    if needs.urgent:
        return professional + from_sources + peers
    return peers + from_sources + professional
