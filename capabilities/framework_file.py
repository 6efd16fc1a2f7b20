"""Framework versions from a file: the documented JSON format (docs/framework-format.md), the same
content as an XLSX workbook, checked all or nothing, then loaded by the one framework loader
(``reference_data.load_framework``) that also loads ``fixtures/frameworks/*.json``.

- ``read(data, file_name)`` → the JSON structure (from JSON, or from the XLSX workbook) and where
  each entry came from (for messages naming the sheet and row, or the JSON path);
- ``check(structure)`` → every problem, with its place;
- ``load(data, file_name, dry_run=...)`` → refuses the file with every problem, or loads it in one
  transaction (rolled back for a dry run / preview) and reports what was created and updated.

A framework version used by a cycle that has answers cannot be changed: a file that would change
it is refused; a new version (new code) supersedes it. Comparisons across cycles go by capability
code, so a new version keeps the codes of the capabilities it carries over.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from .models import Answer, Cycle, FrameworkVersion, QuestionKind
from .reference_data import LoadReport, ReferenceDataError, load_framework

# The XLSX layout: one sheet per level; each row names its parent by code.
SHEETS = (
    ("framework", None),  # key | value rows
    ("phases", None),
    ("domains", None),
    ("capabilities", "domain"),
    ("capability_phases", "capability"),
    ("questions", "capability"),
    ("options", "question"),
)
CHILD_LISTS = {"phases", "domains", "capabilities", "questions", "options"}
JSON_SUFFIX = ":json"  # an XLSX column holding JSON values (lists, objects)
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class FrameworkFileRefused(Exception):
    """The file has problems (``problems`` lists every one with its place); nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Structure:
    data: dict[str, Any]
    places: dict[int, str] = field(default_factory=dict)  # id(entry) → "sheet questions, row 12"

    def where(self, entry: dict[str, Any], fallback: str) -> str:
        return self.places.get(id(entry), fallback)


@dataclass(frozen=True)
class LoadResult:
    code: str
    report: LoadReport
    dry_run: bool
    in_use_by: tuple[str, ...]

    def lines(self) -> list[str]:
        head = (
            _("Checked: the file is valid. Nothing was written (preview).")
            if self.dry_run
            else _("Loaded framework version %(code)s.") % {"code": self.code}
        )
        lines = [head]
        for key, n in sorted(self.report.created.items()):
            lines.append(_("%(count)s %(what)s created") % {"count": n, "what": key})
        for key, n in sorted(self.report.updated.items()):
            lines.append(_("%(count)s %(what)s updated") % {"count": n, "what": key})
        if not self.report.changes:
            lines.append(_("Nothing changes: the framework version is already as in the file."))
        return lines


# ---------------------------------------------------------------------------------------------
# Reading


def read(data: bytes, file_name: str) -> Structure:
    name = file_name.lower()
    if name.endswith(".json"):
        try:
            loaded = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FrameworkFileRefused(
                [_("The file is not valid JSON (%(error)s).") % {"error": exc}]
            ) from exc
        if not isinstance(loaded, dict):
            raise FrameworkFileRefused([_("The JSON file must hold one object (a framework).")])
        return Structure(loaded)
    if name.endswith(".xlsx"):
        return _read_xlsx(data)
    raise FrameworkFileRefused([_("Only .json and .xlsx framework files are accepted.")])


def _cell(value: Any, column: str, place: str, problems: list[str]) -> Any:
    if column.endswith(JSON_SUFFIX) and value is not None:
        try:
            return json.loads(str(value))
        except json.JSONDecodeError:
            problems.append(
                _("%(place)s, column %(column)s: not valid JSON.")
                % {"place": place, "column": column}
            )
            return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _read_xlsx(data: bytes) -> Structure:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors for broken files
        raise FrameworkFileRefused(
            [_("The workbook cannot be read (%(error)s).") % {"error": exc}]
        ) from exc
    problems: list[str] = []
    structure = Structure({})
    sheets: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for sheet in workbook.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        if not rows:
            continue
        header = [str(h).strip() if h is not None else "" for h in rows[0]]
        entries = []
        for number, row in enumerate(rows[1:], start=2):
            if not any(v not in (None, "") for v in row):
                continue
            place = _("sheet %(sheet)s, row %(row)s") % {"sheet": sheet.title, "row": number}
            entry: dict[str, Any] = {}
            for column, value in zip(header, row, strict=False):
                if not column:
                    continue
                value = _cell(value, column, place, problems)
                if value is not None:
                    entry[column.removesuffix(JSON_SUFFIX)] = value
            structure.places[id(entry)] = place
            entries.append((place, entry))
        sheets[sheet.title] = entries
    workbook.close()
    if "framework" not in sheets:
        raise FrameworkFileRefused([_("The workbook has no “framework” sheet.")])
    top = structure.data
    for place, entry in sheets["framework"]:
        key = entry.get("key")
        if not key:
            problems.append(_("%(place)s: the key is empty.") % {"place": place})
            continue
        top[key] = entry.get("value", None)
        if top[key] is None:
            del top[key]
    structure.places[id(top)] = _("sheet framework")
    known = {name for name, _parent in SHEETS}

    def attach(sheet: str, parent_key: str | None, parents: dict[str, dict[str, Any]], child: str):
        by_code: dict[str, dict[str, Any]] = {}
        for place, entry in sheets.get(sheet, []):
            if parent_key is None:
                top.setdefault(child, []).append(entry)
            else:
                parent_code = entry.pop(parent_key, None)
                parent = parents.get(str(parent_code)) if parent_code is not None else None
                if parent is None:
                    problems.append(
                        _("%(place)s: %(column)s “%(code)s” is not in the %(parent)s sheet.")
                        % {
                            "place": place,
                            "column": parent_key,
                            "code": parent_code or "",
                            "parent": parent_key + "s",
                        }
                    )
                    continue
                parent.setdefault(child, []).append(entry)
            if "code" in entry:
                by_code[str(entry["code"])] = entry
        return by_code

    attach("phases", None, {}, "phases")
    domains = attach("domains", None, {}, "domains")
    capabilities = attach("capabilities", "domain", domains, "capabilities")
    attach("capability_phases", "capability", capabilities, "phases")
    questions = attach("questions", "capability", capabilities, "questions")
    attach("options", "question", questions, "options")
    for name, entries in sheets.items():  # other top-level lists, e.g. consistency_rules
        if name not in known:
            top[name] = [entry for _place, entry in entries]
    if problems:
        raise FrameworkFileRefused(problems)
    return structure


# ---------------------------------------------------------------------------------------------
# Writing the XLSX form of a framework file (the format's template, and the round trip)


def to_xlsx(data: dict[str, Any]) -> bytes:
    """The XLSX form of a framework JSON structure (what ``read`` turns back into it)."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])  # the empty sheet a new workbook has

    def sheet(title: str, rows: list[dict[str, Any]], first: list[str]) -> None:
        columns: list[str] = list(first)
        json_columns: set[str] = set()
        for row in rows:
            for key, value in row.items():
                if isinstance(value, dict | list):
                    json_columns.add(key)
                if key not in columns:
                    columns.append(key)
        ws = workbook.create_sheet(title)
        ws.append([c + JSON_SUFFIX if c in json_columns else c for c in columns])
        for row in rows:
            cells = []
            for column in columns:
                value = row.get(column)
                if value is not None and column in json_columns:
                    value = json.dumps(value, ensure_ascii=False)
                cells.append(value)
            ws.append(cells)

    ws = workbook.create_sheet("framework")
    ws.append(["key", "value", "value" + JSON_SUFFIX])
    for key, value in data.items():
        if key in ("phases", "domains") or _is_table(value) or value is None:
            continue
        if _is_json(value):
            ws.append([key, None, json.dumps(value, ensure_ascii=False)])
        else:
            ws.append([key, value, None])
    sheet("phases", data.get("phases", []), ["number"])
    sheet("domains", [_without(d, "capabilities") for d in data.get("domains", [])], ["code"])
    caps, cap_phases, questions, options = [], [], [], []
    for dom in data.get("domains", []):
        for cap in dom.get("capabilities", []):
            caps.append({"domain": dom.get("code"), **_without(cap, "phases", "questions")})
            for phase in cap.get("phases", []):
                cap_phases.append({"capability": cap.get("code"), **phase})
            for q in cap.get("questions", []):
                questions.append({"capability": cap.get("code"), **_without(q, "options")})
                for option in q.get("options", []):
                    options.append({"question": q.get("code"), **option})
    sheet("capabilities", caps, ["domain", "code"])
    sheet("capability_phases", cap_phases, ["capability", "number"])
    sheet("questions", questions, ["capability", "code", "kind"])
    sheet("options", options, ["question", "code"])
    for key, value in data.items():
        if key not in ("phases", "domains") and _is_table(value):
            sheet(key, value, [])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _is_table(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _is_json(value: Any) -> bool:
    return isinstance(value, dict | list)


def _without(entry: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k not in keys}


# ---------------------------------------------------------------------------------------------
# Checking


def _text(entry: dict[str, Any], key: str) -> str:
    value = entry.get(key)
    return "" if value is None else str(value).strip()


def check(structure: Structure) -> list[str]:
    """Every problem of the framework structure, each with its place. Empty: it can be loaded."""
    data = structure.data
    problems: list[str] = []

    def need(entry: dict[str, Any], keys: tuple[str, ...], place: str) -> None:
        for key in keys:
            if not _text(entry, key):
                problems.append(
                    _("%(place)s: “%(field)s” is missing or empty.")
                    % {"place": place, "field": key}
                )

    def number_1_to_4(entry: dict[str, Any], place: str, seen: set[int]) -> None:
        value = entry.get("number")
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 4:
            problems.append(
                _("%(place)s: “number” must be a whole number from 1 to 4.") % {"place": place}
            )
        elif value in seen:
            problems.append(
                _("%(place)s: phase %(n)s appears twice.") % {"place": place, "n": value}
            )
        else:
            seen.add(value)

    def listed(entry: dict[str, Any], key: str, place: str) -> list[dict[str, Any]]:
        value = entry.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            problems.append(
                _("%(place)s: “%(field)s” must be a list of entries.")
                % {"place": place, "field": key}
            )
            return []
        return value

    top = _("framework")
    need(data, ("code", "name_en", "name_fr"), top)
    if _text(data, "code") and not re.fullmatch(r"[-a-zA-Z0-9_]+", _text(data, "code")):
        problems.append(
            _("%(place)s: the code may hold only letters, digits, hyphens and underscores.")
            % {"place": top}
        )
    phases_seen: set[int] = set()
    for i, phase in enumerate(listed(data, "phases", top)):
        place = structure.where(phase, f"phases[{i}]")
        need(phase, ("name_en", "name_fr"), place)
        number_1_to_4(phase, place, phases_seen)
    domains = listed(data, "domains", top)
    if not domains:
        problems.append(_("%(place)s: there is no domain.") % {"place": top})
    codes: dict[str, dict[str, str]] = {"domain": {}, "capability": {}, "question": {}}

    def unique(kind: str, code: str, place: str) -> None:
        if not code:
            return
        if not CODE.match(code):
            problems.append(
                _("%(place)s: “%(code)s” is not a valid code (letters, digits, . _ -).")
                % {"place": place, "code": code}
            )
        if code in codes[kind]:
            problems.append(
                _("%(place)s: code %(code)s is already used at %(other)s.")
                % {"place": place, "code": code, "other": codes[kind][code]}
            )
        else:
            codes[kind][code] = place

    for d, dom in enumerate(domains):
        dplace = structure.where(dom, f"domains[{d}]")
        need(dom, ("code", "name_en", "name_fr"), dplace)
        unique("domain", _text(dom, "code"), dplace)
        for c, cap in enumerate(listed(dom, "capabilities", dplace)):
            cplace = structure.where(cap, f"{dplace} › capabilities[{c}]")
            need(cap, ("code", "name_en", "name_fr"), cplace)
            cap_code = _text(cap, "code")
            unique("capability", cap_code, cplace)
            seen: set[int] = set()
            for p, phase in enumerate(listed(cap, "phases", cplace)):
                pplace = structure.where(phase, f"{cplace} › phases[{p}]")
                need(phase, ("description_en", "description_fr"), pplace)
                number_1_to_4(phase, pplace, seen)
            headlines = 0
            for q, question in enumerate(listed(cap, "questions", cplace)):
                qplace = structure.where(question, f"{cplace} › questions[{q}]")
                need(question, ("code", "kind", "text_en", "text_fr"), qplace)
                q_code = _text(question, "code")
                unique("question", q_code, qplace)
                if q_code and cap_code and not q_code.startswith(cap_code + "."):
                    problems.append(
                        _("%(place)s: the question code must start with %(prefix)s.")
                        % {"place": qplace, "prefix": cap_code + "."}
                    )
                kind = _text(question, "kind")
                if kind and kind not in QuestionKind.values:
                    problems.append(
                        _("%(place)s: kind “%(kind)s” is not one of %(kinds)s.")
                        % {"place": qplace, "kind": kind, "kinds": ", ".join(QuestionKind.values)}
                    )
                if q_code.endswith(".in_place"):
                    headlines += 1
                    if kind and kind != QuestionKind.YES_NO:
                        problems.append(
                            _("%(place)s: the headline question (.in_place) must be yes_no.")
                            % {"place": qplace}
                        )
                bounds: list[int | float | None] = []
                for key in ("min_value", "max_value"):
                    value = question.get(key)
                    if value is None:
                        bounds.append(None)
                    elif isinstance(value, int | float) and not isinstance(value, bool):
                        bounds.append(value)
                    else:
                        problems.append(
                            _("%(place)s: “%(field)s” must be a number.")
                            % {"place": qplace, "field": key}
                        )
                        bounds.append(None)
                low, high = bounds
                if low is not None and high is not None and low > high:
                    problems.append(
                        _("%(place)s: min_value is above max_value.") % {"place": qplace}
                    )
                if "required" in question and not isinstance(question["required"], bool):
                    problems.append(
                        _("%(place)s: “required” must be true or false.") % {"place": qplace}
                    )
                options = listed(question, "options", qplace)
                if (
                    kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)
                    and not options
                ):
                    problems.append(
                        _("%(place)s: a %(kind)s question needs options.")
                        % {"place": qplace, "kind": kind}
                    )
                option_codes: set[str] = set()
                for o, option in enumerate(options):
                    oplace = structure.where(option, f"{qplace} › options[{o}]")
                    need(option, ("code", "label_en", "label_fr"), oplace)
                    o_code = _text(option, "code")
                    if o_code and not re.fullmatch(r"[-a-zA-Z0-9_]+", o_code):
                        problems.append(
                            _(
                                "%(place)s: option code “%(code)s” may hold only letters, digits, hyphens and underscores."
                            )
                            % {"place": oplace, "code": o_code}
                        )
                    if o_code in option_codes:
                        problems.append(
                            _("%(place)s: option %(code)s appears twice.")
                            % {"place": oplace, "code": o_code}
                        )
                    option_codes.add(o_code)
            if cap_code and headlines != 1:
                problems.append(
                    _(
                        "%(place)s: capability %(code)s needs exactly one headline question %(code)s.in_place."
                    )
                    % {"place": cplace, "code": cap_code}
                )
    return problems


# ---------------------------------------------------------------------------------------------
# Loading


def cycles_with_answers(code: str) -> list[Cycle]:
    """Cycles pinned to framework version ``code`` that already have answers."""
    used = Answer.objects.filter(assessment__cycle__framework__code=code).values(
        "assessment__cycle_id"
    )
    return list(Cycle.objects.filter(pk__in=used).order_by("code"))


class _Rollback(Exception):
    pass


def load(data: bytes, file_name: str, *, dry_run: bool = False) -> LoadResult:
    """Checks the file (every problem listed, nothing written), then loads it in one transaction.

    A dry run loads and rolls back, so the preview reports exactly what would change. A file that
    would change a framework version in use by a cycle with answers is refused.
    """
    structure = read(data, file_name)
    problems = check(structure)
    if problems:
        raise FrameworkFileRefused(problems)
    code = _text(structure.data, "code")
    in_use = (
        cycles_with_answers(code) if FrameworkVersion.objects.filter(code=code).exists() else []
    )
    report = LoadReport()
    try:
        with transaction.atomic(), tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / (Path(file_name).stem + ".json")
            path.write_text(json.dumps(structure.data, ensure_ascii=False), encoding="utf-8")
            report = load_framework(path)
            if in_use and report.changes:
                raise FrameworkFileRefused(
                    [
                        _(
                            "Framework version %(code)s is used by cycles that have answers "
                            "(%(cycles)s): it cannot be changed. Give the new version a new code "
                            "(for example %(code)s-v2) so that it supersedes this one; new cycles "
                            "then use it, and comparisons across cycles go by capability code."
                        )
                        % {"code": code, "cycles": ", ".join(c.code for c in in_use)}
                    ]
                )
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    except ReferenceDataError as exc:
        raise FrameworkFileRefused([str(exc)]) from exc
    return LoadResult(
        code=code, report=report, dry_run=dry_run, in_use_by=tuple(c.code for c in in_use)
    )


def framework_in_use(framework_id: int) -> bool:
    """Whether a cycle pinned to this framework version has answers (then it cannot change)."""
    return Answer.objects.filter(assessment__cycle__framework_id=framework_id).exists()
