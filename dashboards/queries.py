"""The dashboard's data: every number comes from the gate's reader of publications, and from nowhere else.

Each view has a data builder (what the figure draws) and a table builder (what the page lists and the
CSV export holds), so the export is exactly what is on screen. A hidden value is `None` here, shown
with its own cell's reason ("fewer than 5 answers", or hidden to protect a smaller group), never as
zero. Means are shown to one decimal, the precision they are published at.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from slackapp.privacy.gate import Cell, Engagement, Gate
from slackapp.privacy.suppression import UnitKey, UnitKind

QUESTION_LABELS: dict[str, str] = {
    "wellbeing": "Well-being",
    "stress": "Stress",
    "emotional": "Someone to listen",
    "practical": "Practical help",
    "advice": "Advice and know-how",
    "belonging": "Belonging",
}
SUPPORT_KINDS: tuple[str, ...] = ("emotional", "practical", "advice", "belonging")
HIGHER_IS_WORSE = frozenset({"stress"})
QUESTION_WEEKS = 8


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _number(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _count(value: int | None) -> str:
    return "" if value is None else str(value)


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.0%}"


def week_label(week: date) -> str:
    return f"{week.day} {week:%b %Y}"


# -- Overview -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekPoint:
    week: date
    respondents: int | None
    invited: int | None
    participation: float | None
    wellbeing: float | None
    low: float | None
    high: float | None
    note: str = ""  # why the week (or its well-being) is hidden, in this cell's own words


@dataclass(frozen=True)
class OverviewData:
    unit_name: str
    hidden_reason: str
    weeks: tuple[WeekPoint, ...]
    reading: str


def overview(gate: Gate, unit: UnitKey) -> OverviewData:
    points: list[WeekPoint] = []
    for cell in gate.series(unit, questions=("wellbeing",) + SUPPORT_KINDS):
        wellbeing = cell.questions.get("wellbeing")
        points.append(
            WeekPoint(
                week=cell.period,
                respondents=cell.respondents,
                invited=cell.invited,
                participation=cell.participation,
                wellbeing=wellbeing.mean if wellbeing else None,
                low=wellbeing.low if wellbeing else None,
                high=wellbeing.high if wellbeing else None,
                note=cell.reason or cell.question_reasons.get("wellbeing", ""),
            )
        )
    return OverviewData(
        unit_name=gate.name(unit),
        hidden_reason=gate.rules.hidden_reason,
        weeks=tuple(points),
        reading=_reading(points, gate.rules.hidden_reason),
    )


def _reading(points: Sequence[WeekPoint], hidden_reason: str) -> str:
    """A short plain-language reading of the latest week, careful not to over-read noise."""
    if not points:
        return "No check-in results yet. Results appear once a week's check-ins have all closed."
    latest = points[-1]
    when = f"In the week of {week_label(latest.week)}"
    if latest.respondents is None:
        return f"{when}, results are not shown: {latest.note or hidden_reason}."
    parts = [f"{when}, {latest.respondents} people answered"]
    if latest.invited and latest.participation is not None:
        parts[0] += f" of {latest.invited} invited ({latest.participation:.0%})"
    if latest.wellbeing is not None:
        sentence = f"Well-being averaged {latest.wellbeing:.1f} out of 5"
        previous = next((p for p in reversed(points[:-1]) if p.wellbeing is not None), None)
        if previous is not None and previous.wellbeing is not None and latest.low is not None:
            change = latest.wellbeing - previous.wellbeing
            half_band = (latest.high or latest.wellbeing) - latest.low
            if abs(change) < max(half_band / 2, 0.1):
                sentence += ", about the same as the week before"
            else:
                sentence += f", {'up' if change > 0 else 'down'} {abs(change):.1f} on the week before"
        parts.append(sentence)
    return ". ".join(parts) + "."


def overview_table(data: OverviewData) -> Table:
    rows = tuple(
        (
            week_label(p.week),
            _count(p.respondents),
            _count(p.invited),
            _percent(p.participation),
            _number(p.wellbeing),
            "" if p.low is None else f"{p.low:.1f}–{p.high:.1f}",
            p.note if p.respondents is None or p.wellbeing is None else "",
        )
        for p in data.weeks
    )
    return Table(
        ("Week", "Answers", "Invited", "Participation", "Well-being (1–5)", "95% range", "Note"), rows
    )


# -- Questions ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionWeek:
    week: date
    counts: tuple[int, ...] | None  # how many chose 1..5; None when hidden
    note: str = ""  # why it is hidden


@dataclass(frozen=True)
class QuestionSeries:
    key: str
    label: str
    weeks: tuple[QuestionWeek, ...]


@dataclass(frozen=True)
class QuestionsData:
    unit_name: str
    hidden_reason: str
    questions: tuple[QuestionSeries, ...]


def questions(gate: Gate, unit: UnitKey, last: int = QUESTION_WEEKS) -> QuestionsData:
    cells = gate.series(unit, last=last)
    series = tuple(
        QuestionSeries(
            key=key,
            label=label,
            weeks=tuple(
                QuestionWeek(
                    week=c.period,
                    counts=c.questions[key].counts if key in c.questions else None,
                    note=c.reason or c.question_reasons.get(key, ""),
                )
                for c in cells
                if key in c.questions or c.hidden or key in c.hidden_questions
            ),
        )
        for key, label in QUESTION_LABELS.items()
    )
    return QuestionsData(gate.name(unit), gate.rules.hidden_reason, tuple(s for s in series if s.weeks))


def questions_table(data: QuestionsData) -> Table:
    rows = tuple(
        (
            week_label(w.week),
            q.label,
            *((str(c) for c in w.counts) if w.counts else ("",) * 5),
            _count(sum(w.counts) if w.counts else None),
            "" if w.counts else w.note,
        )
        for q in data.questions
        for w in q.weeks
    )
    return Table(("Week", "Question", "1", "2", "3", "4", "5", "Answers", "Note"), rows)


# -- Support landscape ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LandscapeGroup:
    name: str
    respondents: int | None
    scores: dict[str, float | None]
    note: str = ""


@dataclass(frozen=True)
class LandscapeData:
    team_name: str
    hidden_reason: str
    week: date | None
    groups: tuple[LandscapeGroup, ...]


def landscape(gate: Gate, team: UnitKey) -> LandscapeData:
    cells = gate.landscape(team)
    groups = tuple(_landscape_group(cell) for cell in cells)
    return LandscapeData(
        gate.name(team), gate.rules.hidden_reason, cells[0].period if cells else None, groups
    )


def _landscape_group(cell: Cell) -> LandscapeGroup:
    label = {UnitKind.ORG: "Organisation", UnitKind.DEPARTMENT: "Department"}.get(cell.unit.kind)
    name = f"{cell.name}" if label is None else f"{label}: {cell.name}"
    scores = {k: (cell.questions[k].mean if k in cell.questions else None) for k in SUPPORT_KINDS}
    note = cell.reason or next(iter(cell.question_reasons.values()), "")
    return LandscapeGroup(name=name, respondents=cell.respondents, scores=scores, note=note)


def landscape_table(data: LandscapeData) -> Table:
    rows = tuple(
        (
            g.name,
            _count(g.respondents),
            *(_number(g.scores[k]) for k in SUPPORT_KINDS),
            g.note if any(v is None for v in g.scores.values()) else "",
        )
        for g in data.groups
    )
    return Table(("Group", "Answers", *(QUESTION_LABELS[k] for k in SUPPORT_KINDS), "Note"), rows)


# -- Compare --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompareRow:
    name: str
    week: date
    respondents: int | None
    participation: float | None
    scores: dict[str, float | None]
    note: str = ""
    changes: dict[str, float | None] | None = None  # each mean's change since the team's previous publication


@dataclass(frozen=True)
class CompareData:
    scope_name: str
    hidden_reason: str
    rows: tuple[CompareRow, ...]


def compare_teams(gate: Gate, within: UnitKey | None) -> list[UnitKey]:
    """The teams to set side by side: those in the viewer's scope, under `within` when given."""
    teams = [u for u in gate.units() if u.kind is UnitKind.TEAM]
    if within is None or within.kind is UnitKind.ORG:
        return teams
    if within.kind is UnitKind.TEAM:
        return [within]
    return [t for t in teams if gate.department_of(t) == within]


def compare(gate: Gate, within: UnitKey | None) -> CompareData:
    if within is not None:
        gate.check(within)
    keys = ("wellbeing", "stress") + SUPPORT_KINDS
    cells = gate.compare(compare_teams(gate, within), questions=keys)
    rows = tuple(
        CompareRow(
            name=c.name,
            week=c.period,
            respondents=c.respondents,
            participation=c.participation,
            scores={k: (c.questions[k].mean if k in c.questions else None) for k in keys},
            note=c.reason or next(iter(c.question_reasons.values()), ""),
            changes={k: (c.questions[k].change if k in c.questions else None) for k in keys},
        )
        for c in sorted(cells, key=lambda c: c.name.lower())
    )
    return CompareData(gate.name(within) if within else "My teams", gate.rules.hidden_reason, rows)


def compare_table(data: CompareData) -> Table:
    keys = ("wellbeing", "stress") + SUPPORT_KINDS
    rows = tuple(
        (
            r.name,
            week_label(r.week),
            _count(r.respondents),
            _percent(r.participation),
            *(_number(r.scores[k]) for k in keys),
            r.note if r.respondents is None or any(v is None for v in r.scores.values()) else "",
        )
        for r in data.rows
    )
    return Table(
        ("Team", "Week", "Answers", "Participation", *(QUESTION_LABELS[k] for k in keys), "Note"), rows
    )


def engagement_table(data: Engagement) -> Table:
    """Peer-support rounds and resource-group joins; a hidden value is an empty cell with the reason."""
    hidden = "hidden to protect privacy"
    rows: list[tuple[str, ...]] = []
    for r in data.pairing:
        rows.append(
            (
                "Peer support",
                f"#{r.channel_id} round {r.round_number}",
                week_label(r.slot.date()),
                _count(r.taking_part),
                _percent(r.participation_rate),
                _percent(r.meeting_rate),
                r.hidden_reason or "",
            )
        )
    for g in data.members:
        note = "" if g.count is not None else hidden
        rows.append(("Resource group members", g.name, "latest count", _count(g.count), "", "", note))
    for j in data.joins:
        rows.append(
            (
                "Resource group",
                j.name,
                j.month,
                _count(j.joins),
                "",
                "",
                "" if j.joins is not None else hidden,
            )
        )
    return Table(
        ("What", "Which", "When", "People", "Took part (of opted in)", "Met", "Note"),
        tuple(rows),
    )
