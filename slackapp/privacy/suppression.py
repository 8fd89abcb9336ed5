"""Which cells of one period may be published: primary and complementary suppression on the org tree.

The cells
---------
A *period* is a calendar week (Monday, UTC). For each period the gate takes a **fixed set of teams**:
every team with a closed round that opened that week (its latest such round). The cells of the period
are the nodes of one tree over that fixed set - the organisation at the root, departments under it,
teams under the department their round was closed in (or directly under the organisation when it had
none; see "History" below) - and a node's value is the sum of its teams' histograms and counts. The
gate publishes *only* these node cells: no ad-hoc filters, no "all teams but one", no running totals
over several periods, no cell of a period that still has an open round (so a period's totals never
change after they are first shown, and "this week minus last time I looked" recovers nothing). The
same publication is computed for every viewer; a viewer's scope only chooses which published cells
they may see.

The rule (k = KINDRED_MIN_GROUP_SIZE)
-------------------------------------
1. Primary suppression: a node with fewer than k respondents is hidden.
2. Complementary suppression. For a published node P, call its *residual* R(P) the teams under P
   that are not under any published node strictly below P (P's "remainder" once its published
   children are subtracted). Whenever R(P) holds at least one team but fewer than k respondents,
   hide the smallest published node just below P (a published team if there is one - a published
   team has at least k respondents, so one always suffices - otherwise the smallest published
   department, then look again). Nodes are visited children first, so fixing P never undoes a
   node already checked.
Each question is a measure of its own (a team counts in a question's tree only if its round asked
it); a question's cells start from the published participation cells and only lose cells.

Why differencing cannot recover a hidden cell
---------------------------------------------
Every team under a published node belongs to exactly one residual: that of its nearest published
ancestor (or itself). A published node's value is the sum of the residuals of the published nodes in
its subtree, and conversely each residual is its node minus its published children, so the published
values and the residual values determine each other (a unitriangular change of basis). Any sum or
difference of published values is therefore a sum or difference of residuals, and the residuals are
disjoint groups of people. After the rule, every non-empty residual has at least k respondents, so
whatever arithmetic a viewer does on published cells - a department minus its other teams, the
organisation minus a department, two managers pooling overlapping scopes (they see subsets of the
one publication) - yields the aggregate of whole residuals: groups of at least k people, never a
hidden team on its own, and never a team of which nobody answered.

History: restructuring never changes a closed week
--------------------------------------------------
A week's tree is the org structure its rounds were closed in, not today's: `close_round` records on
each round the department its team is in at that moment (and the department's name). Rounds closed
before migration 0008_round_departments were given the department their team had when the migration
ran - the structure the gate had been using for them until then, so nothing shown changed. After
that, moving a team to another department, taking it out of every department, or deleting a
department changes only rounds that close afterwards; a closed week's tree, and so its publication,
depends on its rounds alone. Everything ever published for a week - before and after any
restructuring, to any viewer - is therefore one publication, and the argument above covers all of it
together: "the department's old totals minus its new ones" is zero, never a team that moved out.
Renaming a department changes only its label (names follow the current name). A deleted department
keeps its closed weeks under the name it had when its last round closed, marked as deleted, and only
viewers who see the whole organisation can pick it (assignments to manage it go with it). Scope
follows today's structure - a department's manager sees the teams in it now, with their history - but
a scope only chooses cells of that one publication, so no assignment HR makes opens a way around it.

Questions not every team asks
-----------------------------
A question's cell at a node counts only the node's teams that asked it, so "the organisation's answers"
minus "the organisation's answers to belonging" is the teams that left belonging out - and three such
per-question counts can pin a team (a+b, a+c, b+c). So the residuals above are split further: within a
residual, teams are grouped by which of the questions the residual's teams disagree on they asked (their
*signature*). When every group has at least k respondents, the groups are the blocks; otherwise the
residual stays one block and each question it disagrees on is hidden at every node whose value would
include part of it (the residual's node and its ancestors). Every published number - a node's answers
and invited, a question's count and histogram at a node - is then a sum of whole blocks of at least k
people, whatever viewer, question or linear combination is used (`publishable_questions`).

Publications are frozen
-----------------------
The worker computes all of this once, when a period completes, and stores it (slackapp/privacy/
publish.py); a round goes into exactly one publication. A changed minimum, an org move or a late round
therefore change no published number: the argument above is about one publication, and publications
share no round.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class UnitKind(StrEnum):
    ORG = "org"
    DEPARTMENT = "department"
    TEAM = "team"


@dataclass(frozen=True, order=True)
class UnitKey:
    """A node of the org tree: the organisation, a department (by id) or a team (by channel)."""

    kind: UnitKind
    id: str = ""

    def to_param(self) -> str:
        return f"{self.kind.value}:{self.id}"

    @classmethod
    def from_param(cls, text: str) -> UnitKey | None:
        """Parse "team:C123"; None for anything malformed (a tampered request gets nothing)."""
        kind, _, ident = text.partition(":")
        try:
            unit_kind = UnitKind(kind)
        except ValueError:
            return None
        if unit_kind is not UnitKind.ORG and not ident:
            return None
        return cls(unit_kind, "" if unit_kind is UnitKind.ORG else ident[:64])


ORG = UnitKey(UnitKind.ORG)


@dataclass(frozen=True)
class Tree:
    """One period's tree: children of each inner node and the team set beneath it."""

    children: Mapping[UnitKey, tuple[UnitKey, ...]]

    def teams_under(self, node: UnitKey) -> list[UnitKey]:
        if node.kind is UnitKind.TEAM:
            return [node]
        return [team for child in self.children.get(node, ()) for team in self.teams_under(child)]

    def postorder(self) -> list[UnitKey]:
        order: list[UnitKey] = []

        def visit(node: UnitKey) -> None:
            for child in self.children.get(node, ()):
                visit(child)
            order.append(node)

        visit(ORG)
        return order


def hidden_count_text(min_group_size: int) -> str:
    """The one label of every hidden count of people (peer support, resource groups), true whichever rule
    hid it: too few people, or a figure that would let a smaller number be worked out."""
    return (
        f"hidden to protect anonymity: fewer than {min_group_size} people, or showing it would let a "
        "smaller number of people be worked out"
    )


@dataclass(frozen=True)
class Step:
    """A count of people as a surface shows it: somewhere from `low` to `high`, both included."""

    low: int
    high: int

    def text(self) -> str:
        """ "at least 10" (10 to 14 in steps of 5), "fewer than 5", or the number when it is exact."""
        if self.low == self.high:
            return str(self.low)
        if self.low == 0:
            return f"fewer than {self.high + 1}"
        return f"at least {self.low}"


def step_of(count: int, min_group_size: int) -> Step:
    """The step of the minimum group size a count of people falls in: 12 in steps of 5 is 10 to 14, shown
    as "at least 10"; 3 is 0 to 4, "fewer than 5". Every peer-support count on every surface is shown
    this way (slackapp/pairing/stats.py says why)."""
    low = count - count % min_group_size
    return Step(low, low + min_group_size - 1)


def in_steps(count: int, min_group_size: int) -> int | None:
    """A live count of people as it may be shown (HR's App Home, the next round's preview): the bottom of
    its step (`step_of`), or None under the minimum group size. Two looks either side of one person's
    change then differ by nothing or by the whole minimum, never by that one person."""
    step = step_of(count, min_group_size)
    return step.low or None


def build_tree(team_departments: Mapping[str, str | None]) -> Tree:
    """The tree over a fixed set of teams, given each team's department id (or None)."""
    children: dict[UnitKey, list[UnitKey]] = {ORG: []}
    for channel, department in sorted(team_departments.items(), key=lambda item: item[0]):
        team = UnitKey(UnitKind.TEAM, channel)
        if department is None:
            children[ORG].append(team)
            continue
        parent = UnitKey(UnitKind.DEPARTMENT, department)
        if parent not in children:
            children[parent] = []
            children[ORG].append(parent)
        children[parent].append(team)
    return Tree({node: tuple(kids) for node, kids in children.items()})


def publishable(
    tree: Tree, respondents: Mapping[str, int], k: int, start: Iterable[UnitKey] | None = None
) -> frozenset[UnitKey]:
    """The nodes that may be published, by the rule in this module's docstring.

    Args:
        tree: the period's tree over its fixed set of teams.
        respondents: respondents per team channel for this measure; a team missing here is not part
            of the measure (it did not ask the question) and counts nowhere.
        k: the minimum group size.
        start: the nodes still eligible (a question starts from the published participation cells).

    Returns:
        The published nodes. Every non-empty residual of a published node has at least k respondents.
    """
    sizes: dict[UnitKey, int] = {}
    members: dict[UnitKey, list[str]] = {}
    for node in tree.postorder():
        teams = [t.id for t in tree.teams_under(node) if t.id in respondents]
        members[node] = teams
        sizes[node] = sum(respondents[t] for t in teams)
    eligible = set(tree.postorder()) if start is None else set(start)
    published = {node for node in eligible if members.get(node) and sizes[node] >= k}

    def tops(node: UnitKey) -> list[UnitKey]:
        """The published nodes strictly below `node` with no published node between."""
        found: list[UnitKey] = []
        for child in tree.children.get(node, ()):
            if child in published:
                found.append(child)
            else:
                found.extend(tops(child))
        return found

    for node in tree.postorder():
        while node in published:
            below = tops(node)
            covered = {team for top in below for team in members[top]}
            residual = [team for team in members[node] if team not in covered]
            if not residual or sum(respondents[t] for t in residual) >= k:
                break
            teams_below = [top for top in below if top.kind is UnitKind.TEAM]
            pool = teams_below or below
            if not pool:  # cannot happen (a published node has >= k), but never publish on doubt
                published.discard(node)
                break
            published.discard(min(pool, key=lambda top: (sizes[top], top)))
    return frozenset(published)


def publishable_questions(
    tree: Tree,
    published: frozenset[UnitKey],
    respondents: Mapping[str, int],
    asked: Mapping[str, frozenset[str]],
    questions: Iterable[str],
    k: int,
) -> dict[str, frozenset[UnitKey]]:
    """The nodes at which each question may be published, given the published participation nodes.

    Args:
        tree: the period's tree.
        published: the nodes published for participation (from `publishable`).
        respondents: respondents per team channel.
        asked: the questions each team's round asked.
        questions: every question that may be shown.
        k: the minimum group size.

    Returns:
        For each question, the published nodes where its count and histogram may be shown: only nodes
        where at least one team asked it, and none whose value would split a residual into a group of
        fewer than k (see "Questions not every team asks" above).
    """
    wanted = list(questions)
    owner: dict[str, UnitKey] = {}

    def assign(node: UnitKey, nearest: UnitKey | None) -> None:
        here = node if node in published else nearest
        if node.kind is UnitKind.TEAM:
            if here is not None:
                owner[node.id] = here
            return
        for child in tree.children.get(node, ()):
            assign(child, here)

    assign(ORG, None)
    residuals: dict[UnitKey, list[str]] = {}
    for team, node in owner.items():
        residuals.setdefault(node, []).append(team)
    parent: dict[UnitKey, UnitKey] = {c: p for p, kids in tree.children.items() for c in kids}
    blocked: dict[str, set[UnitKey]] = {q: set() for q in wanted}
    for node, teams in residuals.items():
        impure = [q for q in wanted if 0 < sum(1 for t in teams if q in asked.get(t, ())) < len(teams)]
        if not impure:
            continue
        groups: dict[frozenset[str], int] = {}
        for team in teams:
            signature = frozenset(q for q in impure if q in asked.get(team, ()))
            groups[signature] = groups.get(signature, 0) + respondents.get(team, 0)
        if all(size >= k for size in groups.values()):
            continue
        ancestors = [node]
        while ancestors[-1] in parent:
            ancestors.append(parent[ancestors[-1]])
        for question in impure:
            blocked[question].update(ancestors)
    result: dict[str, frozenset[UnitKey]] = {}
    for question in wanted:
        asking = {team for team, q in asked.items() if question in q}
        result[question] = frozenset(
            node
            for node in published
            if node not in blocked[question] and any(t.id in asking for t in tree.teams_under(node))
        )
    return result
