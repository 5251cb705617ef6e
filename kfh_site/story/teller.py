"""Figures -> the story each page and its PDF tell: a headline sentence, four tiles, the
charts and the tables.

Worked out once per organisation, region and England, and handed to both the page plan
and the PDF plan, so the HTML page and the PDF infographic say the same thing in the
same words. Templates only lay stories out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

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
    Merger,
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
from kfh_site.story.charts.staffing_trend import StaffYear, staffing_trend_layouts
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
class Lead:
    """The ask, the largest figure on a page after its name: "Meets 1 : 1,250: | 0 WTE |
    needed", with what it is made of beneath ("to meet 1 : 1,250: 14.4 WTE recommended,
    7.9 WTE now")."""

    prefix: str
    value: str
    suffix: str
    detail: str


@dataclass(frozen=True)
class OrgStory:
    """What an organisation's page and PDF say: the same story for both."""
    org: OrgFigures
    meta: str
    headline: str
    notice: str             # when the latest return is older than the report year
    lead: Lead
    tiles: tuple[Tile, ...]
    bullet: Chart
    strip: Chart
    trend: Chart
    trend_brief: ChartTable   # the trend's table with the columns a half-width PDF block holds
    staffing: ChartTable
    staffing_words: str       # the staffing table in a sentence, where the PDF has no room for it
    activity: ChartTable
    nhs_staff_source: str = ""  # "NHS staff: NHS Workforce Statistics, December 2024"


@dataclass(frozen=True)
class AreaStory:
    """What an area's page and PDF say (England or a region): the same story for both."""
    area: AreaFigures
    headline: str
    lead: Lead
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
        self._activities: dict[str, frozenset[str]] = {}
        groups: dict[tuple[str, str, str], list[float]] = {}
        for org in sorted(figures.organisations.values(), key=lambda o: (o.year, o.org_code)):
            if org.staff_per_qualified is None or org.rank_all is None:
                continue
            for rank in (org.rank_all, org.rank_type, org.rank_region):
                if rank is not None:
                    groups.setdefault((org.year, rank.kind, rank.group), []).append(org.staff_per_qualified)
        self._groups = {key: tuple(values) for key, values in groups.items()}

    # --- organisations ----------------------------------------------------------------

    def organisation(self, org: OrgFigures) -> OrgStory:
        """An organisation's story, told once for its page and its PDF."""
        year = self.figures.report_year
        return OrgStory(
            org=org,
            meta=org_meta(org),
            headline=org_headline(org, self.policy.recommended_ratio, year),
            notice=org_notice(org, self.figures),
            lead=self.org_lead(org),
            tiles=self.org_tiles(org),
            bullet=self.bullet(org),
            strip=self.where_it_sits(org),
            trend=(trend := self.org_trend(org)),
            trend_brief=_brief(trend),
            staffing=org_staffing(org),
            staffing_words=org_staffing_words(org),
            activity=self.org_activity(org),
            nhs_staff_source=org_nhs_staff_source(org),
        )

    def org_lead(self, org: OrgFigures) -> Lead:
        """The ask: how many more qualified WTE, the largest figure after the name."""
        target = fmt.ratio(self.policy.recommended_ratio)
        detail = (f"to meet {target}: {fmt.wte(org.recommended_wte)} recommended, "
                  f"{fmt.wte(org.qualified_lks_wte)} {self.when(org)}")
        if org.status == STATUS_NONE:
            return Lead("No qualified staff:", fmt.wte(org.qualified_wte_needed), "needed", detail)
        if org.qualified_wte_needed <= 0:
            return Lead(f"Meets {target}:", f"0{fmt.NBSP}WTE", "needed", detail)
        return Lead("", fmt.wte(org.qualified_wte_needed), "needed", detail)

    def is_current(self, org: OrgFigures) -> bool:
        """The organisation's figures are the report year's (not an older return's: a trust
        that merged or stopped returning, whose staff then are not its staff now)."""
        return org.year == self.figures.report_year

    def when(self, org: OrgFigures) -> str:
        """"now" for the report year's return; "in 2021/22" for an older one."""
        return "now" if self.is_current(org) else f"in {org.year}"

    def org_tiles(self, org: OrgFigures) -> tuple[Tile, ...]:
        """The organisation's tiles: ratio, rank among its peers, change."""
        rank = org.rank_type or org.rank_all
        group = fmt.type_plural(org.org_type) if org.rank_type else "organisations"
        if rank is None:
            rank_tile = Tile("Rank", "Not ranked", "not in this report's scope")
        elif rank.position is None:
            others = rank.unranked - 1
            rank_tile = Tile(f"Rank among {group}", "Not ranked",
                             "no qualified staff" + (f", as {fmt.count(others)} other"
                                                     f"{'' if others == 1 else 's'} of {fmt.count(rank.ranked + rank.unranked)}"
                                                     if others else "")
                             + (f"; median organisation {fmt.ratio(rank.median)}" if rank.median else ""))
        else:
            rank_tile = Tile(f"Rank among {group}", fmt.rank(rank),
                             f"1st has the fewest staff per qualified WTE; median organisation {fmt.ratio(rank.median)}")
        if org.staff_per_qualified is None:
            ratio_tile = Tile("Staff ratio", "No ratio", "no qualified staff reported", org.status)
        else:
            ratio_tile = Tile("Staff ratio", fmt.ratio(org.staff_per_qualified), fmt.status_phrase(org.status),
                              org.status)
        return (ratio_tile, rank_tile, change_tile(org, self.figures, self.when(org)))

    def bullet(self, org: OrgFigures) -> Chart:
        """Qualified staff against the recommended WTE, with the words that stand for the chart."""
        policy = self.policy
        wide, narrow = bullet_layouts(org.qualified_lks_wte, org.recommended_wte, org.qualified_wte_needed,
                                      org.nhs_staff_wte, policy, self.palette, self.when(org))
        baseline_wte = round_up(org.nhs_staff_wte / policy.baseline_ratio)
        description = (
            f"Bar chart in WTE: {org.org_name} has {fmt.wte(org.qualified_lks_wte)} qualified staff; the recommended "
            f"{fmt.ratio(policy.recommended_ratio)} would take {fmt.wte(org.recommended_wte)}, and the 2019 average of "
            f"{fmt.ratio(policy.baseline_ratio)} {fmt.wte(baseline_wte)}. "
            + (f"It needs {fmt.wte(org.qualified_wte_needed)} more." if org.qualified_wte_needed > 0
               else "It meets the recommendation.")
        )
        table = ChartTable(
            f"Qualified WTE {self.when(org)}, recommended and needed, {org.year}", ("Measure", "WTE"),
            ((f"Qualified staff {self.when(org)}", fmt.wte(org.qualified_lks_wte)),
             (f"Recommended ({fmt.ratio(policy.recommended_ratio)})", fmt.wte(org.recommended_wte)),
             (f"2019 average ({fmt.ratio(policy.baseline_ratio)})", fmt.wte(baseline_wte)),
             ("More needed to meet the recommendation", fmt.wte(org.qualified_wte_needed))),
        )
        held = "now" if self.is_current(org) else "qualified"
        return Chart(f"bullet-{org.slug}", f"WTE in {org.year}: {held}, recommended and at the 2019 average",
                     description, wide, narrow, table)

    def where_it_sits(self, org: OrgFigures) -> Chart:
        """Where the organisation's ratio sits among its peers, one row per peer group."""
        # In a region's report "all organisations" are the region's: no second region row.
        region = org.rank_region if self.figures.scope == ENGLAND else None
        ranks = [r for r in (org.rank_all, org.rank_type, region) if r is not None]
        rows = [self._strip_row(org, rank) for rank in ranks]
        wide, narrow = strip_layouts(rows, self.policy, self.palette,
                                     ["this" if org.staff_per_qualified else "none", "median", "zone"],
                                     self.cache)
        place = (f"Its ratio is {fmt.ratio(org.staff_per_qualified)}." if org.staff_per_qualified
                 else "It reported no qualified staff, so it is not ranked.")
        if org.staff_per_qualified and not 500 <= org.staff_per_qualified <= 3500:
            place += " It is beyond the end of the scale, where its dot sits, with its ratio written beside it."
        parts = "; ".join(f"{self._group_words(rank)}, {fmt.rank(rank)}, "
                          f"{fmt.median(rank.median, 'median organisation')}, "
                          f"{fmt.count(rank.unranked)} with no qualified staff"
                          for rank in ranks)
        description = (f"Strip plot of NHS staff per qualified librarian or knowledge specialist, {org.year}, on a "
                       f"scale from 1 : 500 to 1 : 3,500, lower is better, with lines at the recommended "
                       f"{fmt.ratio(self.policy.recommended_ratio)} and the 2019 average "
                       f"{fmt.ratio(self.policy.baseline_ratio)}. {place} {fmt.capitalised(parts)}.")
        table = ChartTable(
            f"Rank and median organisation in each group, {org.year}",
            ("Group", "Ranked", "No qualified staff", "Rank", "Median organisation"),
            tuple((fmt.peer_group(r, self.figures.scope), fmt.count(r.ranked), fmt.count(r.unranked), fmt.rank(r), fmt.ratio(r.median))
                  for r in ranks),
            (1, 2, 3, 4),
        )
        return Chart(f"strip-{org.slug}", f"Each dot an organisation's staff ratio, {org.year}",
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
        median = fmt.median(rank.median)
        return StripRow(
            title=fmt.peer_group(rank, self.figures.scope), subtitle=subtitle, values=values, highlight=org.staff_per_qualified,
            median=rank.median, none=org.staff_per_qualified is None, right=fmt.rank(rank), right_subtitle=median,
            details=" \u00b7 ".join(t for t in (median, none) if t),
            key=(org.year, rank.kind, rank.group),
        )

    def org_trend(self, org: OrgFigures) -> Chart:
        """The organisation's qualified staff against the recommended WTE over the years."""
        series = self.figures.series(org.org_code)
        # A predecessor's years end where it merged: after that they are its successor's.
        successor = self.figures.successor(org.org_code)
        years = [y for y in self.figures.years if y <= self.figures.report_year
                 and (successor is None or successor[0] > self.figures.report_year or y < successor[0])]
        merger = formed_from(org, self.figures)
        together = _and(merger.sources) if merger else ""
        points = [StaffYear(f.year, f.qualified_lks_wte, f.recommended_wte, f.qualified_wte_needed) for f in series]
        wide, narrow = staffing_trend_layouts(years, points, self.palette,
                                              (merger.year, together) if merger else None, self.when(org),
                                              self.cache)
        by_year = {f.year: f for f in series}
        rows = []
        for year in years:
            f = by_year.get(year)
            rows.append((
                f"{year}*" if f is not None and f.combined_from else year,
                _ratio_or_none(f.staff_per_qualified) if f is not None else "no return",
                (fmt.number(f.qualified_lks_wte) + (" (none)" if f.qualified_lks_wte <= 0 else "")
                 if f is not None else "no return"),
                fmt.number(f.recommended_wte) if f is not None else "no return",
                fmt.staff(f.nhs_staff_wte) if f is not None else "no return",
                *([self.england_ratio_text(year)] if self.compare_with_england else []),
            ))
        description = (f"Line chart of {org.org_name}'s qualified staff each year against the staff the "
                       f"recommended {fmt.ratio(self.policy.recommended_ratio)} asks for, in WTE; the gap between "
                       f"them shaded. {_trend_words(years, points)}"
                       + (f" It was formed in {merger.year}: before {merger.year} the figures are {together} added "
                          "together." if merger else ""))
        head = ("Year", "Staff ratio", "Qualified staff (WTE)", "Recommended (WTE)", "NHS staff (WTE)",
                *(["England's ratio"] if self.compare_with_england else []))
        table = ChartTable(TREND_TABLE, head, tuple(rows), tuple(range(1, len(head))),
                           f"* Before {merger.year}: {together} added together." if merger else "")
        return Chart(f"trend-{org.slug}", trend_caption(years),
                     description, wide, narrow, table)

    def org_activity(self, org: OrgFigures) -> ChartTable:
        """The organisation's activity, with only the activities some return reports."""
        return org_activity(org, self.activities_reported(org.year))

    def activities_reported(self, year: str) -> frozenset[str]:
        """The activities at least one return of ``year`` holds (in scope or not)."""
        if year not in self._activities:
            self._activities[year] = frozenset(
                key for key in ACTIVITY_LABELS
                if any(o.activity[key] is not None for (y, _), o in self.figures.organisations.items() if y == year))
        return self._activities[year]

    # --- areas ------------------------------------------------------------------------

    def area(self, area: AreaFigures) -> AreaStory:
        """An area's story (England or a region), told once for its page and its PDF."""
        is_england = area.slug == "england"
        return AreaStory(
            area=area,
            headline=area_headline(area, self.policy.recommended_ratio, self.policy.baseline_ratio),
            lead=self.area_lead(area),
            tiles=self.area_tiles(area),
            change=like_for_like_words(area, self.policy.same_within),
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

    def england_ratio_text(self, year: str) -> str:
        """England's ratio, or why it is not given (a region's report without every region's returns)."""
        figures = self.figures
        if figures.scope == ENGLAND or figures.england_complete(year):
            return fmt.ratio(figures.england[year].staff_per_qualified)
        return "Not all regions"

    def area_lead(self, area: AreaFigures) -> Lead:
        """The ask of an area: its organisations' shortfalls added up (what it would take to
        bring each one up to the recommendation), with the pooled figure in words."""
        target = fmt.ratio(self.policy.recommended_ratio)
        short = area.organisations - area.meeting_recommendation
        detail = (f"for {fmt.count(short)} of {fmt.count(area.organisations)} organisations to meet {target} "
                  f"({fmt.wte(area.qualified_wte_needed)} if their staff were shared out)")
        if not area.organisations:
            return Lead("", f"0{fmt.NBSP}WTE", "needed", f"no returns for {area.year}")
        if area.organisations_short_wte <= 0:
            return Lead(f"Every organisation meets {target}:", f"0{fmt.NBSP}WTE", "needed", "")
        return Lead("", fmt.wte(area.organisations_short_wte), "needed", detail)

    def area_tiles(self, area: AreaFigures) -> tuple[Tile, ...]:
        """The area's tiles: ratio, status counts, change like for like."""
        policy = self.policy
        if area.staff_per_qualified is None:
            ratio = Tile("Staff ratio", "No ratio", "no qualified staff reported", area.status)
        else:
            ratio = Tile("Staff ratio", fmt.ratio(area.staff_per_qualified),
                         f"{fmt.status_phrase(area.status)}; all its staff over all its qualified staff",
                         area.status)
        meets = Tile(f"Meet {fmt.ratio(policy.recommended_ratio)}",
                     f"{fmt.count(area.meeting_recommendation)} of {fmt.count(area.organisations)}",
                     f"organisations; {fmt.count(area.at_least_2019_average)} at or better than the 2019 average")
        if area.slug == "england":
            none = area.status_counts[STATUS_NONE]
            last = Tile("No qualified staff", f"{fmt.count(none)} of {fmt.count(area.organisations)}",
                        "organisation reported none" if none == 1 else "organisations reported none")
        else:
            last = area_change_tile(area, policy.same_within)
        return ratio, meets, last

    def by_type(self, area: AreaFigures) -> Chart:
        """The area's organisations by type, with England's medians beside them where they compare."""
        members = [o for o in self.figures.orgs_in(area.year) if area.slug == "england" or o.region == area.name]
        england = self.figures.england[area.year]
        england_medians = ({t.org_type: t.median_ratio for t in england.types} if self.compare_with_england
                           else {})
        rows = []
        for group in area.types:
            values = tuple(sorted(o.staff_per_qualified for o in members
                                  if o.org_type == group.org_type and o.staff_per_qualified is not None))
            counts = group.status_counts
            england_median = england_medians.get(group.org_type) if area.slug != "england" else None
            rows.append(StripRow(
                title=fmt.capitalised(fmt.type_plural(group.org_type)),
                subtitle=f"{fmt.count(group.ranked)} ranked"
                         + (f", {fmt.count(group.organisations - group.ranked)} with none"
                            if group.organisations > group.ranked else ""),
                values=values,
                median=group.median_ratio,
                other_median=england_median,
                right=f"{fmt.count(counts[STATUS_MEETS])} meet",
                right_subtitle=fmt.median(group.median_ratio),
                dots="others" if area.slug == "england" else "this-small",
                key=(area.year, area.slug, group.org_type),
            ))
        legend = (["median", "zone"] if area.slug == "england" else
                  ["region", "region-median", "england-median", "zone"] if england_medians
                  else ["region", "region-median", "zone"])
        wide, narrow = strip_layouts(rows, self.policy, self.palette, legend, self.cache)
        versus = area.slug != "england" and bool(england_medians)
        head = ("Type", "Organisations", "Meet", "Better than 2019 average", "Worse", "No qualified staff",
                "Median organisation", *(["England's median"] if versus else []))
        table_rows = tuple(
            (fmt.capitalised(fmt.type_plural(g.org_type)), fmt.count(g.organisations),
             *(fmt.count(g.status_counts[s]) for s in STATUSES),
             fmt.ratio(g.median_ratio), *([fmt.ratio(england_medians.get(g.org_type))] if versus else []))
            for g in area.types
        )
        parts = "; ".join(f"{fmt.type_plural(g.org_type)}: {fmt.count(g.organisations)}, "
                          f"{fmt.count(g.status_counts[STATUS_MEETS])} meet, "
                          f"{fmt.count(g.organisations - g.ranked)} with no qualified staff, "
                          f"{fmt.median(g.median_ratio)}"
                          + (f", England's median {fmt.ratio(england_medians[g.org_type])}"
                             if area.slug != "england" and england_medians.get(g.org_type) else "")
                          for g in area.types)
        description = (f"Strip plot of the staff ratios of {area.name}'s organisations by type, {area.year}, on a "
                       f"scale from 1 : 500 to 1 : 3,500, lower is better, with lines at the recommended "
                       f"{fmt.ratio(self.policy.recommended_ratio)} and the 2019 average "
                       f"{fmt.ratio(self.policy.baseline_ratio)}. {parts}.")
        return Chart(f"types-{area.slug}", f"Each dot an organisation's staff ratio, by type, {area.year}", description,
                     wide, narrow,
                     ChartTable(f"Status and median organisation by type, {area.year}", head, table_rows,
                                tuple(range(1, len(head)))))

    def regions_compared(self, area: AreaFigures) -> Chart:
        """Every region's ratio on one axis, with England's and the policy's lines."""
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
        table = ChartTable(f"Staff ratio and how many meet, by region, {year}", ("Region", "Staff ratio", "Organisations", "Meet"),
                           tuple((r.name, fmt.ratio(r.staff_per_qualified), fmt.count(r.organisations),
                                  fmt.count(r.meeting_recommendation)) for r in ordered)
                           + (("England", fmt.ratio(england.staff_per_qualified), fmt.count(england.organisations),
                               fmt.count(england.meeting_recommendation)),),
                           (1, 2, 3))
        return Chart(f"compare-{area.slug}", f"Each region's staff ratio, England's as a line, {year}", description,
                     wide, narrow, table)

    def area_trend(self, area: AreaFigures) -> Chart:
        """The area's staffing against the recommended WTE over the years."""
        figures = self.figures
        years = [y for y in figures.years if y <= figures.report_year]
        lookup = (lambda y: figures.england[y]) if area.slug == "england" else (
            lambda y: figures.regions[(y, area.slug)])
        reported = [y for y in years if lookup(y).organisations]
        points = [StaffYear(y, lookup(y).qualified_lks_wte, lookup(y).recommended_wte, lookup(y).qualified_wte_needed)
                  for y in reported]
        wide, narrow = staffing_trend_layouts(years, points, self.palette, cache=self.cache)
        versus = area.slug != "england" and self.compare_with_england
        rows = tuple(
            (y, fmt.ratio(lookup(y).staff_per_qualified) if y in reported else "no returns",
             fmt.number(lookup(y).qualified_lks_wte) if y in reported else "no returns",
             fmt.number(lookup(y).recommended_wte) if y in reported else "no returns",
             fmt.count(lookup(y).organisations), fmt.staff(lookup(y).nhs_staff_wte),
             *([self.england_ratio_text(y)] if versus else []))
            for y in years
        )
        description = (f"Line chart of the qualified staff of {area.name}'s organisations each year against the "
                       f"staff the recommended {fmt.ratio(self.policy.recommended_ratio)} asks for, in WTE; the gap "
                       f"(as if their staff were shared out) shaded. {_trend_words(years, points)}")
        head = ("Year", "Staff ratio", "Qualified staff (WTE)", "Recommended (WTE)", "Organisations",
                "NHS staff (WTE)", *(["England's ratio"] if versus else []))
        return Chart(f"trend-{area.slug}", trend_caption(years),
                     description, wide, narrow,
                     ChartTable("Staff, staff ratio and returns each year", head, rows,
                                tuple(range(1, len(head)))))

    def largest_shortfalls(self, area: AreaFigures, count: int = 5) -> ChartTable:
        """The organisations furthest from the recommended staffing, in WTE needed."""
        members = [o for o in self.figures.orgs_in(area.year) if o.region == area.name and o.qualified_wte_needed > 0]
        largest = sorted(members, key=lambda o: (-o.qualified_wte_needed, o.org_name))[:count]
        return ChartTable(
            f"The {len(largest)} largest shortfalls, {area.year}",
            ("Organisation", "WTE needed", "Staff ratio"),
            tuple((o.org_name, fmt.number(o.qualified_wte_needed), _ratio_or_none(o.staff_per_qualified))
                  for o in largest),
            (1, 2),
        )


# --- sentences --------------------------------------------------------------------------

# A chart's caption is short: the section's heading above it names the subject and the
# page's name is in its title, so the caption says what the marks are and when (and it
# is the chart's accessible name, read once). Its table is named for what it holds.
TREND_TABLE = "Staff and staff ratio each year"


def trend_caption(years: Sequence[str]) -> str:
    """``Qualified and recommended WTE, 2019/20 to 2024/25``."""
    span = years[0] if len(years) == 1 else f"{years[0]} to {years[-1]}"
    return f"Qualified and recommended WTE, {span}"


def org_meta(org: OrgFigures) -> str:
    """The line under an organisation's name: code, type, region."""
    org_type = org.org_type
    if org_type and org_type.lower() == "integrated care board":
        org_type = "Integrated care board (ICB)"
    parts = [org.org_code, *( [org_type] if org_type else []), f"{org.region} region",
             f"{fmt.staff(org.nhs_staff_wte)} whole-time equivalent (WTE) NHS staff"]
    return " \u00b7 ".join(parts)


def org_nhs_staff_source(org: OrgFigures) -> str:
    """Where an organisation's NHS staff figure comes from, said on its page and PDF."""
    if org.nhs_staff_source == NHS_STAFF_FROM_WORKFORCE:
        return f"NHS staff: {NHS_STAFF_FROM_WORKFORCE}, {_month_words(org.nhs_staff_month)}"
    return "NHS staff: as given in the organisation's return"


def _month_words(month: str | None) -> str:
    """``2024-12`` -> ``December 2024``; a figure from a file that gives no month says so."""
    return Month.parse(month).label if month else "month not given"


def area_nhs_staff_source(area: AreaFigures) -> str:
    """Where an area's NHS staff figures come from: the workforce statistics' month (or
    months), and how many organisations gave their own instead."""
    months = [Month.parse(m).label for m in area.nhs_staff_months]
    months += ["month not given"] if area.nhs_staff_undated else []
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
    if not any(area.nhs_staff_months or area.nhs_staff_undated for area in areas):
        return ("NHS staff are the whole-time equivalent (WTE) staff each organisation gave in its return.",)
    years = "; ".join(
        f"{area.year}: "
        + (_and([*(Month.parse(m).label for m in area.nhs_staff_months),
                 *(["a file that gives no month"] if area.nhs_staff_undated else [])]) or "the returns")
        + (f" ({fmt.count(area.nhs_staff_from_returns)} from "
           f"{'its' if area.nhs_staff_from_returns == 1 else 'their'} own "
           f"{'return' if area.nhs_staff_from_returns == 1 else 'returns'})"
           if (area.nhs_staff_months or area.nhs_staff_undated) and area.nhs_staff_from_returns else "")
        for area in areas)
    return (
        f"NHS staff are each organisation's full-time equivalent staff, all staff groups, from NHS England's "
        f"{NHS_STAFF_FROM_WORKFORCE}: for each financial year the figure for one month of it. {years}.",
        "Where an organisation's NHS staff are its own return's figure, the statistics held none for it "
        "that month; figures.csv says for each row which it is (nhs_staff_source, nhs_staff_month).",
        f"{WORKFORCE_CREDIT}.",
    )


def org_notice(org: OrgFigures, figures: Figures) -> str:
    """What a reader must know before the figures: an old return, or a merger, the
    organisations named (a code alone means nothing to a board)."""
    year = figures.report_year
    lines = []
    if org.year != year:
        successor = figures.successor(org.org_code)
        if successor and successor[0] <= year:
            merged_year, code = successor
            lines.append(f"{org.org_name} merged into {_named(code, figures, merged_year)} in {merged_year}: "
                         f"these are its figures for {org.year}, its last return.")
        else:
            lines.append(f"{org.org_name} did not send a return for {year}. These are its figures for {org.year}.")
    merged = formed_from(org, figures)
    if merged:
        names = _and([_named(code, figures, merged.year) for code in merged.sources])
        lines.append(f"Formed in {merged.year} from {names}: its figures before then are theirs added together.")
    return " ".join(lines)


def formed_from(org: OrgFigures, figures: Figures) -> Merger | None:
    """The merger that formed ``org``, if its figures reach back before it."""
    return next((m for m in figures.mergers if m.into == org.org_code and m.year <= org.year), None)


def _named(code: str, figures: Figures, year: str) -> str:
    """"Name (CODE)": its name in ``year``'s return, or in its last one before it."""
    known = [f for (y, c), f in sorted(figures.organisations.items()) if c == code and y <= year]
    return f"{known[-1].org_name} ({code})" if known else code


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def org_headline(org: OrgFigures, recommended: float, report_year: str) -> str:
    """The sentence that leads an organisation's page: where it stands and what meeting the policy would take."""
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


def change_tile(org: OrgFigures, figures: Figures, when: str = "now") -> Tile:
    """The change since the year before, told in the ask's unit (WTE needed then and
    ``when``: now, or the year of an older return) and called better or worse only when
    the ratio moved by the policy's share."""
    change, previous = org.change, org.previous
    if change is None or previous is None:
        earlier = [f for f in figures.series(org.org_code) if f.year < org.year]
        if earlier:
            return Tile("Change in a year", fmt.direction(GAP),
                        f"{fmt.wte(earlier[-1].qualified_wte_needed)} needed in {earlier[-1].year}, "
                        f"{fmt.number(org.qualified_wte_needed)}{fmt.NBSP}{when}")
        return Tile("Change in a year", fmt.direction(NEW), "its first return in this report")
    ago = "a year ago" if when == "now" else f"in {change.previous_year}"
    who = f"{ago} by {_and(change.combined_from)} together" if change.combined_from else ago
    if previous.staff_per_qualified is not None:
        then = f"staff ratio {fmt.ratio(previous.staff_per_qualified)} in {change.previous_year}"
    else:
        either = " either" if org.staff_per_qualified is None else ""
        then = f"no qualified staff in {change.previous_year}{either}"
    note = (f"{fmt.wte(previous.qualified_wte_needed)} needed {who}, {fmt.number(org.qualified_wte_needed)}{fmt.NBSP}{when}; "
            f"{then}")
    return Tile("Change in a year", fmt.direction(change.direction), note)


def area_change_tile(area: AreaFigures, same_within: float) -> Tile:
    """The area's change tile, like for like, 'about the same' within the policy's margin."""
    change = area.change
    if change is None or not change.organisations:
        return Tile("Change in a year", fmt.direction(NEW), "no returns the year before to compare with")
    direction = ratio_direction(change.staff_per_qualified, change.previous_staff_per_qualified, same_within)
    return Tile("Change in a year", fmt.direction(direction),
                f"the same {fmt.count(change.organisations)} organisations went from "
                f"{fmt.ratio(change.previous_staff_per_qualified)} in {change.previous_year} to "
                f"{fmt.ratio(change.staff_per_qualified)}")


def area_headline(area: AreaFigures, recommended: float, baseline: float) -> str:
    """The sentence that leads an area's page."""
    target = fmt.ratio(recommended)
    if not area.organisations:
        return f"There are no returns from {area.name} for {area.year}."
    if area.slug == "england":
        return (f"England has one qualified librarian or knowledge specialist for every "
                f"{fmt.count(area.staff_per_qualified)} NHS staff ({fmt.ratio(baseline)} was the 2019 average the "
                f"policy was written against); "
                f"{fmt.wte(area.organisations_short_wte)} more qualified staff would bring every organisation up "
                f"to the recommended {target}.")
    return (f"{fmt.count(area.meeting_recommendation)} of {fmt.count(area.organisations)} organisations in "
            f"{area.name} meet the recommended {target}; bringing the rest up to it would take "
            f"{fmt.wte(area.organisations_short_wte)} more qualified staff.")


def like_for_like_words(area: AreaFigures, same_within: float) -> str:
    """The like-for-like change in words, naming organisations that joined or left."""
    change = area.change
    if change is None:
        return ""
    if not change.organisations:
        return f"No organisation in {area.name} reported in both {change.previous_year} and {area.year}."
    direction = ratio_direction(change.staff_per_qualified, change.previous_staff_per_qualified, same_within)
    moved = {BETTER: "which is better", WORSE: "which is worse", SAME: "about the same"}[direction]
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
        alone = change.joined + change.left == 1
        text += (" " + fmt.capitalised(" and ".join(others))
                 + ("; it is not part of the comparison." if alone else "; they are not part of the comparison."))
    return text


def _organisations(count: int) -> str:
    return "organisation" if count == 1 else "organisations"


# --- tables ---------------------------------------------------------------------------


def org_staffing(org: OrgFigures) -> ChartTable:
    """The organisation's staff by role: the table beside its chart."""
    return ChartTable(f"Library and knowledge services staff, {org.year}", ("Role", "WTE"), (
        ("Qualified librarians and knowledge specialists", fmt.number(org.qualified_lks_wte)),
        ("of whom embedded clinical librarians", fmt.number(org.clinical_librarian_wte)),
        ("of whom knowledge managers", fmt.number(org.knowledge_manager_wte)),
        ("Other library and knowledge services staff", fmt.number(org.other_lks_wte)),
        ("NHS staff served", fmt.staff(org.nhs_staff_wte)),
    ))


def _trend_words(years: Sequence[str], points: Sequence[StaffYear]) -> str:
    """Every number the trend chart shows, year by year."""
    by_year = {p.year: p for p in points}
    said = []
    for year in years:
        p = by_year.get(year)
        if p is None:
            said.append(f"{year}: no return")
        else:
            now = "none" if p.qualified <= 0 else fmt.number(p.qualified)
            gap = "meets it" if p.needed <= 0 else f"{fmt.number(p.needed)} more needed"
            said.append(f"{year}: {now} qualified, {fmt.number(p.recommended)} recommended, {gap}")
    return "; ".join(said) + "."


def _brief(chart: Chart) -> ChartTable:
    """A trend's table for half the width of a PDF, beside the chart: without the columns
    the chart shows at its ends (recommended WTE) or the page states (NHS staff)."""
    assert chart.table is not None
    head = chart.table.head
    brief = chart.table.only(tuple(i for i, h in enumerate(head) if h not in ("NHS staff (WTE)", "Recommended (WTE)")))
    # Its note (whose figures a year's are, before a merger) goes under the chart beside it.
    return replace(brief, caption=TREND_TABLE, note="")


def _ratio_or_none(value: float | None) -> str:
    """A ratio in a table cell; "none" for a year with no qualified staff."""
    return fmt.ratio(value) if value is not None else "none"


def _rate(value: float | None, places: int) -> str:
    if value is None:
        return NOT_APPLICABLE_WORDS
    return fmt.count(value) if places == 0 else fmt.number(value, places)


def org_staffing_words(org: OrgFigures) -> str:
    """The organisation's staffing in one sentence, for its text alternative."""
    def part(value: float | None, words: str) -> str:
        return f"{fmt.number(value)} {words}" if value is not None else f"{words} not reported"

    return (f"Staffing, {org.year} (WTE): {fmt.number(org.qualified_lks_wte)} qualified librarians and knowledge "
            f"specialists (of whom {part(org.clinical_librarian_wte, 'embedded clinical librarians')}, "
            f"{part(org.knowledge_manager_wte, 'knowledge managers')}); "
            f"{part(org.other_lks_wte, 'other library and knowledge services staff')}; "
            f"{fmt.staff(org.nhs_staff_wte)} NHS staff served.")


def org_activity(org: OrgFigures, reported: frozenset[str] | None = None) -> ChartTable:
    """``reported``: the activities some return of the year holds; the others are left
    out, and the table says so once."""
    peers = fmt.type_plural(org.org_type) if org.org_type else "all organisations"
    rows = []
    left_out = [label for key, label in ACTIVITY_LABELS.items() if reported is not None and key not in reported]
    for key, label in ACTIVITY_LABELS.items():
        if label in left_out:
            continue
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
                       f"Median per 1,000, {peers}"), tuple(rows), (1, 2, 3, 4), _left_out_note(left_out))


def _left_out_note(left_out: Sequence[str]) -> str:
    if not left_out:
        return ""
    return (f"Left out: {_and([label.lower() for label in left_out])}, which no return for the year reports.")


def area_staffing(area: AreaFigures) -> ChartTable:
    """The area's staff by role, saying how many organisations reported each."""
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
        ("NHS staff served", f"{fmt.staff(area.nhs_staff_wte)}{fmt.NBSP}WTE", everyone),
    ))


def area_activity(area: AreaFigures) -> ChartTable:
    """The area's activity with rates per WTE, leaving out what no return reports."""
    rows = []
    left_out = [label for key, label in ACTIVITY_LABELS.items() if not area.activity[key].reported]
    for key, label in ACTIVITY_LABELS.items():
        total, rates = area.activity[key], area.rates[key]
        if label in left_out:
            continue
        rows.append((label, fmt.count(total.total) if total.reported else fmt.NOT_REPORTED,
                     fmt.reported_by(total.reported, total.of), _rate(rates.per_1000_staff, 1),
                     _rate(rates.peer_median_per_1000_staff, 1)))
    return ChartTable(f"What the services did, {area.year}",
                      ("Activity", "Total", "Reported by", "Per 1,000 NHS staff", "Median organisation per 1,000"),
                      tuple(rows), (1, 2, 3, 4), _left_out_note(left_out))


def like_for_like_table(area: AreaFigures) -> ChartTable:
    """The like-for-like change as a table."""
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
