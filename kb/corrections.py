"""Corrections: a user-maintained YAML file that rejects, fixes or adds statements.

The file (`corrections.yaml` next to the database, or `kb build --corrections
FILE`) is a list of entries, each naming a document and one action:

    - document: url-6ef5a0273a3a          # or  url: https://...  (any form of the article's URL)
      statement: 3f2a9c0d1e4b5a67         # the statement id shown in Datasette and `kb export`
      reject: true
      note: not a claim about entry       # optional, for the humans

    - document: url-6ef5a0273a3a
      statement: {company: Norvik Motors, market: DE, stance: plans}   # or by its extracted values
      fix: {stance: considering, target: "2028"}

    - document: url-6ef5a0273a3a
      add: {company: Norvik Motors, market: FR, stance: plans,
            quote: "It will also open in France."}

Statements are keyed by what the extractor produced (their id is a hash of
document id, company, market, stance and said_on, computed *before*
corrections), so a correction keeps matching on every rebuild and re-ingest
as long as the extractor still finds that statement. Corrections are applied
after extraction and before storing (`apply`), and a document whose
corrections changed is re-extracted on the next build (`digest` is stored in
documents.corrections_hash), so a changed file always takes effect.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ingest import safe_yaml
from ingest.fingerprint import canonical_url
from ingest.records import Document, Extraction, Statement

from .schema import SPEAKER_TYPES, STANCES

DEFAULT_NAME = "corrections.yaml"
FIX_FIELDS = ("stance", "market", "target", "target_qualifier", "speaker", "speaker_role", "speaker_type",
              "said_on", "company")
ADD_FIELDS = (*FIX_FIELDS, "quote")
KEY_FIELDS = ("company", "market", "stance", "said_on")
ENTRY_FIELDS = ("document", "url", "statement", "reject", "fix", "add", "note")
_STATEMENT_ID = re.compile(r"^[0-9a-f]{16}$")


class CorrectionsError(ValueError):
    """The corrections file is not valid; the message names the file and the line."""


@dataclass
class Correction:
    line: int
    action: str  # "reject", "fix" or "add"
    document: str | None = None
    url: str | None = None  # canonical form
    statement_id: str | None = None
    match: dict[str, str] | None = None  # company / market / stance / said_on of the extracted statement
    values: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        target = self.statement_id or (json.dumps(self.match, ensure_ascii=False) if self.match else "")
        return f"{self.action} {target}".strip()


@dataclass
class Corrections:
    path: Path | None = None
    items: list[Correction] = field(default_factory=list)

    def where(self, c: Correction) -> str:
        return f"{self.path}, line {c.line}"

    def for_document(self, doc_id: str, url: str | None) -> list[Correction]:
        curl = canonical_url(url)
        return [c for c in self.items
                if (c.document is not None and c.document == doc_id) or (c.url is not None and c.url == curl)]

    def digest(self, doc_id: str, url: str | None) -> str | None:
        """Hash of the corrections for this document (None when there are none)."""
        items = self.for_document(doc_id, url)
        if not items:
            return None
        text = json.dumps([c.raw for c in items], sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


MAX_BYTES = 10 * 1024 * 1024  # a larger corrections file is refused before it is parsed


class _LineLoader(safe_yaml.SafeLoader):
    """SafeLoader (no aliases, bounded depth: ingest.safe_yaml) that records each mapping's line as `__line__`."""


def _construct_mapping(loader, node, deep=False):
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=deep)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# A date stays the text it was written as (checked as a TIMEX3 value below): PyYAML would make
# `said_on: 2024-02-30` a ValueError out of the parser instead of a message with its line.
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)

DATE_FIELDS = ("said_on", "target")
DATE_HELP = "a TIMEX3 value such as 2024-02-10, 2026-03, 2027, 2026-Q3, 2026-W07, XXXX-02-10 or FUTURE_REF"


def _date(key: str, value: str | None, fail) -> str | None:
    """`value` if it is a date the database can hold (a TIMEX3 value of a real day, month...)."""
    from ingest.dates import timex_fields

    if value is None:
        return None
    if timex_fields(value)["precision"] in (None, "invalid"):
        raise fail(f"{key}: {value!r} is not a valid date ({DATE_HELP})")
    return value


def load_corrections(path: str | Path | None) -> Corrections:
    """Read and check a corrections file; CorrectionsError names the file and line of any problem."""
    if path is None:
        return Corrections()
    path = Path(path)
    try:
        with path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)  # never more than the limit, whatever the file is
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CorrectionsError(f"{path}: cannot read corrections file: {e}") from None
    if len(data) > MAX_BYTES:
        raise CorrectionsError(f"{path}: corrections file is over the {MAX_BYTES // 2**20} MiB limit; "
                               "split it or remove old corrections")
    try:
        data = yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = f", line {mark.line + 1}" if mark else ""
        raise CorrectionsError(f"{path}{line}: not valid YAML: {e.problem or e}") from None
    except yaml.YAMLError as e:
        raise CorrectionsError(f"{path}: not valid YAML: {e}") from None
    if data is None:
        return Corrections(path)
    if isinstance(data, dict) and set(data) - {"__line__"} == {"corrections"}:
        data = data["corrections"] or []
    if not isinstance(data, list):
        raise CorrectionsError(f"{path}, line 1: expected a list of corrections (entries starting with '- ')")
    out = Corrections(path)
    for entry in data:
        out.items.append(_parse_entry(path, entry))
    return out


def _parse_entry(path: Path, entry: Any) -> Correction:
    if not isinstance(entry, dict):
        raise CorrectionsError(f"{path}: each correction must be a mapping (document:, statement:, ...), "
                               f"got {entry!r}")
    line = entry.get("__line__", 0)

    def fail(msg: str) -> CorrectionsError:
        return CorrectionsError(f"{path}, line {line}: {msg}")

    raw = _clean(entry)
    unknown = sorted(set(raw) - set(ENTRY_FIELDS))
    if unknown:
        raise fail(f"unknown field {unknown[0]!r} (expected: {', '.join(ENTRY_FIELDS)})")
    actions = [a for a in ("reject", "fix", "add") if a in raw]
    if len(actions) != 1:
        raise fail("each correction needs exactly one of reject:, fix:, add:")
    action = actions[0]
    document, url = raw.get("document"), raw.get("url")
    if not document and not url:
        raise fail("a correction needs document: (the document id) or url: (the article's URL)")
    c = Correction(line=line, action=action, document=str(document) if document else None,
                   url=canonical_url(str(url)) if url else None, raw=raw)
    if action in ("reject", "fix"):
        if action == "reject" and raw["reject"] is not True:
            raise fail("reject: must be true")
        key = raw.get("statement")
        if isinstance(key, str) and _STATEMENT_ID.match(key.strip()):
            c.statement_id = key.strip()
        elif isinstance(key, dict):
            bad = sorted(set(key) - set(KEY_FIELDS))
            if bad:
                raise fail(f"statement: unknown field {bad[0]!r} (expected: {', '.join(KEY_FIELDS)})")
            missing = [k for k in ("company", "market", "stance") if not key.get(k)]
            if missing:
                raise fail(f"statement: needs company, market and stance (missing {', '.join(missing)})")
            c.match = {k: str(v) for k, v in key.items()}
            c.match["market"] = _market(c.match["market"], fail)
            if c.match.get("said_on"):
                _date("said_on", c.match["said_on"], fail)
        else:
            raise fail(f"{action}: needs statement: a statement id (16 hex digits) "
                       "or {company: ..., market: ..., stance: ...}")
    if action == "fix":
        values = raw["fix"]
        if not isinstance(values, dict) or not values:
            raise fail(f"fix: must map fields to new values ({', '.join(FIX_FIELDS)})")
        c.values = _check_values(values, FIX_FIELDS, fail)
    elif action == "add":
        values = raw["add"]
        if "statement" in raw:
            raise fail("add: takes no statement: key (the statement is the add: mapping)")
        if not isinstance(values, dict):
            raise fail(f"add: must be a mapping with company, market, stance, quote ({', '.join(ADD_FIELDS)})")
        missing = [k for k in ("company", "market", "stance", "quote") if not values.get(k)]
        if missing:
            raise fail(f"add: missing {', '.join(missing)} (the quote must be text from the document)")
        c.values = _check_values(values, ADD_FIELDS, fail)
    return c


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _check_values(values: dict[str, Any], allowed: tuple[str, ...], fail) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key not in allowed:
            raise fail(f"unknown field {key!r} (can set: {', '.join(allowed)})")
        value = None if value is None else str(value).strip() or None
        if key == "stance" and value not in {s[0] for s in STANCES}:
            raise fail(f"unknown stance {value!r} (one of: {', '.join(s[0] for s in STANCES)})")
        if key == "speaker_type" and value not in SPEAKER_TYPES:
            raise fail(f"unknown speaker_type {value!r} (one of: {', '.join(SPEAKER_TYPES)})")
        if key == "market":
            value = _market(value, fail)
        if key == "company" and not value:
            raise fail("company cannot be empty")
        if key in DATE_FIELDS:
            value = _date(key, value, fail)
        out[key] = value
    return out


def _market(value: str | None, fail) -> str:
    from ingest.markets import markets as market_data

    codes = {code.lower(): code for code in market_data()}
    if not value or value.lower() not in codes:
        raise fail(f"unknown market {value!r} (use a market code, as in the markets table)")
    return codes[value.lower()]


@dataclass
class Applied:
    extraction: Extraction
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def apply(extraction: Extraction, corrections: Corrections) -> Applied:
    """The extraction with this document's corrections applied (a new Extraction; the input is untouched).

    Corrected and added statements carry `Statement.corrections` (field -> value before the
    correction; {"added": True} for an added one), which kb.store writes as statements.corrected
    and statements.corrections; their id stays the one of the values extracted.
    """
    doc = extraction.document
    items = corrections.for_document(doc.id, doc.url)
    result = Applied(extraction)
    if not items:
        return result
    used: set[int] = set()
    statements: list[Statement] = []
    for s in extraction.statements:
        sid = s.id_in(doc.id)
        matching = [(i, c) for i, c in enumerate(items) if c.action != "add" and _matches(c, sid, s)]
        used.update(i for i, _ in matching)
        if any(c.action == "reject" for _, c in matching):
            continue
        original: dict[str, Any] = {}
        for _, c in matching:
            for key, value in c.values.items():
                if getattr(s, key) != value:
                    original.setdefault(key, getattr(s, key))
                    s = dataclasses.replace(s, **{key: value})
        if original:
            s = dataclasses.replace(s, corrections=original)
        statements.append(s)
    for i, c in enumerate(items):
        if c.action == "add":
            added = _added_statement(doc, c)
            if added is None:
                result.errors.append(f"{corrections.where(c)}: add: quote not found in document {doc.id!r} "
                                     f"({c.values['quote'][:60]!r})")
                continue
            statements.append(added)
        elif i not in used:
            result.warnings.append(f"{corrections.where(c)}: {c.describe()}: no such statement in document "
                                   f"{doc.id!r} (no longer extracted?)")
    result.extraction = dataclasses.replace(extraction, statements=statements)
    return result


def _matches(c: Correction, sid: str, s: Statement) -> bool:
    if c.statement_id is not None:
        return c.statement_id == sid
    m = c.match or {}
    return (m["company"].casefold() == s.company.casefold() and m["market"] == s.market
            and m["stance"] == s.stance and ("said_on" not in m or m["said_on"] == (s.said_on or "")))


def _added_statement(doc: Document, c: Correction) -> Statement | None:
    quote = c.values["quote"]
    start = doc.text.find(quote)
    end = start + len(quote)
    if start < 0:  # tolerate different spacing, line breaks and case
        words = quote.split()
        found = re.search(r"\s+".join(re.escape(w) for w in words), doc.text, re.IGNORECASE) if words else None
        if not found:
            return None
        start, end = found.span()
    v = c.values
    return Statement(
        company=v["company"], market=v["market"], stance=v["stance"],
        speaker=v.get("speaker"), speaker_role=v.get("speaker_role"),
        speaker_type=v.get("speaker_type") or "other",
        said_on=v.get("said_on", doc.published), target=v.get("target"),
        target_qualifier=v.get("target_qualifier"),
        quote=doc.text[start:end], quote_start=start, quote_end=end, confidence=1.0,
        explain={"added_by": "corrections"}, corrections={"added": True},
    )


def default_path(db_path: str | Path) -> Path:
    return Path(db_path).resolve().parent / DEFAULT_NAME
