"""Figures -> the story each page and its PDF tell: a headline sentence, four tiles, the
charts and the tables.

Worked out once per organisation, region and England, and handed to both the page plan
and the PDF plan, so the HTML page and the PDF infographic say the same thing in the
same words. Templates only lay stories out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kfh_site.domain import (
    BETTER,
    ENGLAND,
    GAP,
    NEW,
    NHS_STAFF_FROM_WORKFORCE,
    SAME,
    STATUS_MEETS,
    STATUS_NONE,
    STATUSES,
    WORKFORCE_CREDIT,
    WORSE,
    ratio_direction,
    round_up,
    slugify,
)
from kfh_site.figures.types import ALL, TYPE, AreaFigures, Figures, OrgFigures, Rank
from kfh_site.returns.contract import ACTIVITY_LABELS, REGIONS
from kfh_site.returns.months import Month
from kfh_site.story import formatting as fmt
from kfh_site.story.charts import Chart, ChartTable
from kfh_site.story.charts.bullet import bullet_layouts
from kfh_site.story.charts.canvas import ChartCache
from kfh_site.story.charts.compare import Entry, compare_layouts
from kfh_site.story.charts.strip import StripRow, strip_layouts
from kfh_site.story.charts.trend import Series, trend_layouts
from kfh_site.story.palette import Palette

NOT_APPLICABLE_WORDS = "Not applicable"


@dataclass(frozen=True)
class Tile:
    """One of the four key figures at the top of a page and its PDF."""

    label: str
    value: str
    note: str
    mark: str = ""          # a status, drawn as its shape mark beside the note


@dataclass(frozen=True)
class OrgStory:
    org: OrgFigures
    meta: str
    headline: str
    notice: str             # when the latest return is older than the report year
    tiles: tuple[Tile, ...]
    bullet: Chart
    strip: Chart
    trend: Chart
    staffing: ChartTable
    activity: ChartTable
    nhs_staff_source: str = ""  # "NHS staff: NHS Workforce Statistics, December 2024"


@dataclass(frozen=True)
class AreaStory:
    area: AreaFigures
    headline: str
    tiles: tuple[Tile, ...]
    change: str             # the like-for-like change in words
    types: Chart            # the area's organisations by type
    compare: Chart | None   # the regions compared (when every region sent returns)
    trend: Chart
    staffing: ChartTable
    activity: ChartTable
    shortfalls: ChartTable  # the largest shortfalls (regions) or the change (England)
    nhs_staff_source: str = ""  # "NHS staff: NHS Workforce Statistics, December 2024"


class StoryTeller:
    """Tells every story of one build. Holds what many stories share: the peer groups'
    ratios of each year and their dot paths, so each is worked out once."""

    def __init__(self, figures: Figures, palette: Palette):
        self.figures = figures
        self.policy = figures.policy
        self.palette = palette
        self.cache = ChartCache()
        self._groups: dict[tuple[str, str, str], tuple[float, ...]] = {}
        for org in sorted(figures.organisations.values(), key=lambda o: (o.year, o.org_code)):
            if org.staff_per_qualified is None or org.rank_all is None:
                continue
            for rank in (org.rank_all, org.rank_type, org.rank_region):
                if rank is not None:
                    key = (org.year, rank.kind, rank.group)
                    self._groups[key] = (*self._groups.get(key, ()), org.staff_per_qualified)

    # --- organisations ----------------------------------------------------------------

    def organisation(self, org: OrgFigures) -> OrgStory:
        year = self.figures.report_year
        return OrgStory(
            org=org,
            meta=org_meta(org),
            headline=org_headline(org, self.policy.recommended_ratio, year),
            notice=org_notice(org, self.figures),
            tiles=self.org_tiles(org),
            bullet=self.bullet(org),
            strip=self.where_it_sits(org),
            trend=self.org_trend(org),
            staffing=org_staffing(org),
            activity=org_activity(org),
            nhs_staff_source=org_nhs_staff_source(org),
        )

    def org_tiles(self, org: OrgFigures) -> tuple[Tile, ...]:
        policy = self.policy
        needed = (Tile(f"Needed to reach {fmt.ratio(policy.recommended_ratio)}", fmt.wte(org.qualified_wte_needed),
                       f"more qualified staff; {fmt.wte(org.qualified_lks_wte)} now")
                  if org.qualified_wte_needed > 0 else
                  Tile(f"Needed to reach {fmt.ratio(policy.recommended_ratio)}", "None",
                       f"it meets the recommendation with {fmt.wte(org.qualified_lks_wte)}"))
        rank = org.rank_type or org.rank_all
        group = fmt.type_plural(org.org_type) if org.rank_type else "organisations"
        if rank is None:
            rank_tile = Tile("Rank", "Not ranked", "not in this report's scope")
        elif rank.position is None:
            rank_tile = Tile(f"Rank among {group}", "Not ranked",
                             f"{fmt.count(rank.unranked)} of {fmt.count(rank.ranked + rank.unranked)} "
                             "have no qualified staff")
        else:
            rank_tile = Tile(f"Rank among {group}", fmt.rank(rank),
                             f"1st = best ratio; median organisation {fmt.ratio(rank.median)}")
        return (
            Tile("Staff ratio", fmt.ratio(org.staff_per_qualified) if org.staff_per_qualified else "None",
                 fmt.status_label(org.status), org.status),
            needed,
            rank_tile,
            change_tile(org, self.figures),
        )

    def bullet(self, org: OrgFigures) -> Chart:
        policy = self.policy
        wide, narrow = bullet_layouts(org.qualified_lks_wte, org.recommended_wte, org.qualified_wte_needed,
                                      org.nhs_staff_wte, policy, self.palette)
        baseline_wte = round_up(org.nhs_staff_wte / policy.baseline_ratio)
        description = (
            f"Bar chart in WTE: {org.org_name} has {fmt.wte(org.qualified_lks_wte)} qualified staff; the recommended "
            f"{fmt.ratio(policy.recommended_ratio)} would take {fmt.wte(org.recommended_wte)}, and the 2019 average of "
            f"{fmt.ratio(policy.baseline_ratio)} {fmt.wte(baseline_wte)}. "
            + (f"It needs {fmt.wte(org.qualified_wte_needed)} more." if org.qualified_wte_needed > 0
               else "It meets the recommendation.")
        )
        table = ChartTable(
            f"Qualified staff against the recommendation, {org.year}", ("Measure", "WTE"),
            (("Qualified staff now", fmt.wte(org.qualified_lks_wte)),
             (f"Recommended ({fmt.ratio(policy.recommended_ratio)})", fmt.wte(org.recommended_wte)),
             (f"2019 average ({fmt.ratio(policy.baseline_ratio)})", fmt.wte(baseline_wte)),
             ("More needed to meet the recommendation", fmt.wte(org.qualified_wte_needed))),
        )
        return Chart(f"bullet-{org.slug}", f"{org.org_name}: qualified staff against the recommendation, {org.year}",
                     description, wide, narrow, table)

    def where_it_sits(self, org: OrgFigures) -> Chart:
        # In a region's report "all organisations" are the region's: no second region row.
        region = org.rank_region if self.figures.scope == ENGLAND else None
        ranks = [r for r in (org.rank_all, org.rank_type, region) if r is not None]
        rows = [self._strip_row(org, rank) for rank in ranks]
        wide, narrow = strip_layouts(rows, self.policy, self.palette,
                                     ["this", "median", "zone"] if org.staff_per_qualified else ["median", "zone"],
                                     self.cache)
        place = (f"Its ratio is {fmt.ratio(org.staff_per_qualified)}." if org.staff_per_qualified
                 else "It reported no qualified staff, so it is not ranked.")
        parts = "; ".join(f"{self._group_words(rank)}, {fmt.rank(rank)}, median organisation "
                          f"{fmt.ratio(rank.median)}" for rank in ranks)
        description = (f"Strip plot of NHS staff per qualified librarian or knowledge specialist, {org.year}, on a "
                       f"scale from 1 : 500 to 1 : 3,500, lower is better. {place} {fmt.capitalised(parts)}.")
        table = ChartTable(
            f"Where {org.org_name} sits, {org.year}",
            ("Group", "Ranked", "No qualified staff", "Rank", "Median organisation"),
            tuple((fmt.peer_group(r, self.figures.scope), fmt.count(r.ranked), fmt.count(r.unranked), fmt.rank(r), fmt.ratio(r.median))
                  for r in ranks),
            (1, 2, 3, 4),
        )
        return Chart(f"strip-{org.slug}", f"{org.org_name} among {self._peer_words(org)}, {org.year}",
                     description, wide, narrow, table)

    def _peer_words(self, org: OrgFigures) -> str:
        groups = ["all organisations" if self.figures.scope == ENGLAND else f"all organisations in {org.region}"]
        if org.rank_type:
            groups.append(fmt.type_plural(org.org_type))
        if self.figures.scope == ENGLAND:
            groups.append(f"those in {org.region}")
        return _and(groups)

    def _group_words(self, rank: Rank) -> str:
        if rank.kind == ALL:
            where = "" if self.figures.scope == ENGLAND else f" in {self.figures.scope}"
            return f"among all {fmt.count(rank.ranked)} ranked organisations{where}"
        if rank.kind == TYPE:
            return f"among {fmt.count(rank.ranked)} ranked {fmt.type_plural(rank.group)}"
        return f"in {rank.group}, among {fmt.count(rank.ranked)} ranked"

    def _strip_row(self, org: OrgFigures, rank: Rank) -> StripRow:
        values = self._groups.get((org.year, rank.kind, rank.group), ())
        none = f"{fmt.count(rank.unranked)} with none" if rank.unranked else ""
        subtitle = ", ".join(t for t in (f"{fmt.count(rank.ranked)} ranked", none) if t)
        median = f"median {fmt.ratio(rank.median)}"
        return StripRow(
            title=fmt.peer_group(rank, self.figures.scope), subtitle=subtitle, values=values, highlight=org.staff_per_qualified,
            median=rank.median, right=fmt.rank(rank), right_subtitle=median,
            details=" \u00b7 ".join(t for t in (median, none) if t),
            key=(org.year, rank.kind, rank.group),
        )

    def org_trend(self, org: OrgFigures) -> Chart:
        series = self.figures.series(org.org_code)
        years = [y for y in self.figures.years if y <= self.figures.report_year]
        own = Series(org.org_code, "this", tuple((f.year, f.staff_per_qualified) for f in series))
        lines = [own, *self.england_series(years)]
        wide, narrow = trend_layouts(years, lines, self.policy, self.palette, self.cache)
        by_year = {f.year: f for f in series}
        rows = []
        for year in years:
            f = by_year.get(year)
            combined = f" (combined: {', '.join(f.combined_from)})" if f is not None and f.combined_from else ""
            rows.append((
                year,
                (fmt.ratio(f.staff_per_qualified) + combined) if f is not None else "No return",
                fmt.wte(f.qualified_lks_wte) if f is not None else "No return",
                fmt.staff(f.nhs_staff_wte) if f is not None else "No return",
                *([self.england_ratio_text(year)] if self.compare_with_england else []),
            ))
        said = "; ".join(f"{row[0]}: {row[1]}" for row in rows)
        versus = (f" England in {years[-1]}: {self.england_ratio_text(years[-1])}." if self.compare_with_england
                  else "")
        with_england = ", with England's" if self.compare_with_england else ""
        description = (f"Line chart of {org.org_name}'s staff ratio each year, lower is better{with_england}. "
                       f"{said}.{versus}")
        head = ("Year", "Staff ratio", "Qualified staff", "NHS staff (WTE)",
                *(["England"] if self.compare_with_england else []))
        table = ChartTable(f"{org.org_name}: staff ratio and staff each year", head, tuple(rows),
                           tuple(range(1, len(head))))
        return Chart(f"trend-{org.slug}", f"{org.org_name}: staff ratio each year, {years[0]} to {years[-1]}",
                     description, wide, narrow, table)

    # --- areas ------------------------------------------------------------------------

    def area(self, area: AreaFigures) -> AreaStory:
        is_england = area.slug == "england"
        return AreaStory(
            area=area,
            headline=area_headline(area, self.policy.recommended_ratio, self.policy.baseline_ratio),
            tiles=self.area_tiles(area),
            change=like_for_like_words(area),
            types=self.by_type(area),
            compare=self.regions_compared(area) if self.compare_with_england else None,
            trend=self.area_trend(area),
            staffing=area_staffing(area),
            activity=area_activity(area),
            shortfalls=like_for_like_table(area) if is_england else self.largest_shortfalls(area),
            nhs_staff_source=area_nhs_staff_source(area),
        )

    @property
    def compare_with_england(self) -> bool:
        """England and the other regions appear beside a region's figures only when every
        region sent returns that year: otherwise "England" would be a part of it."""
        figures = self.figures
        return figures.scope == ENGLAND or figures.england_complete(figures.report_year)

    def england_series(self, years: Sequence[str]) -> list[Series]:
        if not self.compare_with_england:
            return []
        return [Series("England", "england", tuple((y, self.figures.england[y].staff_per_qualified) for y in years
                                                    if self.figures.england_complete(y)
                                                    or self.figures.scope == ENGLAND))]

    def england_ratio_text(self, year: str) -> str:
        figures = self.figures
        if figures.scope == ENGLAND or figures.england_complete(year):
            return fmt.ratio(figures.england[year].staff_per_qualified)
        return "Not all regions"

    def area_tiles(self, area: AreaFigures) -> tuple[Tile, ...]:
        policy = self.policy
        ratio = Tile("Staff ratio", fmt.ratio(area.staff_per_qualified) if area.staff_per_qualified else "None",
                     fmt.status_label(area.status), area.status)
        needed = Tile(f"Needed to reach {fmt.ratio(policy.recommended_ratio)}", fmt.wte(area.organisations_short_wte),
                      f"added up organisation by organisation; {fmt.wte(area.qualified_wte_needed)} pooled")
        meets = Tile(f"Meet {fmt.ratio(policy.recommended_ratio)}",
                     f"{fmt.count(area.meeting_recommendation)} of {fmt.count(area.organisations)}",
                     f"{fmt.count(area.at_least_2019_average)} at or better than the 2019 average")
        if area.slug == "england":
            last = Tile("No qualified staff", f"{fmt.count(area.status_counts[STATUS_NONE])} of "
                        f"{fmt.count(area.organisations)}", "organisations with none")
        else:
            last = area_change_tile(area)
        return ratio, needed, meets, last

    def by_type(self, area: AreaFigures) -> Chart:
        members = [o for o in self.figures.orgs_in(area.year) if area.slug == "england" or o.region == area.name]
        england = self.figures.england[area.year]
        england_medians = ({t.org_type: t.median_ratio for t in england.types} if self.compare_with_england
                           else {})
        rows = []
        for group in area.types:
            values = tuple(sorted(o.staff_per_qualified for o in members
                                  if o.org_type == group.org_type and o.staff_per_qualified is not None))
            counts = group.status_counts
            rows.append(StripRow(
                title=fmt.capitalised(fmt.type_plural(group.org_type)),
                subtitle=f"{fmt.count(group.ranked)} ranked"
                         + (f", {fmt.count(group.organisations - group.ranked)} with none"
                            if group.organisations > group.ranked else ""),
                values=values,
                median=england_medians.get(group.org_type) if area.slug != "england" else group.median_ratio,
                right=f"{fmt.count(counts[STATUS_MEETS])} meet",
                right_subtitle=f"median {fmt.ratio(group.median_ratio)}",
                dots="others" if area.slug == "england" else "this-points",
                key=(area.year, area.slug, group.org_type),
            ))
        legend = (["median", "zone"] if area.slug == "england" else
                  ["region", "england-median", "zone"] if england_medians else ["region", "zone"])
        wide, narrow = strip_layouts(rows, self.policy, self.palette, legend, self.cache)
        head = ("Type", "Organisations", "Meet", "Better than 2019 average", "Worse", "No qualified staff",
                "Median organisation")
        table_rows = tuple(
            (fmt.capitalised(fmt.type_plural(g.org_type)), fmt.count(g.organisations),
             *(fmt.count(g.status_counts[s]) for s in STATUSES),
             fmt.ratio(g.median_ratio))
            for g in area.types
        )
        parts = "; ".join(f"{fmt.type_plural(g.org_type)}: {fmt.count(g.organisations)}, "
                          f"{fmt.count(g.status_counts[STATUS_MEETS])} meet, median {fmt.ratio(g.median_ratio)}"
                          for g in area.types)
        description = (f"Strip plot of the staff ratios of {area.name}'s organisations by type, {area.year}, on a "
                       f"scale from 1 : 500 to 1 : 3,500, lower is better. {parts}.")
        return Chart(f"types-{area.slug}", f"{area.name}: organisations by type, {area.year}", description, wide, narrow,
                     ChartTable(f"Organisations by type and status, {area.name}, {area.year}", head, table_rows,
                                (1, 2, 3, 4, 5, 6)))

    def regions_compared(self, area: AreaFigures) -> Chart:
        year = area.year
        regions = [self.figures.regions[(year, r)] for r in map(slugify, REGIONS) if (year, r) in self.figures.regions]
        regions = [r for r in regions if r.organisations]
        england = self.figures.england[year]
        entries = [Entry(r.name, r.staff_per_qualified, r.slug == area.slug) for r in regions]
        wide, narrow = compare_layouts(entries, england.staff_per_qualified, self.policy, self.palette)
        ordered = sorted(regions, key=lambda r: (r.staff_per_qualified is None, r.staff_per_qualified or 0))
        description = ("Dot plot of each region's staff ratio, lower is better, with England as a line. "
                       + "; ".join(f"{r.name}: {fmt.ratio(r.staff_per_qualified)}" for r in ordered)
                       + f"; England: {fmt.ratio(england.staff_per_qualified)}.")
        table = ChartTable(f"Regions compared, {year}", ("Region", "Staff ratio", "Organisations", "Meet"),
                           tuple((r.name, fmt.ratio(r.staff_per_qualified), fmt.count(r.organisations),
                                  fmt.count(r.meeting_recommendation)) for r in ordered)
                           + (("England", fmt.ratio(england.staff_per_qualified), fmt.count(england.organisations),
                               fmt.count(england.meeting_recommendation)),),
                           (1, 2, 3))
        return Chart(f"compare-{area.slug}", f"Staff ratios of the regions and England, {year}", description,
                     wide, narrow, table)

    def area_trend(self, area: AreaFigures) -> Chart:
        figures = self.figures
        years = [y for y in figures.years if y <= figures.report_year]
        lookup = (lambda y: figures.england[y]) if area.slug == "england" else (
            lambda y: figures.regions[(y, area.slug)])
        own = Series(area.name, "this", tuple((y, lookup(y).staff_per_qualified) for y in years
                                               if lookup(y).organisations))
        series = [own] if area.slug == "england" else [own, *self.england_series(years)]
        wide, narrow = trend_layouts(years, series, self.policy, self.palette, self.cache)
        versus = area.slug != "england" and self.compare_with_england
        rows = tuple(
            (y, fmt.ratio(lookup(y).staff_per_qualified) if lookup(y).organisations else "No returns",
             fmt.count(lookup(y).organisations), fmt.wte(lookup(y).qualified_lks_wte),
             fmt.staff(lookup(y).nhs_staff_wte), *([self.england_ratio_text(y)] if versus else []))
            for y in years
        )
        description = (f"Line chart of {area.name}'s staff ratio each year, lower is better"
                       + (", with England's" if versus else "") + ". "
                       + "; ".join(f"{r[0]}: {r[1]}" for r in rows) + ".")
        head = ("Year", "Staff ratio", "Organisations", "Qualified staff", "NHS staff (WTE)",
                *(["England"] if versus else []))
        return Chart(f"trend-{area.slug}", f"{area.name}: staff ratio each year, {years[0]} to {years[-1]}",
                     description, wide, narrow,
                     ChartTable(f"{area.name}: staff ratio each year", head, rows, tuple(range(1, len(head)))))

    def largest_shortfalls(self, area: AreaFigures, count: int = 5) -> ChartTable:
        members = [o for o in self.figures.orgs_in(area.year) if o.region == area.name and o.qualified_wte_needed > 0]
        largest = sorted(members, key=lambda o: (-o.qualified_wte_needed, o.org_name))[:count]
        return ChartTable(
            f"The {len(largest)} largest shortfalls in {area.name}, {area.year}",
            ("Organisation", "WTE needed", "Staff ratio"),
            tuple((o.org_name, fmt.wte(o.qualified_wte_needed), fmt.ratio(o.staff_per_qualified)) for o in largest),
            (1, 2),
        )


# --- sentences --------------------------------------------------------------------------


def org_meta(org: OrgFigures) -> str:
    org_type = org.org_type
    if org_type and org_type.lower() == "integrated care board":
        org_type = "Integrated care board (ICB)"
    parts = [org.org_code, *( [org_type] if org_type else []), f"{org.region} region",
             f"{fmt.staff(org.nhs_staff_wte)} whole-time equivalent (WTE) NHS staff"]
    return " \u00b7 ".join(parts)


def org_nhs_staff_source(org: OrgFigures) -> str:
    """Where an organisation's NHS staff figure comes from, said on its page and PDF."""
    if org.nhs_staff_source == NHS_STAFF_FROM_WORKFORCE and org.nhs_staff_month:
        return f"NHS staff: {NHS_STAFF_FROM_WORKFORCE}, {Month.parse(org.nhs_staff_month).label}"
    return "NHS staff: as given in the organisation's return"


def area_nhs_staff_source(area: AreaFigures) -> str:
    """Where an area's NHS staff figures come from: the workforce statistics' month (or
    months), and how many organisations gave their own instead."""
    months = [Month.parse(m).label for m in area.nhs_staff_months]
    if not months:
        return "NHS staff: as given in each organisation's return"
    text = f"NHS staff: {NHS_STAFF_FROM_WORKFORCE}, {_and(months)}"
    own = area.nhs_staff_from_returns
    if own:
        text += (f"; {fmt.count(own)} organisation's own return" if own == 1
                 else f"; {fmt.count(own)} organisations' own returns")
    return text


def nhs_staff_notes(figures: Figures) -> tuple[str, ...]:
    """The data notes on NHS staff: for each year, the workforce statistics' month used,
    and the licence credit the statistics ask for; or that the returns gave them."""
    areas = [figures.top(year) for year in reversed(figures.years)]
    if not any(area.nhs_staff_months for area in areas):
        return ("NHS staff are the whole-time equivalent (WTE) staff each organisation gave in its return.",)
    years = "; ".join(
        f"{area.year}: {_and([Month.parse(m).label for m in area.nhs_staff_months]) or 'the returns'}"
        + (f" ({fmt.count(area.nhs_staff_from_returns)} from "
           f"{'its' if area.nhs_staff_from_returns == 1 else 'their'} own "
           f"{'return' if area.nhs_staff_from_returns == 1 else 'returns'})"
           if area.nhs_staff_months and area.nhs_staff_from_returns else "")
        for area in areas)
    return (
        f"NHS staff are each organisation's full-time equivalent staff, all staff groups, from NHS England's "
        f"{NHS_STAFF_FROM_WORKFORCE}: for each financial year the figure for one month of it. {years}.",
        "Where an organisation's NHS staff are its own return's figure, the statistics held none for it "
        "that month; figures.csv says for each row which it is (nhs_staff_source, nhs_staff_month).",
        f"{WORKFORCE_CREDIT}.",
    )


def org_notice(org: OrgFigures, figures: Figures) -> str:
    """What a reader must know before the figures: an old return, or a merger."""
    year = figures.report_year
    lines = []
    if org.year != year:
        successor = figures.successor(org.org_code)
        if successor and successor[0] <= year:
            merged_year, code = successor
            into = figures.organisations.get((merged_year, code))
            name = f"{into.org_name} ({code})" if into else code
            lines.append(f"{org.org_name} did not send a return for {year}: it merged into {name} in {merged_year}. "
                         f"These are its figures for {org.year}.")
        else:
            lines.append(f"{org.org_name} did not send a return for {year}. These are its figures for {org.year}.")
    merged = next((m for m in figures.mergers if m.into == org.org_code and m.year <= org.year), None)
    if merged:
        lines.append(f"{org.org_name} was formed in {merged.year} from {_and(merged.sources)}: its figures before "
                     "then are theirs added together.")
    return " ".join(lines)


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def org_headline(org: OrgFigures, recommended: float, report_year: str) -> str:
    target = fmt.ratio(recommended)
    if org.status == STATUS_NONE:
        text = (f"{org.org_name} reported no qualified staff; meeting the recommended {target} would take "
                f"{fmt.wte(org.qualified_wte_needed)}.")
    elif org.qualified_wte_needed > 0:
        text = f"{org.org_name} needs {fmt.wte(org.qualified_wte_needed)} more qualified staff to meet the recommended {target}."
    else:
        text = (f"{org.org_name} meets the recommended {target}, with one qualified librarian or knowledge "
                f"specialist for every {fmt.count(org.staff_per_qualified)} NHS staff.")
    return f"In {org.year}, {text}" if org.year != report_year else text


def change_tile(org: OrgFigures, figures: Figures) -> Tile:
    change = org.change
    if change is None:
        earlier = [f for f in figures.series(org.org_code) if f.year < org.year]
        if earlier:
            return Tile("Change in a year", fmt.direction(GAP),
                        f"no return the year before; last was {fmt.ratio(earlier[-1].staff_per_qualified)} "
                        f"in {earlier[-1].year}")
        return Tile("Change in a year", fmt.direction(NEW), "its first return in this report")
    was = fmt.ratio(change.previous_staff_per_qualified) if change.previous_staff_per_qualified else "no qualified staff"
    who = f"combined figures of {', '.join(change.combined_from)} were" if change.combined_from else "was"
    note = f"{who} {was} in {change.previous_year}"
    if change.direction in (BETTER, WORSE) and change.staff_per_qualified is not None:
        moved = int(round(abs(change.staff_per_qualified)))
        note += f"; {moved:,} {'fewer' if change.direction == BETTER else 'more'} staff per qualified WTE"
    return Tile("Change in a year", fmt.direction(change.direction), note)


def area_change_tile(area: AreaFigures) -> Tile:
    change = area.change
    if change is None or not change.organisations:
        return Tile("Change in a year", fmt.direction(NEW), "no returns the year before to compare with")
    direction = ratio_direction(change.staff_per_qualified, change.previous_staff_per_qualified)
    return Tile("Change in a year", fmt.direction(direction),
                f"{fmt.ratio(change.previous_staff_per_qualified)} to {fmt.ratio(change.staff_per_qualified)}, "
                f"same {fmt.count(change.organisations)} organisations")


def area_headline(area: AreaFigures, recommended: float, baseline: float) -> str:
    target = fmt.ratio(recommended)
    if not area.organisations:
        return f"There are no returns from {area.name} for {area.year}."
    if area.slug == "england":
        return (f"England has one qualified librarian or knowledge specialist for every "
                f"{fmt.count(area.staff_per_qualified)} NHS staff ({fmt.ratio(baseline)} in 2019); "
                f"{fmt.wte(area.organisations_short_wte)} more qualified staff would bring every organisation up "
                f"to the recommended {target}.")
    return (f"{fmt.count(area.meeting_recommendation)} of {fmt.count(area.organisations)} organisations in "
            f"{area.name} meet the recommended {target}; bringing the rest up to it would take "
            f"{fmt.wte(area.organisations_short_wte)} more qualified staff.")


def like_for_like_words(area: AreaFigures) -> str:
    change = area.change
    if change is None:
        return ""
    if not change.organisations:
        return f"No organisation in {area.name} reported in both {change.previous_year} and {area.year}."
    direction = ratio_direction(change.staff_per_qualified, change.previous_staff_per_qualified)
    moved = {BETTER: "which is better", WORSE: "which is worse", SAME: "no change"}[direction]
    text = (f"Among the same {fmt.count(change.organisations)} organisations that reported in both "
            f"{change.previous_year} and {area.year}, qualified staff changed by "
            f"{fmt.signed(change.qualified_change, 1, 'WTE')} to {fmt.wte(change.qualified_lks_wte)} and NHS staff "
            f"by {fmt.signed(change.nhs_staff_change, 0)}; the staff ratio went from "
            f"{fmt.ratio(change.previous_staff_per_qualified)} to {fmt.ratio(change.staff_per_qualified)}, {moved}.")
    others = []
    if change.joined:
        others.append(f"{fmt.count(change.joined)} {_organisations(change.joined)} reported this year but not the year before")
    if change.left:
        others.append(f"{fmt.count(change.left)} {_organisations(change.left)} reported the year before but not this year")
    if others:
        text += " " + fmt.capitalised(" and ".join(others)) + "; they are not part of the comparison."
    return text


def _organisations(count: int) -> str:
    return "organisation" if count == 1 else "organisations"


# --- tables ---------------------------------------------------------------------------


def org_staffing(org: OrgFigures) -> ChartTable:
    return ChartTable(f"Library and knowledge services staff, {org.year}", ("Role", "WTE"), (
        ("Qualified librarians and knowledge specialists", fmt.wte(org.qualified_lks_wte)),
        ("of whom embedded clinical librarians", fmt.wte(org.clinical_librarian_wte)),
        ("of whom knowledge managers", fmt.wte(org.knowledge_manager_wte)),
        ("Other library and knowledge services staff", fmt.wte(org.other_lks_wte)),
        ("NHS staff served", f"{fmt.staff(org.nhs_staff_wte)} WTE"),
    ))


def _rate(value: float | None, places: int) -> str:
    if value is None:
        return NOT_APPLICABLE_WORDS
    return fmt.count(value) if places == 0 else fmt.number(value, places)


def org_activity(org: OrgFigures) -> ChartTable:
    peers = fmt.capitalised(fmt.type_plural(org.org_type)) if org.org_type else "All organisations"
    rows = []
    for key, label in ACTIVITY_LABELS.items():
        value = org.activity[key]
        rates = org.rates.get(key)
        if value is None or rates is None:
            rows.append((label, fmt.NOT_REPORTED, fmt.NOT_REPORTED, fmt.NOT_REPORTED,
                         _rate(rates.peer_median_per_1000_staff if rates else None, 1)))
            continue
        rows.append((label, fmt.count(value), _rate(rates.per_qualified_wte, 0), _rate(rates.per_1000_staff, 1),
                     _rate(rates.peer_median_per_1000_staff, 1)))
    return ChartTable(f"What the service did, {org.year}",
                      ("Activity", "Number", "Per qualified WTE", "Per 1,000 NHS staff",
                       f"{peers}: median per 1,000"), tuple(rows), (1, 2, 3, 4))


def area_staffing(area: AreaFigures) -> ChartTable:
    everyone = fmt.reported_by(area.organisations, area.organisations)

    def reported(value) -> tuple[str, str]:
        return (fmt.wte(value.total) if value.reported else fmt.NOT_REPORTED,
                fmt.reported_by(value.reported, value.of))

    return ChartTable(f"Library and knowledge services staff, {area.name}, {area.year}",
                      ("Role", "WTE", "Reported by"), (
        ("Qualified librarians and knowledge specialists", fmt.wte(area.qualified_lks_wte), everyone),
        ("of whom embedded clinical librarians", *reported(area.clinical_librarian_wte)),
        ("of whom knowledge managers", *reported(area.knowledge_manager_wte)),
        ("Other library and knowledge services staff", *reported(area.other_lks_wte)),
        ("NHS staff served", f"{fmt.staff(area.nhs_staff_wte)} WTE", everyone),
    ))


def area_activity(area: AreaFigures) -> ChartTable:
    rows = []
    for key, label in ACTIVITY_LABELS.items():
        total, rates = area.activity[key], area.rates[key]
        rows.append((label, fmt.count(total.total) if total.reported else fmt.NOT_REPORTED,
                     fmt.reported_by(total.reported, total.of), _rate(rates.per_1000_staff, 1),
                     _rate(rates.peer_median_per_1000_staff, 1)))
    return ChartTable(f"What the services did, {area.name}, {area.year}",
                      ("Activity", "Total", "Reported by", "Per 1,000 NHS staff", "Median organisation per 1,000"),
                      tuple(rows), (1, 2, 3, 4))


def like_for_like_table(area: AreaFigures) -> ChartTable:
    change = area.change
    caption = f"Change like for like, {area.name}"
    if change is None or not change.organisations:
        return ChartTable(caption, ("Measure", "Change"), (("Organisations in both years", "0"),))
    return ChartTable(
        f"{caption}: the same {fmt.count(change.organisations)} organisations in {change.previous_year} and {area.year}",
        ("Measure", change.previous_year, area.year, "Change"), (
            ("Qualified staff", fmt.wte(change.previous_qualified_lks_wte), fmt.wte(change.qualified_lks_wte),
             fmt.signed(change.qualified_change, 1, "WTE")),
            ("NHS staff (WTE)", fmt.staff(change.previous_nhs_staff_wte), fmt.staff(change.nhs_staff_wte),
             fmt.signed(change.nhs_staff_change, 0)),
            ("Staff ratio", fmt.ratio(change.previous_staff_per_qualified), fmt.ratio(change.staff_per_qualified),
             fmt.signed(change.ratio_change, 0)),
            ("Organisations meeting the recommendation", fmt.count(change.previous_meeting),
             fmt.count(change.meeting), fmt.signed(change.meeting - change.previous_meeting, 0)),
        ), (1, 2, 3))
