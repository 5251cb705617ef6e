"""The errors a user can meet. Anything else that escapes is a bug in kfh-site."""

from __future__ import annotations

from dataclasses import dataclass


class KfhError(Exception):
    """A problem the user can fix: bad data, config or content.

    The CLI prints the message and exits 1, without a traceback.
    """

    def report(self) -> str:
        """The message the command line prints; a subclass may add lines."""
        return str(self)


class ConfigError(KfhError):
    """kfh-site.toml is missing, unreadable or holds a wrong key or value."""


class ContentError(KfhError):
    """A Markdown page or template cannot be used."""


class UndrawableError(KfhError):
    """A name or setting a PDF shows holds a character none of the PDF fonts can draw."""


class FetchError(KfhError):
    """A page or PDF asked for a resource outside the project or on the network."""


class BuildLockedError(KfhError):
    """Another build is writing to the same output folder."""


class OutputError(KfhError):
    """The output folder cannot be used: it would overwrite the project or someone's files,
    or the operating system refused a write (disk full, no permission, a file in the way)."""


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in one cell (or row, or file) of a return file.

    ``row`` counts as a spreadsheet user does: the header is usually row 1. ``column``
    is the contract's name for the column; ``header`` is the header as the file shows
    it, when that differs. ``sheet`` is the sheet read, for a workbook.
    """

    file: str
    row: int | None
    column: str | None
    message: str
    sheet: str | None = None
    header: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet is not None:
            where.append(f'sheet "{self.sheet}"')
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(self.column_words)
        return f"{', '.join(where)}: {self.message}"

    @property
    def column_words(self) -> str:
        """The column as the file names it, then the contract's name: ``column "NHS staff" (nhs_staff_wte)``."""
        if self.header and self.header != self.column:
            return f'column "{self.header}" ({self.column})'
        return f"column {self.column}"


def problem_lines(problems: list[Problem]) -> list[str]:
    """One line a problem; the same problem on many rows of one column said once, with the
    rows ("rows 5-24, column ...: ..."), so a column typed wrong is one line, not twenty."""
    groups: dict[tuple, list[Problem]] = {}
    for problem in problems:
        key = (problem.file, problem.sheet, problem.column, problem.header, problem.message,
               problem.row is None)
        groups.setdefault(key, []).append(problem)
    lines: list[str] = []
    for group in groups.values():
        first = group[0]
        if len(group) == 1 or first.row is None:
            lines.extend(str(p) for p in group)
            continue
        where = [first.file]
        if first.sheet is not None:
            where.append(f'sheet "{first.sheet}"')
        where.append(f"rows {_ranges([p.row for p in group if p.row is not None])}")
        if first.column is not None:
            where.append(first.column_words)
        lines.append(f"{', '.join(where)}: {first.message}")
    return lines


def _ranges(numbers: list[int]) -> str:
    ordered = sorted(set(numbers))
    parts = []
    start = previous = ordered[0]
    for n in ordered[1:]:
        if n != previous + 1:
            parts.append(f"{start}-{previous}" if previous > start else str(start))
            start = n
        previous = n
    parts.append(f"{start}-{previous}" if previous > start else str(start))
    return ", ".join(parts)


class DataError(KfhError):
    """Return files break the data contract; holds every problem found."""

    def __init__(self, problems: list[Problem], strict: bool = False):
        self.problems = sorted(problems, key=_problem_order)
        self.strict = strict
        super().__init__(self.report())

    def report(self) -> str:
        """Each unlikely figure, then what to do about them."""
        count = len(self.problems)
        if self.strict:
            noun = "figure" if count == 1 else "figures"
            return "\n".join([*problem_lines(self.problems),
                              f"{count} unlikely {noun} in the return data (--strict makes warnings errors)."])
        noun = "problem" if count == 1 else "problems"
        lines = problem_lines(self.problems)
        lines.append(f"{count} {noun} found in the return data.")
        return "\n".join(lines)


def _problem_order(problem: Problem) -> tuple:
    return (problem.file, problem.sheet or "", problem.row or 0, problem.column or "", problem.message)


class ProjectFileError(KfhError):
    """A file in the project that kfh-site will not read or publish: a link that leads
    outside its folder, or a special file (a device, a pipe, a socket)."""


class TemplateError(KfhError):
    """The blank return cannot be written where it was asked for."""


class FileProblem(Exception):
    """Why a file (or a sheet of it) could not be read as a table at all."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems

    @classmethod
    def one(cls, file: str, message: str, row: int | None = None, column: str | None = None,
            sheet: str | None = None) -> FileProblem:
        """One problem in one file: the common case."""
        return cls([Problem(file, row, column, message, sheet=sheet)])


class UnsafePathError(Exception):
    """An output path that would land outside the build folder: a bug, never user input."""


class SearchIndexError(KfhError):
    """Pagefind is missing or failed: the site cannot get its search index."""


class WorkbookProblem(Exception):
    """A workbook kfh-site will not read; the message says why, for the user."""


class TaggingError(ContentError):
    """A figure reached the PDF with no text alternative: a mistake in the infographic
    template, which the user can fix (render.py names the template and the PDF)."""
