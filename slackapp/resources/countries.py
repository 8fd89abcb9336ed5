"""Countries: a person's from their Slack time zone (tzdata's zone table), and the list HR picks from."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib import resources

# The first part of an IANA zone names the continent; the labels HR's earlier free-text regions used.
_CONTINENTS = {
    "Europe": "Europe",
    "America": "Americas",
    "Africa": "Africa",
    "Asia": "Asia-Pacific",
    "Australia": "Asia-Pacific",
    "Pacific": "Asia-Pacific",
    "Indian": "Other",
    "Atlantic": "Other",
    "Antarctica": "Other",
    "Arctic": "Other",
}
CONTINENT_ORDER = ("Europe", "Americas", "Asia-Pacific", "Africa", "Other")
# Names people type for a country that are not its ISO 3166 name (earlier free-text regions).
_ALIASES = {
    "uk": "GB",
    "united kingdom": "GB",
    "britain": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "us": "US",
    "usa": "US",
    "united states of america": "US",
    "uae": "AE",
}


def _rows(name: str) -> list[list[str]]:
    text = resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@cache
def country_names() -> dict[str, str]:
    """ISO 3166 code -> the country's name, from tzdata's iso3166.tab."""
    return {row[0]: row[1] for row in _rows("iso3166.tab") if len(row) >= 2}


@cache
def _zone_country() -> dict[str, str]:
    """IANA zone -> the one country it is in (zone.tab: each zone's own country)."""
    return {row[2]: row[0] for row in _rows("zone.tab") if len(row) >= 3}


@cache
def continent_of() -> dict[str, str]:
    """ISO 3166 code -> its continent label, from the first zone tzdata lists for it."""
    found: dict[str, str] = {}
    for zone, code in _zone_country().items():
        found.setdefault(code, _CONTINENTS.get(zone.split("/", 1)[0], "Other"))
    return found


def country_of_timezone(timezone: str | None) -> str | None:
    """The country (ISO 3166 code) of an IANA time zone: Europe/London -> GB, America/New_York -> US."""
    return _zone_country().get(timezone or "")


def country_code(text: str) -> str | None:
    """A country code for a code, a country's name, or a common alias ("UK", "USA"); None otherwise."""
    cleaned = " ".join(text.split())
    if cleaned.upper() in country_names() and len(cleaned) == 2:
        return cleaned.upper()
    lowered = cleaned.lower()
    if lowered in _ALIASES:
        return _ALIASES[lowered]
    return next((code for code, name in country_names().items() if name.lower() == lowered), None)


def normalise(region: str) -> str:
    """A region as stored from now on: a country's code where it names one, else the text (a continent)."""
    return country_code(region) or " ".join(region.split())


def label(region: str) -> str:
    """How a region is shown: a country's name for its code, else the text as HR wrote it."""
    return country_names().get(region, region)


def region_rank(served: Iterable[str], person: str | None) -> int:
    """0: serves the person's country; 1: their continent; 2: serves everyone; 3: elsewhere."""
    regions = [normalise(r) for r in served]
    if not regions:
        return 2
    if not person:
        return 3
    mine = normalise(person)
    if mine.lower() in {r.lower() for r in regions}:
        return 0
    continent = continent_of().get(mine)
    return 1 if continent and continent.lower() in {r.lower() for r in regions} else 3


def grouped_countries() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every country as (continent, [(code, name), ...]), each group sorted by name, for HR's picker."""
    groups: dict[str, list[tuple[str, str]]] = {continent: [] for continent in CONTINENT_ORDER}
    for code, name in country_names().items():
        groups[continent_of().get(code, "Other")].append((code, name))
    return [(continent, sorted(groups[continent], key=lambda c: c[1])) for continent in CONTINENT_ORDER]
