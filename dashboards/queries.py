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
from functools import lru_cache

from slackapp.privacy.gate import Cell, Engagement, Gate, QuestionFigures
from slackapp.privacy.suppression import Step, UnitKey, UnitKind

QUESTION_LABELS: dict[str, str] = {
    "wellbeing": "Well-being",
    "stress": "Stress",
    "emotional": "Someone to listen",
    "practical": "Practical help",
    "advice": "Advice and know-how",
    "belonging": "Belonging",
}
SUPPORT_KINDS: tuple[str, ...] = ("emotional", "practical", "advice", "belonging")
MEASURES: tuple[str, ...] = ("wellbeing", "stress", *SUPPORT_KINDS)
HIGHER_IS_WORSE = frozenset({"stress"})
QUESTION_WEEKS = 8
# How many standard errors of the difference a change must exceed before it is called a change: about
# the 95% level, so a small team's week-to-week wobble is not read as news.
NOISE_SES = 2.0


# -- where the numbers come from -------------------------------------------------------------------------
# Every number below is read through these few functions, so pointing the dashboard at another source of
# published cells (stored publications) changes them and nothing else.


def _series(gate: Gate, unit: UnitKey, questions: tuple[str, ...], last: int | None = None) -> list[Cell]:
    if unit in gate.benchmark_units():
        return gate.benchmark_series(unit, questions=questions, last=last)
    return gate.series(unit, questions=questions, last=last)


def _latest(
    gate: Gate, units: list[UnitKey], questions: tuple[str, ...], *, previous: bool
) -> list[tuple[Cell, Cell | None]]:
    """Each unit's latest cell, with the one before it when `previous` (read for all units at once)."""
    if previous:
        return gate.compare_with_previous(units, questions=questions)
    return [(cell, None) for cell in gate.compare(units, questions=questions)]


def _benchmarks(gate: Gate, unit: UnitKey) -> list[Cell]:
    return gate.benchmarks(unit)


# -- noise ------------------------------------------------------------------------------------------------


def standard_error(figures: QuestionFigures) -> float:
    """The standard error of a published mean, from its published distribution (counts of 1..5)."""
    return _standard_error(figures.counts)


# "Where to act" asks this for 500 teams x 6 measures x 2 weeks on every load; published histograms of
# small groups repeat a lot, and a histogram's standard error never changes.
@lru_cache(maxsize=65_536)
def _standard_error(counts: tuple[int, ...]) -> float:
    n = sum(counts)
    if n < 2:
        return float("inf")
    mean = sum((v + 1) * c for v, c in enumerate(counts)) / n
    variance = sum(c * ((v + 1) - mean) ** 2 for v, c in enumerate(counts)) / (n - 1)
    # A unanimous small group has no spread in its sample, not none in its people: never below a floor
    # of one answer point's worth of disagreement.
    return float(max(variance, 0.25) ** 0.5 / n**0.5)


def change_is_real(now: QuestionFigures, before: QuestionFigures) -> bool:
    """True when the change between two published means is beyond the noise of the two groups' sizes."""
    spread = (standard_error(now) ** 2 + standard_error(before) ** 2) ** 0.5
    return bool(abs(now.mean - before.mean) > NOISE_SES * spread)


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def note_cell(note: str) -> str:
    """A row's note as the sentence it is in its own cell: "Hidden to protect anonymity: …". Only the
    first letter changes: the words are the publication's one label, the same wherever it is quoted
    (lower case inside a sentence, as in "No week can be shown for Payments: hidden to …")."""
    return note[:1].upper() + note[1:]


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
    cells = _series(gate, unit, ("wellbeing", *SUPPORT_KINDS))
    for cell in cells:
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
        reading=_reading(points, gate.rules.hidden_reason, _wellbeing_change(cells)),
    )


def _wellbeing_change(cells: Sequence[Cell]) -> bool | None:
    """Whether the latest well-being moved beyond noise since the previous shown week (None: no pair)."""
    shown = [c.questions["wellbeing"] for c in cells if "wellbeing" in c.questions]
    if len(shown) < 2 or "wellbeing" not in cells[-1].questions:
        return None
    return change_is_real(shown[-1], shown[-2])


def _reading(points: Sequence[WeekPoint], hidden_reason: str, moved: bool | None = None) -> str:
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
        if previous is not None and previous.wellbeing is not None and moved is not None:
            change = latest.wellbeing - previous.wellbeing
            if not moved:
                sentence += (
                    f", within the usual week-to-week variation for a group of this size "
                    f"({previous.wellbeing:.1f} last time)"
                )
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
            note_cell(p.note) if p.respondents is None or p.wellbeing is None else "",
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
    cells = _series(gate, unit, MEASURES, last=last)
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
            "" if w.counts else note_cell(w.note),
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
    department: str = ""  # the department's own name, when the group is one

    @property
    def hidden(self) -> bool:
        return any(v is None for v in self.scores.values())


@dataclass(frozen=True)
class LandscapeData:
    team_name: str  # the unit's name (a team, a department or the organisation)
    hidden_reason: str
    week: date | None
    groups: tuple[LandscapeGroup, ...]
    reading: str = ""


def landscape(gate: Gate, unit: UnitKey) -> LandscapeData:
    """The unit's four kinds of support beside the levels above it, for its latest published week."""
    cells = _benchmarks(gate, unit)
    groups = tuple(_landscape_group(cell, first=index == 0) for index, cell in enumerate(cells))
    name = gate.name(unit)
    data = LandscapeData(name, gate.rules.hidden_reason, cells[0].period if cells else None, groups)
    return LandscapeData(data.team_name, data.hidden_reason, data.week, groups, _landscape_reading(data))


def _landscape_group(cell: Cell, *, first: bool) -> LandscapeGroup:
    label = {UnitKind.ORG: "Organisation", UnitKind.DEPARTMENT: "Department"}.get(cell.unit.kind)
    name = (
        cell.name if label is None or (first and cell.unit.kind is UnitKind.ORG) else f"{label}: {cell.name}"
    )
    scores = {k: (cell.questions[k].mean if k in cell.questions else None) for k in SUPPORT_KINDS}
    note = cell.reason or next(iter(cell.question_reasons.values()), "")
    department = cell.name if cell.unit.kind is UnitKind.DEPARTMENT else ""
    return LandscapeGroup(
        name=name, respondents=cell.respondents, scores=scores, note=note, department=department
    )


def weakest_kind(scores: dict[str, float | None]) -> str | None:
    """The kind of support with the lowest published score (None when none is shown)."""
    shown = {k: v for k, v in scores.items() if k in SUPPORT_KINDS and v is not None}
    return min(shown, key=lambda k: (shown[k], SUPPORT_KINDS.index(k))) if shown else None


def _landscape_reading(data: LandscapeData) -> str:
    if not data.groups:
        return "No check-in results yet. Results appear once a week's check-ins have all closed."
    own = data.groups[0]
    weakest = weakest_kind(own.scores)
    when = f"In the week of {week_label(data.week)}" if data.week else "Latest"
    if weakest is None:
        return f"{when}, {data.team_name}'s support is not shown: {data.hidden_reason}."
    strongest = max(
        (k for k in SUPPORT_KINDS if own.scores[k] is not None), key=lambda k: own.scores[k] or 0.0
    )
    sentence = (
        f"{when}, the weakest kind of support in {data.team_name} was "
        f"{QUESTION_LABELS[weakest].lower()} ({own.scores[weakest]:.1f} out of 5); the strongest was "
        f"{QUESTION_LABELS[strongest].lower()} ({own.scores[strongest]:.1f})."
    )
    for group in data.groups[1:]:
        theirs = group.scores.get(weakest)
        if theirs is not None:
            sentence += f" {group.name} scored {theirs:.1f} on {QUESTION_LABELS[weakest].lower()}."
    return sentence


def landscape_table(data: LandscapeData) -> Table:
    rows = tuple(
        (
            g.name,
            _count(g.respondents),
            *(_number(g.scores[k]) for k in SUPPORT_KINDS),
            note_cell(g.note) if any(v is None for v in g.scores.values()) else "",
        )
        for g in data.groups
    )
    return Table(("Group", "Answers", *(QUESTION_LABELS[k] for k in SUPPORT_KINDS), "Note"), rows)


# -- Teams side by side: Compare and "Where to act" ---------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """One published measure for one team's latest week, with its change since the team's previous one."""

    value: float | None
    change: float | None = None  # since the previous published week of the same team
    changed: bool = False  # the change is beyond the noise of the two groups' sizes
    previous_week: date | None = None


@dataclass(frozen=True)
class CompareRow:
    name: str
    week: date
    respondents: int | None
    participation: float | None
    scores: dict[str, float | None]
    unit: UnitKey | None = None
    measures: dict[str, Measure] | None = None
    need: float | None = None  # 0 (all good) to 1 (all bad), from the shown measures; None when hidden
    note: str = ""  # why the team (or one of its measures) is hidden, in its publication's words


@dataclass(frozen=True)
class CompareData:
    scope_name: str
    hidden_reason: str
    rows: tuple[CompareRow, ...]  # by need, the most in need first; hidden teams last
    reading: str = ""


def compare_teams(gate: Gate, within: UnitKey | None) -> list[UnitKey]:
    """The teams to set side by side: those in the viewer's scope, under `within` when given."""
    teams = [u for u in gate.units() if u.kind is UnitKind.TEAM]
    if within is None or within.kind is UnitKind.ORG:
        return teams
    if within.kind is UnitKind.TEAM:
        return [within]
    return [t for t in teams if gate.department_of(t) == within]


def need_of(scores: dict[str, float | None]) -> float | None:
    """How far a team is from the best answers, 0 to 1, over its shown measures (stress turned round)."""
    shortfalls = [
        (v - 1) / 4 if k in HIGHER_IS_WORSE else (5 - v) / 4 for k, v in scores.items() if v is not None
    ]
    return sum(shortfalls) / len(shortfalls) if shortfalls else None


def _by_need(rows: Sequence[CompareRow]) -> tuple[CompareRow, ...]:
    return tuple(sorted(rows, key=lambda r: (r.need is None, -(r.need or 0.0), r.name.lower())))


def compare(gate: Gate, within: UnitKey | None, *, with_changes: bool = False) -> CompareData:
    """Each team's latest published week, ordered by need; with its change since the previous one."""
    if within is not None:
        gate.check(within)
    teams = compare_teams(gate, within)
    rows: list[CompareRow] = []
    for c, before in _latest(gate, teams, MEASURES, previous=with_changes):
        scores = {k: (c.questions[k].mean if k in c.questions else None) for k in MEASURES}
        measures = _measures(c, before) if with_changes else None
        rows.append(
            CompareRow(
                name=c.name,
                week=c.period,
                respondents=c.respondents,
                participation=c.participation,
                scores=scores,
                unit=c.unit,
                measures=measures,
                need=need_of(scores) if c.respondents is not None else None,
                note=c.reason or next(iter(c.question_reasons.values()), ""),
            )
        )
    ordered = _by_need(rows)
    name = gate.name(within) if within else "My teams"
    return CompareData(name, gate.rules.hidden_reason, ordered, _compare_reading(name, ordered))


def _measures(latest: Cell, before: Cell | None) -> dict[str, Measure]:
    """The team's measures in its latest week and the change since its previous published week."""
    if latest.respondents is None:
        return {k: Measure(None) for k in MEASURES}
    result: dict[str, Measure] = {}
    for key in MEASURES:
        now = latest.questions.get(key)
        then = before.questions.get(key) if before is not None else None
        if now is None:
            result[key] = Measure(None)
        elif then is None or before is None:
            result[key] = Measure(now.mean)
        else:
            result[key] = Measure(now.mean, now.mean - then.mean, change_is_real(now, then), before.period)
    return result


def _compare_reading(scope: str, rows: Sequence[CompareRow]) -> str:
    shown = [r for r in rows if r.need is not None]
    hidden = len(rows) - len(shown)
    if not rows:
        return "No check-in results yet. Results appear once a week's check-ins have all closed."
    if not shown:
        return f"No team in {scope} has results that can be shown yet."
    first = shown[0]
    sentence = f"Of {len(rows)} teams in {scope}, {first.name} needs attention most"
    wellbeing = first.scores.get("wellbeing")
    if wellbeing is not None:
        sentence += f" (well-being {wellbeing:.1f} out of 5)"
    sentence += f"; {shown[-1].name} is doing best."
    if hidden:
        sentence += f" {hidden} {'team is' if hidden == 1 else 'teams are'} hidden to protect anonymity."
    return sentence


def compare_table(data: CompareData) -> Table:
    keys = MEASURES
    rows = tuple(
        (
            r.name,
            week_label(r.week),
            _count(r.respondents),
            _percent(r.participation),
            *(_number(r.scores[k]) for k in keys),
            note_cell(r.note) if r.respondents is None or any(v is None for v in r.scores.values()) else "",
        )
        for r in data.rows
    )
    return Table(
        ("Team", "Week", "Answers", "Participation", *(QUESTION_LABELS[k] for k in keys), "Note"), rows
    )


def act_table(data: CompareData) -> Table:
    """The "where to act" heatmap as a table: each measure with its change, marked when beyond noise."""
    rows: list[tuple[str, ...]] = []
    for rank, r in enumerate(data.rows, start=1):
        cells: list[str] = []
        for key in MEASURES:
            measure = (r.measures or {}).get(key, Measure(r.scores.get(key)))
            cells.append(change_text(measure))
        note = note_cell(r.note or data.hidden_reason) if r.respondents is None else ""
        rows.append((str(rank) if r.need is not None else "", r.name, _count(r.respondents), *cells, note))
    return Table(("Rank", "Team", "Answers", *(QUESTION_LABELS[k] for k in MEASURES), "Note"), tuple(rows))


def change_text(measure: Measure) -> str:
    """ "3.4 (changed: down 0.6)" when the change is beyond noise, else just "3.4"; empty when hidden."""
    if measure.value is None:
        return ""
    if measure.change is None or not measure.changed:
        return f"{measure.value:.1f}"
    direction = "up" if measure.change > 0 else "down"
    return f"{measure.value:.1f} (changed: {direction} {abs(measure.change):.1f})"


def _months_label(first: str, last: str, *, pending: bool) -> str:
    if pending:
        return f"since {month_label(first)}"
    return month_label(last) if first == last else f"{month_label(first)} – {month_label(last)}"


# What each row of the engagement table counts (its first column), in the words the page uses.
PAIRED = "Peer support: people paired"
MEMBERS = "Resource group: members"
JOINED = "Resource group: people who joined"


def engagement_table(data: Engagement) -> Table:
    """Peer-support rounds and resource groups; a hidden value is an empty cell with the page's one label.

    Three kinds of row share the table, so each says what it counts ("people paired", "members",
    "people who joined") and its time in words ("Oct 2026", not "2026-10"). Resource groups are shown over
    completed months, step by step (slackapp/resources/stats.py): the joins through Kindred over each step,
    and the members at the end of the latest one. Peer-support rounds give how many were paired, had
    opted in and met, each in steps of the minimum group size ("at least 10"), never a rate
    (slackapp/pairing/stats.py).
    """
    hidden = data.hidden_reason
    one_programme = len({r.channel_id for r in data.pairing}) == 1
    rows: list[tuple[str, ...]] = []
    for r in data.pairing:
        notes = [_steps_note(r.taking_part), "" if r.closed else "meetings are counted when the round closes"]
        rows.append(
            (
                PAIRED,
                f"Round {r.round_number}" if one_programme else f"#{r.channel_id} round {r.round_number}",
                week_label(r.slot.date()),
                _people(r.taking_part),
                _people(r.opted_in),
                _people(r.met),
                note_cell("; ".join(n for n in notes if n)),
            )
        )
    for g in data.members:
        when = f"end of {month_label(g.month)}" if g.month else ""
        note = "" if g.count is not None else note_cell(hidden)
        rows.append((MEMBERS, g.name, when, _count(g.count), "", "", note))
    for j in data.joins:
        when = _months_label(j.first_month, j.last_month, pending=j.pending)
        note = "" if j.joins is not None else note_cell(hidden)
        rows.append((JOINED, j.name, when, _count(j.joins), "", "", note))
    return Table(
        ("What is counted", "Which", "When", "How many", "Opted in", "Met their group", "Note"),
        tuple(rows),
    )


def _people(step: Step | None) -> str:
    """A peer-support count as shown: "at least 10", "fewer than 5"; empty when not counted yet."""
    return "" if step is None else step.text()


def _steps_note(step: Step | None) -> str:
    """Why a round's counts read "at least": their row says so, in the CSV export too."""
    if step is None or step.low == step.high:
        return ""
    return f"counted in steps of {step.high - step.low + 1}"


def month_label(month: str) -> str:
    """ "2026-10" as "Oct 2026", as weeks are written (anything else as it is)."""
    try:
        return date.fromisoformat(f"{month}-01").strftime("%b %Y")
    except ValueError:
        return month


def ever_shown(gate: Gate, unit: UnitKey) -> bool:
    """Whether any published week shows this unit (a team can be hidden every week)."""
    return any(cell.respondents is not None for cell in _series(gate, unit, ()))


def favourable_share(key: str, counts: tuple[int, ...]) -> float:
    """The share of answers at the good end: 4 or 5, or for stress 1 or 2."""
    total = sum(counts) or 1
    good = counts[0] + counts[1] if key in HIGHER_IS_WORSE else counts[3] + counts[4]
    return good / total


def questions_reading(data: QuestionsData) -> str:
    """The latest week's least and most favourable questions, in words."""
    latest: dict[str, tuple[date, float]] = {}
    for question in data.questions:
        shown = [w for w in question.weeks if w.counts is not None]
        if shown and shown[-1].counts is not None:
            latest[question.key] = (shown[-1].week, favourable_share(question.key, shown[-1].counts))
    if not latest:
        if any(q.weeks for q in data.questions):
            return f"No week can be shown for {data.unit_name}: {data.hidden_reason}."
        return "No check-in results yet. Results appear once a week's check-ins have all closed."
    worst = min(latest, key=lambda k: latest[k][1])
    best = max(latest, key=lambda k: latest[k][1])
    week = max(w for w, _share in latest.values())
    return (
        f"In the latest week shown ({week_label(week)}), {QUESTION_LABELS[worst].lower()} had the fewest "
        f"favourable answers ({latest[worst][1]:.0%}) and {QUESTION_LABELS[best].lower()} the most "
        f"({latest[best][1]:.0%}). Favourable means 4 or 5, or for stress 1 or 2."
    )


def wellbeing_cells(gate: Gate, unit: UnitKey) -> list[Cell]:
    """The unit's published well-being, week by week (for the action plans' "did it move?")."""
    return _series(gate, unit, ("wellbeing",))


def progress_since(cells: Sequence[Cell], week: date) -> str:
    """Whether well-being moved in the publications after a plan's week, judged against the noise."""
    then = next(
        (
            c.questions["wellbeing"]
            for c in reversed(cells)
            if c.period <= week and "wellbeing" in c.questions
        ),
        None,
    )
    after = [c for c in cells if c.period > week and "wellbeing" in c.questions]
    if then is None:
        return "Well-being was not shown for the week it answers, so there is nothing to compare with."
    if not after:
        return f"Well-being was {then.mean:.1f} in the week it answers; no results since yet."
    latest = after[-1].questions["wellbeing"]
    when = week_label(after[-1].period)
    if not change_is_real(latest, then):
        return (
            f"Well-being {then.mean:.1f} then, {latest.mean:.1f} in the week of {when}: no clear change yet "
            "(within the usual variation for a group of this size)."
        )
    direction = "up" if latest.mean > then.mean else "down"
    return (
        f"Well-being {then.mean:.1f} then, {latest.mean:.1f} in the week of {when}: "
        f"{direction} {abs(latest.mean - then.mean):.1f}, a real change."
    )
