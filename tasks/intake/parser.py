"""Read a directive's text and propose its tasks, each with the clears the text gives.

The parser is pure Python over a ``Rules`` object (built from the admin-maintained tables by
``tasks.intake.selectors.intake_rules``); it holds no vocabulary of its own beyond month and
quarter names. How it reads a notice (see docs/intake.md):

1. Text is normalised (NFC, one placement of Vietnamese tone marks, straight quotes), cut
   into lines; a line with no closing punctuation is a heading and assigns nothing.
2. Lines are cut into sentences, sentences into clauses at semicolons; a clause that does
   not start an action of its own (an action verb, an agency followed by a verb or modal)
   is glued back to the one before ("Ministers, Heads of ...; Chairpersons of ... to").
3. Each clause is a task when its agency subject is followed by a modal or a verb, when a
   request names its addressees ("requires X to"), when it starts with an action verb (an
   "-ing" form only after a clause that was a task), or
   when it has a deadline and a modal ("By June 2025, 100% of ... will be ...").
4. The lead is the subject or the addressees; a clause with none inherits the last lead
   named (notices list a group's duties one after another). Several agencies: the first
   leads and the others coordinate; a group ("ministries, branches and localities") is
   expanded to its members and leaves ``lead_agency`` empty.
5. Coordinators are the agencies right after "coordinate with" / "phối hợp với";
   "relevant agencies" names nobody. Deadlines, recurrences and results come from patterns.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import importlib
import re
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, NotRequired, TypedDict

# --- rules ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entity:
    """An agency, or a group of agencies, as the text names it."""

    label: str
    codes: tuple[str, ...]
    is_group: bool
    #: "Chủ tịch tỉnh", "the provincial People's Committee": one local body named by its kind,
    #: the province or city the text named before (the parser resolves it).
    anaphor: bool = False


def _run_end(pattern: str, text: str, pos: int) -> int:
    """Where a run of ``pattern`` read from ``pos`` ends. The patterns given may match nothing,
    so there is always a run, at worst an empty one (``pos`` itself)."""
    found = re.match(pattern, text[pos:])
    return pos + found.end() if found is not None else pos


def literal_gate(regex: re.Pattern[str]) -> str:
    """The longest run of plain characters (three or more) that every match of ``regex``
    contains, lower-cased; "" when there is none.

    A rule is tried on a clause only when its gate is in the clause: a substring test is C
    speed, while a pattern that opens with optional words is tried at every position (the
    rules made up most of the parser's time on a long text). Remembered per pattern: reading a
    pattern costs more than compiling it."""
    return _gate(regex.pattern, regex.flags)


@functools.lru_cache(maxsize=4096)
def _gate(pattern: str, flags: int) -> str:
    try:
        # the standard library's own reader of patterns (private, hence the fallback)
        constants = importlib.import_module("re._constants")
        sre_parse = importlib.import_module("re._parser")

        items = sre_parse.parse(pattern, flags)
        runs = _required_runs(list(items), constants)
    except Exception:
        return ""
    return max(runs, key=len, default="")


def _required_runs(items: list, constants: Any) -> list[str]:
    runs: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if len(current) >= 3:
            runs.append("".join(current).lower())
        current.clear()

    for op, av in items:
        if op is constants.LITERAL:
            current.append(chr(av))
            continue
        flush()
        if op is constants.SUBPATTERN:
            runs.extend(_required_runs(list(av[-1]), constants))
        elif op in (constants.MAX_REPEAT, constants.MIN_REPEAT, constants.POSSESSIVE_REPEAT) and av[0] >= 1:
            runs.extend(_required_runs(list(av[2]), constants))
    flush()
    return runs


@dataclass(frozen=True)
class DeadlineRule:
    name: str
    regex: re.Pattern[str]
    resolution: str
    offset_days: int = 0
    fixed_date: dt.date | None = None
    priority: int = 100
    gate: str = ""


@dataclass(frozen=True)
class ResultRule:
    name: str
    regex: re.Pattern[str]
    result_kind: str
    unit: str = ""
    priority: int = 100
    gate: str = ""


@dataclass(frozen=True)
class RecurrenceRule:
    regex: re.Pattern[str]
    recurrence: str
    gate: str = ""


@dataclass
class Cues:
    """The clause cues of one language, compiled."""

    action_verb: re.Pattern[str] | None = None
    action_verb_ing: re.Pattern[str] | None = None
    #: English verbs without their -ed form: an imperative ("Organize ...") or a duty listed
    #: after its subject ("...; coordinates with ..."), never the participle that opens a
    #: description ("organized for both students ...").
    action_verb_base: re.Pattern[str] | None = None
    modal: re.Pattern[str] | None = None
    request: re.Pattern[str] | None = None
    lead: re.Pattern[str] | None = None
    coordination: re.Pattern[str] | None = None
    discourse: re.Pattern[str] | None = None
    vague_party: re.Pattern[str] | None = None
    deadline_clause: re.Pattern[str] | None = None
    exclude_sentence: list[re.Pattern[str]] = field(default_factory=list)
    exclude_clause: list[re.Pattern[str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._gates: dict[re.Pattern[str], str] = {}

    def excludes(self, patterns: list[re.Pattern[str]], text: str) -> bool:
        """Does any exclusion pattern match? Each is tried only when its gate is in the text."""
        lowered = text.lower()
        for pattern in patterns:
            gate = self._gates.get(pattern)
            if gate is None:
                gate = self._gates[pattern] = literal_gate(pattern)
            if gate in lowered and pattern.search(text):
                return True
        return False


#: Between the words of a multi-word name: spaces, commas, hyphens, "&", "/" and "." ("TP.HCM").
NAME_SEPARATOR = r"[\s,\-–&/.]+"
WORD = r"[\w']+"


_WORD_RE = re.compile(WORD)


def _fold(word: str) -> str:
    """The word without its marks: "sơn" → "son", "đắk" → "dak"."""
    decomposed = unicodedata.normalize("NFD", word.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _joined(text: str, start: int, end: int) -> bool:
    """Is text[start:end] joined to a number or another code by "/" or "-" ("143/TB-VPCP",
    "VPCP-KTTH", "205/TB -VPCP")?"""
    before = text[max(0, start - 4) : start]
    return bool(re.search(r"\w ?[/-] ?$", before) or re.match(r" ?[/-] ?\w", text[end:]))


_SEPARATOR = re.compile(NAME_SEPARATOR)


def entity_key(text: str) -> str:
    return " ".join(re.findall(WORD, text.lower()))


class EntityMatcher:
    """Finds agencies and groups in text, longest name first, case-insensitively.

    Agency codes (three letters or more) match only as written, in capitals."""

    def __init__(
        self,
        names: dict[str, Entity],
        codes: dict[str, Entity] | None = None,
        kinds: dict[str, tuple[str, ...]] | None = None,
    ) -> None:
        # The members of each agency kind, for group addressees put together from their words
        # ("Bộ trưởng các bộ và Chủ tịch UBND các địa phương"): see ``_composed_groups``.
        self.kinds = kinds or {}
        self.by_key = {entity_key(name): entity for name, entity in names.items() if entity_key(name)}
        # Names by their first word, longest first: a scan over the words of a text finds them
        # in one pass (one alternation of ~500 names cost 13 ms a clause; measured).
        self.by_first: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        # "The Minister of Finance directs ...": the minister acts for the ministry; the press
        # also writes "the Public Security Ministry", "the Health sector", "ngành y tế".
        for key, entity in list(self.by_key.items()):
            if entity.is_group:
                continue
            if key.startswith("ministry of "):
                field = key[len("ministry of ") :]
                self.by_key.setdefault("minister of " + field, entity)
                self.by_key.setdefault(field + " ministry", entity)
                self.by_key.setdefault(field + " sector", entity)
            elif key.startswith("bộ "):
                self.by_key.setdefault("ngành " + key[len("bộ ") :], entity)
        for key in self.by_key:
            words = tuple(key.split(" "))
            self.by_first[words[0]].append(words)
        for candidates in self.by_first.values():
            candidates.sort(key=len, reverse=True)
        # "các Bộ: Công Thương, Tài chính" / "the Ministries of Finance, and Justice" name
        # ministries without their "Bộ" / "Ministry of": keep each ministry's short name.
        self.short = {
            key.split(" ", 1)[1] if key.startswith("bộ ") else key[len("ministry of ") :]: entity
            for key, entity in self.by_key.items()
            if not entity.is_group and (key.startswith("bộ ") or key.startswith("ministry of "))
        }
        # "Ủy ban nhân dân tỉnh Lào Cai, Yên Bái": after a province named with its "tỉnh", the
        # next names are provinces too; keep each province's name without it.
        self.places: dict[str, Entity] = {}
        for key, entity in self.by_key.items():
            m = _PLACE_KIND.search(key)
            if m and not entity.is_group and m.end() < len(key):
                self.places.setdefault(key[m.end() :], entity)
        self.codes = {code: e for code, e in (codes or {}).items() if len(code) >= 3}
        self.code_regex = (
            re.compile(
                r"\b(?:" + "|".join(re.escape(c) for c in sorted(self.codes, key=len, reverse=True)) + r")\b"
            )
            if self.codes
            else None
        )

    def _names(self, text: str, fold: bool = False) -> list[tuple[int, int, Entity]]:
        """Names in the text, leftmost and longest first, words separated only by spaces,
        commas, hyphens, "&" or "/" (as the register writes them or not)."""
        tokens = [(m.start(), m.end(), m.group(0).lower()) for m in _WORD_RE.finditer(text)]
        # English texts write places with their marks ("Sơn La authorities"): a word also
        # matches a name written without them.
        plain = [_fold(word) if fold and not word.isascii() else word for _, _, word in tokens]
        found: list[tuple[int, int, Entity]] = []
        i = 0
        while i < len(tokens):
            length = 0
            first = self.by_first.get(tokens[i][2], [])
            if plain[i] != tokens[i][2]:
                first = first + self.by_first.get(plain[i], [])
            for words in first:
                n = len(words)
                if i + n <= len(tokens) and all(
                    words[k] in (tokens[i + k][2], plain[i + k])
                    and _SEPARATOR.fullmatch(text, tokens[i + k - 1][1], tokens[i + k][0])
                    for k in range(1, n)
                ):
                    found.append((tokens[i][0], tokens[i + n - 1][1], self.by_key[" ".join(words)]))
                    length = n
                    break
            i += length or 1
        return found

    def find(self, text: str, fold: bool = False) -> list[tuple[int, int, Entity]]:
        """Agencies and groups in the text; with ``fold`` (English texts), a name written with
        Vietnamese marks also matches its English spelling without them."""
        found = self._names(text, fold)
        if self.code_regex is not None:
            taken = [(s, e) for s, e, _ in found]
            for m in self.code_regex.finditer(text):
                if not any(s <= m.start() < e for s, e in taken):
                    found.append((m.start(), m.end(), self.codes[m.group(0)]))
        # "143/TB-VPCP", "4808/VPCP-KTTH": an abbreviation inside a document's number is its
        # issuer in the numbering, not an agency the sentence names.
        found = [f for f in found if not (text[f[0] : f[1]].isupper() and _joined(text, f[0], f[1]))]
        # "các Bộ: Công Thương, ..." / "the Ministries of Finance, ...": the ministries listed,
        # not a group called "ministries".
        listed = self._enumerated(text, found)
        if listed:
            triggers = [(m.start(), m.end()) for m in ENUMERATION.finditer(text)]
            found = [f for f in found if not any(s <= f[0] < e for s, e in triggers)]
            found.extend(listed)
        found.extend(self._more_places(text, found))
        # "Deputy Prime Minister Nguyen Hoa Binh": a person's name, not the province.
        found = [f for f in found if f[2].is_group or not PERSON_BEFORE.search(text, max(0, f[0] - 80), f[0])]
        if self.kinds:
            found = self._composed_groups(text, found)
        return sorted(found, key=lambda t: t[0])

    def _composed_groups(
        self, text: str, found: list[tuple[int, int, Entity]]
    ) -> list[tuple[int, int, Entity]]:
        """Group addressees written in words the register's phrases don't list one by one:
        a run of group words ("các bộ, ban, ngành Trung ương và các địa phương", "relevant
        Committees, Ministries, sectors, and localities") becomes one group of the kinds its
        head words name (ministries and central agencies, provinces and cities, or both).
        An agency named inside the run ends it ("Bộ trưởng Bộ Tài chính" is one minister), and
        a run followed by the agencies it introduces ("các tỉnh: Quảng Trị, Huế") is a list,
        not a group."""
        specific = sorted((s, e) for s, e, ent in found if not ent.is_group)
        tokens = [(m.start(), m.end(), m.group(0).lower()) for m in _WORD_RE.finditer(text)]
        runs: list[tuple[int, int, set[str]]] = []
        i = 0
        while i < len(tokens):
            run = _group_run(text, tokens, i, specific) if tokens[i][2] in _GROUP_FIRST else None
            if run is None:
                i += 1
                continue
            start, end, sides, next_i = run
            runs.append((start, end, sides))
            i = next_i
        if not runs:
            return found
        kept = list(found)
        for start, end, sides in runs:
            if any(s < end and start < e for s, e in specific):
                continue
            overlapping = [f for f in kept if f[2].is_group and f[0] < end and start < f[1]]
            if sides == {"one"}:
                if not any(f[0] < start or end < f[1] for f in overlapping):
                    kept = [f for f in kept if f not in overlapping]
                    kept.append((start, end, Entity(text[start:end], (), False, anaphor=True)))
                continue
            if any(f[0] <= start and end <= f[1] for f in overlapping):
                continue  # a register phrase already names all of it
            gap = _LIST_OPENS.match(text, end)
            if gap is not None and any(s == gap.end() for s, _ in specific):
                continue
            codes: list[str] = []
            for side in ("central", "local"):
                if side in sides:
                    for kind in GROUP_SIDES[side]:
                        codes.extend(self.kinds.get(kind, ()))
            # A register phrase that overlaps the run is part of the same addressee: one group
            # spans both and holds the members of both.
            for f in overlapping:
                codes.extend(f[2].codes)
            start = min([start] + [f[0] for f in overlapping])
            end = max([end] + [f[1] for f in overlapping])
            if codes:
                kept = [f for f in kept if f not in overlapping]
                kept.append((start, end, Entity(text[start:end], tuple(sorted(set(codes))), True)))
        return kept

    def _more_places(self, text: str, found: list[tuple[int, int, Entity]]) -> list[tuple[int, int, Entity]]:
        """Provinces listed after one named with its kind ("tỉnh Lào Cai, Yên Bái và Tuyên
        Quang"): each capitalised name that is a province's name without "tỉnh"."""
        hits: list[tuple[int, int, Entity]] = []
        if not self.places:
            return hits
        starts = {s: e for s, e, _ in found}
        anchors = [e for s, e, _ in found if _PLACE_KIND.search(entity_key(text[s:e]))]
        # "Ủy ban nhân dân các tỉnh Quảng Ninh, Hải Phòng": the list opens with its kind
        anchors += [-m.end() for m in _PLACES_OPEN.finditer(text)]
        for anchor in anchors:
            pos, first = abs(anchor), anchor < 0
            while True:
                sep = _PLACE_SEPARATOR.match(text, pos) if not first else re.compile(r"").match(text, pos)
                first = False
                if sep is None:
                    break
                if sep.end() in starts:
                    # a province the text names on its own ("Hải Phòng") goes on the list
                    pos = starts[sep.end()]
                    continue
                words = list(_WORD_RE.finditer(text, sep.end(), min(len(text), sep.end() + 60)))[:4]
                best = None
                for n in range(len(words), 0, -1):
                    if not words[0].group(0)[:1].isupper():
                        break
                    if not all(
                        _SEPARATOR.fullmatch(text, words[k - 1].end(), words[k].start())
                        or text[words[k - 1].end() : words[k].start()] == " "
                        for k in range(1, n)
                    ):
                        continue
                    entity = self.places.get(" ".join(w.group(0).lower() for w in words[:n]))
                    if entity is not None:
                        best = (words[0].start(), words[n - 1].end(), entity)
                        break
                if best is None:
                    break
                hits.append(best)
                pos = best[1]
        return hits

    def _enumerated(self, text: str, found: list[tuple[int, int, Entity]]) -> list[tuple[int, int, Entity]]:
        """Ministries listed by their short names after "các Bộ:" or "the Ministries of"."""
        hits: list[tuple[int, int, Entity]] = []
        for trigger in ENUMERATION.finditer(text):
            pos = trigger.end()
            while True:
                best = None
                window = text[pos : _run_end(r"[^;:.()]*", text[: pos + 200], pos)]
                ends = [m.end() for m in re.finditer(r"[\w']+", window)][:12]
                for end in reversed(ends):
                    words = re.sub(r"^(?:và|and)\s+", "", window[:end], flags=re.IGNORECASE)
                    entity = self.short.get(entity_key(words))
                    if entity is not None:
                        best = (pos + end - len(words), pos + end, entity)
                        break
                if best is None:
                    break
                if not any(s <= best[0] < e for s, e, _ in found):
                    hits.append(best)
                sep = re.match(r"\s*(?:,\s*(?:and\s+|và\s+)?|\s(?:and|và)\s+)", text[best[1] :])
                if not sep:
                    break
                pos = best[1] + sep.end()
        return hits


def _word_sequences(alternatives: str) -> set[tuple[str, ...]]:
    """ "a b|c" → {("a", "b"), ("c",)}: phrases as the sequences of words the scan compares."""
    return {tuple(phrase.split(" ")) for phrase in alternatives.split("|")}


#: Group addressees are put together from a closed class of words, as months are: heads that
#: name ministries and central agencies or provinces and localities, titles ("Bộ trưởng",
#: "Chairpersons"), and words that only join or qualify them ("các", "relevant", "trung ương").
#: Each entry is a sequence of lower-case words; the side a head names, or "" for a joiner.
GROUP_SIDES = {
    "central": ("ministry", "ministerial_agency", "government_agency"),
    "local": ("province", "city"),
}
_GROUP_WORDS: dict[tuple[str, ...], str] = {
    words: side
    for side, phrases in (
        (
            "central",
            "bộ|ngành|ban|bộ ngành|bộ trưởng|thủ trưởng|cơ quan ngang bộ|cơ quan thuộc chính phủ|"
            "cơ quan trực thuộc chính phủ|"
            "cơ quan trung ương|ministries|ministers|sectors|branches|ministerial|ministry|"
            "central agencies|government agencies|agencies|departments|bodies|heads|leaders|"
            "central|agency|sector|branch",
        ),
        (
            "local",
            "địa phương|tỉnh|thành phố|ủy ban nhân dân|ubnd|chủ tịch|bí thư|localities|provinces|"
            "cities|people's committees|committees|people's committee|committee|chairpersons|chairmen|chairs|"
            "chairman|chairperson|"
            "secretaries|local|provincial|municipal|municipalities|locality|province|city|administrations|"
            "people's councils|people's council|hội đồng nhân dân|hđnd",
        ),
        (
            "",
            "các|những|và|cơ quan|trung ương|liên quan|có liên quan|trực thuộc trung ương|trực thuộc|"
            "cấp|ven biển|lãnh đạo|the|relevant|related|concerned|all|levels|level|and|of|centrally|"
            "run|coastal|government|under|other|state|people's|under central authority|"
            "under the central government|directly under the central government",
        ),
    )
    for words in (tuple(p.split(" ")) for p in phrases.split("|"))
}
#: The group words by their first word, longest first: one dictionary look-up a token.
_GROUP_BY_FIRST: dict[str, list[tuple[str, ...]]] = defaultdict(list)
for _words in sorted(_GROUP_WORDS, key=len, reverse=True):
    _GROUP_BY_FIRST[_words[0]].append(_words)
_GROUP_FIRST = frozenset(_GROUP_BY_FIRST)
#: English plural heads: a group by themselves ("localities", "relevant ministries").
_GROUP_EN_PLURAL_HEADS = _word_sequences(
    "ministries|ministers|sectors|branches|localities|provinces|cities|people's committees|"
    "municipalities|central agencies|government agencies|administrations"
)
#: A head strong enough to make a group with a plural ("các bộ", "localities"); "agencies",
#: "các cơ quan" and "ban" alone are too vague ("relevant agencies" names nobody).
_GROUP_STRONG = _GROUP_EN_PLURAL_HEADS | _word_sequences(
    "bộ|bộ ngành|bộ trưởng|địa phương|tỉnh|thành phố|ủy ban nhân dân|ubnd|cơ quan ngang bộ|"
    "cơ quan thuộc chính phủ|cơ quan trung ương"
)
_GROUP_PLURAL = {("các",), ("những",)}
#: The heads of one local body named by its kind.
_SINGULAR_LOCAL = _word_sequences(
    "chủ tịch|ủy ban nhân dân|ubnd|tỉnh|thành phố|chairman|chairperson|chairwoman|people's committee|"
    "provincial|municipal|city|province|committee"
)
#: Between two group words: spaces and at most one comma, slash or dash.
_GROUP_SEPARATOR = re.compile(r"[ \t]*(?:,|/|-|–)?[ \t]*")
#: What may stand between a run and the agencies it introduces ("các tỉnh: Quảng Trị, Huế").
_LIST_OPENS = re.compile(r"\s*(?::|\bof\b|\bnhư\b|\bgồm\b|\bincluding\b|\blà\b)?\s*", re.IGNORECASE)


def _group_word(text: str, tokens: list[tuple[int, int, str]], j: int) -> tuple[str, ...] | None:
    """The longest group word (a sequence of tokens) that starts at token ``j``."""
    for words in _GROUP_BY_FIRST.get(tokens[j][2], ()):
        n = len(words)
        if (
            j + n <= len(tokens)
            and all(tokens[j + k][2] == words[k] for k in range(1, n))
            and all(
                _GROUP_SEPARATOR.fullmatch(text, tokens[j + k - 1][1], tokens[j + k][0]) for k in range(1, n)
            )
        ):
            return words
    return None


def _group_run(
    text: str, tokens: list[tuple[int, int, str]], i: int, specific: list[tuple[int, int]]
) -> tuple[int, int, set[str], int] | None:
    """The group addressee that starts at token ``i``, if one does: (start, end, sides, next
    token). A "Bộ"/"Ủy ban nhân dân"/"tỉnh" followed by a capitalised name is the start of that
    agency's name: the words of the run since its last comma or "và"/"and" are that agency's
    title ("Chủ tịch UBND các tỉnh Lâm Đồng, Đắk Nông"), so the run ends before them."""
    heads: list[tuple[str, ...]] = []
    sides: set[str] = set()
    plural = False
    j = i
    last_head_end = -1
    last_head_j = i
    boundary: tuple[list[tuple[str, ...]], set[str], bool, int, int] | None = None
    while j < len(tokens):
        if j > i and not _GROUP_SEPARATOR.fullmatch(text, tokens[j - 1][1], tokens[j][0]):
            break
        if j > i and ("," in text[tokens[j - 1][1] : tokens[j][0]] or tokens[j][2] in ("và", "and")):
            boundary = (list(heads), set(sides), plural, last_head_end, last_head_j)
        if any(s <= tokens[j][0] < e for s, e in specific):
            # an agency named right after the run: the run's last words are its title
            if heads and boundary is None:
                return None
            if boundary is not None and j - 1 >= i and tokens[j - 1][2] not in ("và", "and"):
                heads, sides, plural, last_head_end, last_head_j = boundary
            break
        match = _group_word(text, tokens, j)
        if match is None:
            break
        n = len(match)
        side = _GROUP_WORDS[match]
        after = tokens[j + n] if j + n < len(tokens) else None
        named = (
            after is not None
            and _group_word(text, tokens, j + n) is None
            and text[after[0] : after[0] + 1].isupper()
            and text[tokens[j + n - 1][1] : after[0]].strip() == ""
        )
        if side and named:
            # "Bộ Tài chính", "UBND tỉnh Quảng Ninh": an agency's own name begins here
            if boundary is None:
                return None
            heads, sides, plural, last_head_end, last_head_j = boundary
            break
        if match in _GROUP_PLURAL:
            plural = True
        if side:
            heads.append(match)
            sides.add(side)
            last_head_end = tokens[j + n - 1][1]
            last_head_j = j + n
        j += n
    if not heads:
        return None
    english_plural = any(h in _GROUP_EN_PLURAL_HEADS for h in heads)
    # One local body named by its kind, no list, no plural ("Chủ tịch tỉnh", "Chủ tịch UBND
    # tỉnh", "the Chairman of the provincial People's Committee"): the province named before.
    one_body = (
        sides == {"local"}
        and not plural
        and not english_plural
        and boundary is None
        and all(h in _SINGULAR_LOCAL for h in heads)
        and len(heads) >= 2
    )
    strong = [h for h in heads if h in _GROUP_STRONG]
    if not strong and not one_body:
        return None
    distinct = {h for h in heads if h not in (("ủy", "ban", "nhân", "dân"), ("ubnd",))}
    # Vietnamese has no plural form ("bộ, ngành, địa phương"); English does, and a run of
    # singular heads is one body ("the Chairman of the provincial People's Committee").
    english = all(word.isascii() for head in heads for word in head)
    if one_body:
        sides = {"one"}
    elif not (plural or english_plural or (len(distinct) >= 2 and not english)):
        return None
    # The run starts at its first word that is not a bare joiner like "the", "and", "of".
    start_j = i
    while start_j < last_head_j and tokens[start_j][2] in ("the", "and", "of", "và"):
        start_j += 1
    return tokens[start_j][0], last_head_end, sides, last_head_j


#: Vietnamese puts the predicate right after its subject, and its verbs are an open class no
#: list holds: after an agency subject, a lower-case word that is none of these function words
#: (tense and aspect markers of a reported fact, copulas, prepositions, conjunctions, reporting
#: verbs) starts what the agency is to do ("Các bộ, ngành, địa phương tiếp tục đăng ký ...").
_VI_FUNCTION_WORDS = (
    "đã vừa đang từng mới sắp là cho của với và hoặc hay trong tại về theo từ đến nêu nói phát "
    "biểu nhấn mạnh cho biết báo thông tin được bị cùng nhằm để khi nếu thì mà này đó nọ ấy "
    "gồm bao thuộc có không chưa ra vào lên xuống trên dưới sau trước giữa như bằng do vì nên "
    "rằng tới đây kia ở thay"
)
_VI_NOT_PREDICATE = frozenset(_VI_FUNCTION_WORDS.split())
_VI_WORD = re.compile(r"[^\W\d_]+")


def _vi_predicate(text: str, pos: int, opens: bool = False) -> bool:
    """Does a Vietnamese predicate start at ``pos`` (a lower-case content word, or, where it
    ``opens`` an item, a capitalised one)?"""
    m = _VI_WORD.match(text, pos)
    if m is None or not (m.group(0)[:1].islower() or opens):
        return False
    word = m.group(0).lower()
    if word in _VI_NOT_PREDICATE:
        return False
    # "cho biết", "nhấn mạnh", "phát biểu": two-word reporting verbs
    two = re.match(r"[^\W\d_]+\s+[^\W\d_]+", text[pos:])
    return not (two and two.group(0).lower() in _VI_NOT_PREDICATE_PAIRS)


_VI_NOT_PREDICATE_PAIRS = frozenset({"cho biết", "nhấn mạnh", "phát biểu", "báo cáo", "thông tin", "đề nghị"})


#: An English manner adverb (and a second one joined by "and") before the verb it qualifies.
_EN_ADVERBS = re.compile(r"([A-Za-z]{3,}ly)(?:,?\s+and\s+[A-Za-z]{3,}ly)?\s+(?=[a-z])")
#: Words ending in "-ly" that are not manner adverbs.
_EN_LY_WORDS = (
    "apply supply reply rely comply multiply july italy family assembly anomaly monopoly rally "
    "ally early only daily weekly monthly quarterly yearly likely unlikely friendly elderly "
    "holy lonely costly orderly timely"
)
_EN_NOT_ADVERBS = frozenset(_EN_LY_WORDS.split())


#: The kind word before a province's name in a register name or alias ("ủy ban nhân dân tỉnh").
_PLACE_KIND = re.compile(r"(?:^|\s)(?:tỉnh|thành phố)\s")
#: A list of provinces opened by its kind: "các tỉnh Quảng Ninh, Hải Phòng và Thái Bình".
_PLACES_OPEN = re.compile(
    r"\bcác\s+tỉnh(?:,\s*thành\s+phố)?\s*:?\s+(?=["
    + "A-ZĐÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
    + "])"
)
#: Between provinces listed after one named with its kind: a comma or "và", not a full stop.
_PLACE_SEPARATOR = re.compile(r"\s*(?:,\s*(?:và\s+)?|\s+và\s+)")

#: The modals of an obligation (not "is expected to", a forecast).
_OBLIGATION = re.compile(r"must|shall|should|needs?\s+to|ha(?:s|ve)\s+to|phải|cần(?:\s+phải)?", re.IGNORECASE)

#: A subject of a few plain words: "Competent agencies", "Each agency", "State-owned enterprises".
_PLAIN_SUBJECT = re.compile(r"(?:[\w'-]+\s+){0,4}[\w'-]+\s+(?:also\s+|cũng\s+)?")
#: After a modal, the passive: "(must) be strictly handled", "(phải) được xử lý".
_PASSIVE = re.compile(r"\s+(?:be\s+(?:\w+ly\s+)?\w+(?:ed|en|wn|ne|nt|de|ld)\b|được\s+\w)", re.IGNORECASE)

#: "(the Ministry of Health) to stock ...": an addressee's duty in English.
_TO_INFINITIVE = re.compile(r"\s*to\s+(?!the\b|a\b|an\b|be\b)([a-z][a-z-]+)\b")

#: "also" right before a request: it goes on addressing the parties named before.
_ALSO = re.compile(r"\b(?:also|cũng)\s*$", re.IGNORECASE)

#: What may follow the addressees of a heading before its colon.
HEADING_TAIL = re.compile(
    r"(?:có\s+(?:nhiệm\s+vụ|trách\s+nhiệm)|thực\s+hiện|is\s+responsible\s+for|are\s+responsible\s+for|"
    r"shall|will|to|is\s+requested\s+to|are\s+requested\s+to)",
    re.IGNORECASE,
)

_UPPER = "A-ZĐÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"

#: A title and given names right before a name: the name is a person's ("Minister Nguyen Hoa Binh").
PERSON_BEFORE = re.compile(
    r"\b(?:Minister|Thủ\s+tướng|Bộ\s+trưởng|Chủ\s+tịch|Chairman|Chairwoman|Governor|Thống\s+đốc|đồng\s+chí|"
    r"Mr\.?|Ms\.?|Mrs\.?|ông|bà)(?:\s+(?:Thường\s+trực|Permanent|Standing))?"
    r"(?:\s+[" + _UPPER + r"]\w*){1,2}\s+$"
)

#: A Deputy Prime Minister (or a comrade) addressed by name: a person, not an agency.
_PERSON_ADDRESSEE = re.compile(
    r"(?:(?:the\s+)?(?:Permanent|Standing)\s+)?(?:Deputy\s+Prime\s+Minister|Phó\s+Thủ\s+tướng(?:\s+Thường\s+trực)?"
    r"(?:\s+Chính\s+phủ)?|đồng\s+chí)\s+[" + _UPPER + r"]\w*\s+[" + _UPPER + r"]"
)

#: Where a list of ministries by short name begins.
ENUMERATION = re.compile(
    r"\b(?:các\s+Bộ\s*:|Minist(?:ries|ers)\s+of(?:\s+the)?|Bộ\s+trưởng(?:\s+các\s+Bộ)?(?=\s+(?-i:[A-ZĐ])))\s*",
    re.IGNORECASE,
)


@dataclass
class Rules:
    entities: EntityMatcher
    deadlines: dict[str, list[DeadlineRule]]
    results: dict[str, list[ResultRule]]
    recurrences: dict[str, list[RecurrenceRule]]
    cues: dict[str, Cues]


# --- output -----------------------------------------------------------------------------------


@dataclass
class Draft:
    """One proposed task. Agencies are codes; the services turn them into rows on accept."""

    source_sentence: str
    clause: str
    action: str
    lead_agency: str | None = None
    lead_agencies: list[str] = field(default_factory=list)
    lead_phrase: str = ""
    lead_inherited: bool = False
    coordinating_agencies: list[str] = field(default_factory=list)
    deadline: dt.date | None = None
    deadline_phrase: str = ""
    recurrence: str = ""
    expected_result: str = ""
    result_kind: str = ""
    target_value: Decimal | None = None
    target_unit: str = ""
    missing_clears: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["deadline"] = self.deadline.isoformat() if self.deadline else None
        data["target_value"] = str(self.target_value) if self.target_value is not None else None
        return data


class _DraftBase(TypedDict):
    """What every draft of one clause shares (one draft per target the clause splits into)."""

    source_sentence: str
    lead_agency: str | None
    lead_agencies: list[str]
    lead_phrase: str
    lead_inherited: bool
    coordinating_agencies: list[str]
    deadline: NotRequired[dt.date | None]
    deadline_phrase: NotRequired[str]
    recurrence: NotRequired[str]


# --- normalisation and splitting --------------------------------------------------------------

#: Old-style tone placement (hoà, thuỷ) mapped to the form the register uses (hòa, thủy);
#: same length, so positions in the text do not move.
_TONE_FIXES = {
    "oà": "òa",
    "oá": "óa",
    "oả": "ỏa",
    "oã": "õa",
    "oạ": "ọa",
    "oè": "òe",
    "oé": "óe",
    "oẻ": "ỏe",
    "oẽ": "õe",
    "oẹ": "ọe",
    "uỳ": "ùy",
    "uý": "úy",
    "uỷ": "ủy",
    "uỹ": "ũy",
    "uỵ": "ụy",
}
_TONE_VARIANTS = sorted(
    {v for k in _TONE_FIXES for v in (k, k.upper(), k[0].upper() + k[1:], k[0] + k[1:].upper())},
    key=len,
    reverse=True,
)
#: Case variants spelled out rather than IGNORECASE: on a 500 KB text the case-folding
#: regex cost 0.3 s, the plain one a tenth of that.
_TONE_RE = re.compile("(?:" + "|".join(_TONE_VARIANTS) + ")(?![\\wà-ỹÀ-Ỹ])")
_QUOTES = (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("\u00a0", " "), ("\u200b", " "))


def _fix_tone(m: re.Match[str]) -> str:
    if m.group(0)[0] in "uU" and m.start() > 0 and m.string[m.start() - 1] in "qQ":
        return m.group(0)  # "quý": after q the u is part of the consonant, the tone is right
    fixed = _TONE_FIXES[m.group(0).lower()]
    if m.group(0).isupper():
        return fixed.upper()
    return fixed[:1].upper() + fixed[1:] if m.group(0)[:1].isupper() else fixed


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    for old, new in _QUOTES:  # str.replace: str.translate with a dict is slow on long texts
        text = text.replace(old, new)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # "oà" only at a syllable's end is the old placement ("hoà"); "oàn" (toàn) is not.
    return _TONE_RE.sub(_fix_tone, text)


_VI_CHARS = set("ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")


_LETTER = re.compile(r"[^\W\d_]")
_VI_LETTER = re.compile("[" + "".join(sorted(_VI_CHARS)) + "]", re.IGNORECASE)


def detect_language(text: str) -> str:
    """Vietnamese when over 3% of the letters carry its marks; the first 20,000 characters
    tell (a character-by-character loop over 500 KB cost a third of a second)."""
    sample = text[:20_000]
    letters = len(_LETTER.findall(sample))
    if not letters:
        return "en"
    return "vi" if len(_VI_LETTER.findall(sample)) / letters > 0.03 else "en"


#: An item's number or letter: "2.", "(2)", "2-", "a)", "II.".
_ITEM_NUMBER = r"\(?[a-zđ]\)|\(?\d{1,2}[.)]|\d{1,2}\s?[-–]|[IVX]{1,4}\."
BULLET = re.compile(r"^\s*(?:[-–•*+]|" + _ITEM_NUMBER + r")\s+", re.IGNORECASE)
_ABBREVIATIONS = {"no", "mr", "mrs", "ms", "dr", "st", "e.g", "i.e", "vs", "art", "tp", "ts", "ths"}


def is_heading(line: str) -> bool:
    """A title or caption: no closing punctuation. Bulleted lines are never headings, nor is a
    paragraph whose last sentence was cut off (a page's excerpt, a paste that stopped short): one
    that holds a finished sentence already, or is longer than any title."""
    if BULLET.match(line):
        return False
    if re.search(r"[.!?;:…\"')]\s*$", line):
        return False
    return not (_SENTENCE_INSIDE.search(line) or len(line.split()) > HEADING_MAX_WORDS)


#: A sentence that reports the document being signed or issued, with what it asks: a news
#: item's opening summary ("Thủ tướng ký Công điện số 1033 chỉ đạo ...", "The Prime Minister
#: has signed Official Dispatch No. 92 asking ...").
_SUMMARY = re.compile(
    r"\b(?:ký|ban\s+hành|có|gửi)\s+(?:ban\s+hành\s+)?(?:công\s+điện|chỉ\s+thị|thông\s+báo(?:\s+kết\s+luận)?)"
    r"(?:(?:\s+(?:số|khẩn))?\s+[\d\w/-]*\d|(?=\s+(?:yêu\s+cầu|đề\s+nghị|chỉ\s+đạo)\b))|"
    r"\b(?:signed|issued|sent|released)\b[^.;]{0,40}?\b(?:official\s+(?:dispatch|telegram|telegraph)|"
    r"dispatch|directive|notice|telegram)(?:\s+(?:No\.?\s*)?\d|(?=\s+(?:requesting|asking|urging|directing|calling)\b))",
    re.IGNORECASE,
)
#: "... were (also) requested to", "... cũng được yêu cầu": the words before a request in the passive.
_PASSIVE_REQUEST = re.compile(r"\s+(?:was|were|is|are|has\s+been|have\s+been)\s+(?:also\s+)?$", re.I)
#: A subject that names a party by a capitalised name ("The State Treasury", "Regional
#: coordinating councils", "Deputy Prime Minister Le Thanh Long"), not "the bank" or "they".
_NAMED_PARTY = re.compile(
    r"\s*(?!(?i:they|he|she|it|we|this|these|those|all|each)\b)(?:[Tt]he\s+(?=[A-Z])|(?![Tt]he\b))"
    r"[A-Z][\w'-]*(?:\s+[\w'-]+){0,12}?(?<!\bthey)(?<!\bhe)(?<!\bshe)(?<!\bit)(?<!\bwe)\s*"
)
#: The Party secretaries named with the chairmen they stand beside ("Bí thư, Chủ tịch Ủy ban nhân
#: dân các tỉnh ...", "the Secretaries of the Provincial Party Committees and request the Chairmen
#: of ..."): the register holds the People's Committees, so the chairmen's committees lead.
_SECRETARY_LEAD_IN = re.compile(
    r"(?:(?:các\s+(?:đồng\s+chí\s+)?)?bí\s+thư(?:\s+(?:tỉnh|thành)\s+ủy)?(?:\s*,\s*|\s+và\s+)(?=chủ\s+tịch)|"
    r"(?:the\s+)?(?:party\s+)?secretar(?:y|ies)(?:\s+of\s+(?:the\s+)?(?:[\w-]+\s+){0,4}?(?:party\s+)?committees?)?"
    r"(?:\s*,\s*|\s+and\s+)(?:(?:request|ask)\s+)?(?=(?:the\s+)?chair))",
    re.IGNORECASE,
)
#: Between an issuer and its verb: "has just", "vừa", "on Monday".
_SUBJECT_GAP = re.compile(r"[\s,]*(?:\w+\s+){0,2}")
#: The verb that reports a document's issue ("the Government Office issued Notice No. 143 ...",
#: "Văn phòng Chính phủ vừa ban hành Thông báo ..."): its subject is the issuer, not an addressee.
_ISSUED = re.compile(
    r"\b(?:signed|issued|promulgated|has\s+just\s+issued|vừa\s+ký|đã\s+ký|ký|ban\s+hành)\b", re.IGNORECASE
)
#: Words that may open an addressee heading before the addressee ("Đối với Bộ Y tế:").
_HEADING_LEAD_IN = re.compile(
    r"(?:(?:đối\s+với|về\s+phía|riêng|giao|for|as\s+for|regarding|with\s+regard\s+to)\s+(?:the\s+)?)?"
    r"(?:(?:các\s+)?đồng\s+chí|comrades?)?\s*",
    re.IGNORECASE,
)
#: A news agency's dateline before the first sentence ("HÀ NỘI — ", "Hanoi (VNA) – "): the place
#: of the newsroom, not an addressee.
_DATELINE = re.compile(
    r"^(?:(?![IVXLC]+\s*[—–-])[" + _UPPER + r"]{2,}(?:[ .][" + _UPPER + r"]{2,}){0,3}|"
    r"[A-Z][\w .]{1,30}\((?:VNA|VNS|VOV|VGP|TTXVN)\))\s*[—–-]\s+"
)
#: A numbered or lettered item ("2.", "II.", "a)"), not a dash: it begins a new duty.
NUMBERED = re.compile(r"^\s*(?:" + _ITEM_NUMBER + r")\s+", re.IGNORECASE)
#: The longest title a notice or a news page puts on a line of its own, in words.
HEADING_MAX_WORDS = 40
_SENTENCE_INSIDE = re.compile(r"[.!?;]\s+[" + _UPPER + r"]")


def split_sentences(line: str) -> list[str]:
    sentences, start = [], 0
    for m in re.finditer(r"[.!?…]+[\"')]?\s+", line):
        nxt = line[m.end() : m.end() + 1]
        word = re.search(r"([\w.]+)[.!?…]+[\"')]?\s+$", line[start : m.end()])
        if not nxt or not (nxt.isupper() or nxt in "\"'(“") or nxt.isdigit():
            continue
        if word and word.group(1).lower().rstrip(".") in _ABBREVIATIONS:
            continue
        sentences.append(line[start : m.end()].strip())
        start = m.end()
    if line[start:].strip():
        sentences.append(line[start:].strip())
    return sentences


# --- deadlines, results, recurrence -----------------------------------------------------------

MONTHS = {
    name: i
    for i, names in enumerate(
        [
            (),
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for name in names
}
QUARTERS = {
    "first": 1,
    "1st": 1,
    "i": 1,
    "1": 1,
    "second": 2,
    "2nd": 2,
    "ii": 2,
    "2": 2,
    "third": 3,
    "3rd": 3,
    "iii": 3,
    "3": 3,
    "fourth": 4,
    "4th": 4,
    "iv": 4,
    "4": 4,
}


_SPAN_MONTHS = {"three": 3, "six": 6, "nine": 9}


def _month(value: str | None) -> int | None:
    if not value:
        return None
    value = value.lower().rstrip(".")
    if value.isdigit():
        return int(value) if 1 <= int(value) <= 12 else None
    # "the first six months of 2025": the month the span ends in
    return MONTHS.get(value) or _SPAN_MONTHS.get(value)


def _end_of_month(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def resolve_deadline(rule: DeadlineRule, m: re.Match[str], reference: dt.date | None) -> dt.date | None:
    """The date a matched phrase means, or None for relative wording ("urgently")."""
    groups = {k: v for k, v in m.groupdict().items() if v}
    default_year = reference.year if reference else dt.date.today().year
    year = int(groups["year"]) if "year" in groups else default_year
    month = _month(groups.get("month"))
    try:
        if rule.resolution == "exact_date":
            if month is None or "day" not in groups:
                return None
            date = dt.date(year, month, int(groups["day"]))
        elif rule.resolution == "end_of_month":
            if month is None and "current" in groups and reference is not None:
                month = reference.month  # "within this month", "trong tháng này"
            if month is None:
                return None
            date = _end_of_month(year, month)
        elif rule.resolution == "end_of_quarter":
            quarter = QUARTERS.get(groups.get("quarter", "").lower())
            if quarter is None:
                return None
            date = _end_of_month(year, quarter * 3)
        elif rule.resolution == "end_of_year":
            date = dt.date(year, 12, 31)
        elif rule.resolution == "named_session":
            if rule.fixed_date and month is None:
                date = rule.fixed_date
            elif month is not None:
                date = _end_of_month(year, month)
            else:
                return None
        else:
            return None
    except ValueError:  # 31/2, month 13: not a date
        return None
    return date + dt.timedelta(days=rule.offset_days)


#: A date that describes the works the task is about, not the task: "projects to be completed by
#: 2025", "projects scheduled to be completed by the end of 2025", "các dự án hoàn thành trong năm
#: 2025". After a comma ("..., to be completed in March 2025") the date is the task's own.
#: The date a document was issued, after its number: "Công điện số 114/CĐ-TTg ngày 7/11/2024",
#: "Official Dispatch No. 97/CD-TTg dated September 21" (ninth pass: it had been taken for the
#: deadline of the summary that follows).
_DOCUMENT_DATE = re.compile(
    r"\d+\s*/\s*[\w\s-]{0,12}?[A-ZĐ]{2,}[\w-]*\s*,?\s*(?:ngày|dated|of|on|issued\s+on)?\s*\(?$"
)
_DESCRIBES_OBJECT = re.compile(
    r"(?:"
    # a relative clause right after a noun: "the bridges scheduled to be completed by"
    r"[\w-]\s+(?:(?:that|which)\s+(?:are|is|will\s+be|must\s+be)\s+|(?:scheduled|expected|planned|due|slated|set)"
    r"\s+to\s+be\s+)"
    # "projects to be completed by", "các dự án phải hoàn thành trong"
    r"|\b(?:projects?|works|sections?|routes?|expressways?|roads?|bridges?|railways?|airports?|ports?|"
    r"buildings?|facilities|apartments|dự\s+án|công\s+trình|tuyến)(?:\s+(?!(?:to|by|in|before)\b)[\w-]+){0,3}"
    r"\s+(?:to\s+be\s+|phải\s+|sẽ\s+|dự\s+kiến\s+)?"
    r")"
    r"(?:completed|finished|put\s+into\s+operation|opened|operational|hoàn\s+thành|đưa\s+vào\s+(?:khai\s+thác|sử\s+dụng|vận\s+hành))"
    r"\s*$",
    re.IGNORECASE,
)


#: A year inside the title of a document the clause cites ("Directive No. 15/CT-TTg ... on the
#: High School Graduation Exam and university admissions in 2024"): the title's year, not a
#: deadline.
_IN_A_TITLE = re.compile(
    r"\b(?:Directive|Decree|Resolution|Decision|Notice|Conclusion|Chỉ\s+thị|Nghị\s+định|Nghị\s+quyết|"
    r"Quyết\s+định|Thông\s+báo|Kết\s+luận)\s+(?:No\.?\s*|số\s+)?[\w/-]*\d"
    # "... on the High School Graduation Exam in 2024", or the number's own year ("Notice 48/TB-VPCP
    # in 2024")
    r"(?:[^;.]*?\b(?:on|về|regarding)\b[^;.]*|[\w/-]*\s*)$",
    re.IGNORECASE,
)


@dataclass
class DeadlineFound:
    date: dt.date | None
    phrase: str
    start: int
    end: int


def find_deadline(
    text: str, rules: Iterable[DeadlineRule], reference: dt.date | None
) -> DeadlineFound | None:
    """The clause's deadline: a dated phrase beats relative wording; a phrase inside a longer
    one gives way ("in May 2025" inside "at the 9th Session in May 2025"); a date before the
    directive was issued is history, not a deadline."""
    lowered = text.lower()
    matches: list[tuple[DeadlineRule, re.Match[str]]] = []
    for rule in rules:
        if rule.gate in lowered:
            matches.extend((rule, m) for m in rule.regex.finditer(text))
    spans = [m.span() for _, m in matches]
    kept = [
        (rule, m)
        for rule, m in matches
        if not any(s <= m.start() and m.end() <= e and e - s > m.end() - m.start() for s, e in spans)
        and not _DESCRIBES_OBJECT.search(text, max(0, m.start() - 80), m.start())
        and not (
            "/" in text[max(0, m.start() - 60) : m.start()]
            and _DOCUMENT_DATE.search(text, max(0, m.start() - 60), m.start())
        )
        and not (
            rule.resolution == "end_of_year" and _IN_A_TITLE.search(text, max(0, m.start() - 300), m.start())
        )
    ]
    dated, relative = [], []
    for rule, m in kept:
        if rule.resolution == "no_date":
            relative.append(
                (rule.priority, m.start(), DeadlineFound(None, m.group(0).strip(), m.start(), m.end()))
            )
            continue
        date = resolve_deadline(rule, m, reference)
        if date is None or (reference is not None and date < reference):
            continue
        dated.append((rule.priority, m.start(), DeadlineFound(date, m.group(0).strip(), m.start(), m.end())))
    for pool in (dated, relative):
        if pool:
            return min(pool, key=lambda t: (t[0], t[1]))[2]
    return None


def find_recurrence(text: str, rules: Iterable[RecurrenceRule]) -> tuple[str, str]:
    best = None
    lowered = text.lower()
    for rule in rules:
        m = rule.regex.search(text) if rule.gate in lowered else None
        if m and (best is None or m.start() < best[1].start()):
            best = (rule, m)
    return (best[0].recurrence, best[1].group(0)) if best else ("", "")


@dataclass
class ResultFound:
    text: str
    kind: str
    value: Decimal | None
    unit: str


def find_result(text: str, rules: Iterable[ResultRule], strip: str = "") -> ResultFound | None:
    """The first result the clause names (the object of its verb comes first)."""
    best = None
    lowered = text.lower()
    for rule in rules:
        if rule.gate not in lowered:
            continue
        for m in rule.regex.finditer(text):
            if "result" not in rule.regex.groupindex or not m.group("result"):
                continue
            key = (m.start("result"), rule.priority)
            if best is None or key < best[0]:
                best = (key, rule, m)
            break
    if best is None:
        return None
    _, rule, m = best
    result = m.group("result").strip(" ,;:.")
    if strip and strip in result:
        result = result.replace(strip, "").strip(" ,;:.")
    result = re.sub(r"\s+(?:to\s+be\s+completed|for\s+submission|và|and|to)$", "", result).strip(" ,;:.")
    value = None
    if "value" in rule.regex.groupindex and m.group("value"):
        try:
            value = Decimal(m.group("value").replace(",", "."))
        except InvalidOperation:
            value = None
    return ResultFound(result[:1000], rule.result_kind, value, rule.unit if value is not None else "")


# --- clauses ----------------------------------------------------------------------------------

_CONNECTOR = re.compile(
    r"(?:[\s,;&]|\b(?:and|và|the|các|with|cùng|all|của|as\s+well\s+as|từ|đến)\b)*", re.IGNORECASE
)
#: An office-holder's title before an agency's name: the holder acts for the agency ("Bộ trưởng
#: Bộ Tài chính", "Chủ tịch Ủy ban nhân dân tỉnh Lâm Đồng", "the Governor of the State Bank").
_TITLE_OF = (
    r"(?:(?:phó\s+)?(?:bộ\s+trưởng|thủ\s+trưởng|chủ\s+tịch|giám\s+đốc|tổng\s+giám\s+đốc|thống\s+đốc|"
    r"tổng\s+cục\s+trưởng|cục\s+trưởng|lãnh\s+đạo|người\s+đứng\s+đầu)\s+|"
    r"(?:(?:deputy|vice)\s+)?(?:minister|head|heads|chairman|chairmen|chairperson|chairpersons|chairwoman|"
    r"chair|governor|director|director\s+general|leaders?|leadership)\s+of\s+(?:the\s+)?)"
)
_SUBJECT_LEAD_IN = re.compile(
    r"(?:the\s+|giao\s+|các\s+|đồng\s+chí\s+)?"
    r"(?:(?:bộ\s+trưởng\s+)?các\s+bộ\s*:\s*|(?:ministers\s+of\s+the\s+)?ministries\s+of\s+(?:the\s+)?|"
    r"ministers\s+of\s+(?:the\s+)?|"
    # "the People's Committee of Dong Nai province", "Chairman of the People's Committee of ..."
    r"(?:(?:chairman|chairmen|chairperson|chairpersons|chair)\s+of\s+(?:the\s+)?)?people['’]s\s+committees?\s+of\s+"
    r"(?:the\s+)?|"
    # "Ủy ban nhân dân các tỉnh: Lào Cai, Yên Bái": the provinces named after the colon
    r"(?:(?:bí\s+thư,\s*)?chủ\s+tịch\s+)?(?:ủy\s+ban\s+nhân\s+dân|ubnd)\s+các\s+tỉnh(?:,\s*thành\s+phố)?\s*:\s*|"
    # "Chủ tịch UBND các tỉnh Lâm Đồng, Đắk Nông": the title before the provinces named
    # (no look-ahead: the run's joiner is matched on the words before the name alone)
    r"(?:(?:bí\s+thư,\s*)?chủ\s+tịch\s+)?(?:ủy\s+ban\s+nhân\s+dân|ubnd)\s+(?:các\s+)?|" + _TITLE_OF + r")?",
    re.IGNORECASE,
)


#: Before the first name of a run: connectors and subject lead-ins ("giao các Bộ: ...").
_JOINER = re.compile(
    "(?:" + _CONNECTOR.pattern + ")(?:" + _SUBJECT_LEAD_IN.pattern + ")(?:" + _CONNECTOR.pattern + ")",
    re.IGNORECASE,
)


#: Between two names of a run: connectors, and a title before the next ("..., and Chairmen of
#: People's Committees of provinces").
_NEXT = re.compile(
    "(?:" + _CONNECTOR.pattern + ")(?:" + _TITLE_OF + ")?(?:" + _CONNECTOR.pattern + ")", re.IGNORECASE
)


@dataclass
class Clause:
    text: str
    first: bool
    #: The clause before it in the sentence was a task ("X shall ...; must also ...").
    follows_task: bool = False
    #: A further addressee of the request before it ("..., and the State Bank to ...").
    addressed: bool = False


@dataclass
class Reading:
    is_task: bool = False
    lead: list[Entity] = field(default_factory=list)
    lead_phrase: str = ""
    action_start: int = 0
    excluded: bool = False
    #: The clause addresses a party the register does not know ("asked agencies to"): it
    #: inherits no lead either.
    vague: bool = False


class Parser:
    def __init__(self, rules: Rules, *, language: str, reference_date: dt.date | None) -> None:
        self.rules = rules
        self.language = language
        self.reference = reference_date
        self.cues = rules.cues.get(language, Cues())
        self.deadline_rules = rules.deadlines.get(language, [])
        self.result_rules = rules.results.get(language, [])
        self.recurrence_rules = rules.recurrences.get(language, [])
        self.stop_at: float | None = None
        #: The agencies of each text read since the last line: a clause is looked at by several
        #: steps (is it a task, its lead, its coordinators, its action), each needing them.
        self._found: dict[str, list[tuple[int, int, Entity]]] = {}
        kinds = rules.entities.kinds
        self._place_codes = frozenset(code for kind in GROUP_SIDES["local"] for code in kinds.get(kind, ()))
        #: The province or city the text named last, which "Chủ tịch tỉnh" / "the provincial
        #: People's Committee" stands for.
        self._last_place: Entity | None = None

    def _note_places(self, text: str) -> None:
        for _, _, entity in self._find(text):
            if not entity.is_group and not entity.anaphor and entity.codes[0] in self._place_codes:
                self._last_place = entity

    def _resolve_anaphors(self, reading: Reading) -> None:
        """A local body named by its kind leads as the province or city named before it, or,
        where the text named none, as the provinces and cities (a dispatch to all of them)."""
        if not any(entity.anaphor for entity in reading.lead):
            return
        named = [entity for entity in reading.lead if not entity.anaphor]
        if named:
            reading.lead = named
        elif self._last_place is not None:
            reading.lead = [self._last_place]
        else:
            reading.lead = [Entity(reading.lead_phrase, tuple(sorted(self._place_codes)), True)]

    def _find(self, text: str) -> list[tuple[int, int, Entity]]:
        found = self._found.get(text)
        if found is None:
            found = self._found[text] = self.rules.entities.find(text, fold=self.language == "en")
        return found

    # -- cue helpers

    def _skip_discourse(self, text: str, pos: int) -> int:
        """Skip enumerators and lead-in words ("At the same time, urgently ...")."""
        while True:
            m = BULLET.match(text, pos) if pos == 0 else None
            if m:
                pos = m.end()
                continue
            ws = re.match(r"[\s,]*", text[pos:])
            pos += ws.end() if ws else 0
            if self.cues.discourse is not None:
                m = self.cues.discourse.match(text, pos)
                if m and m.end() > pos:
                    pos = m.end()
                    continue
            if self.language == "en":
                # Manner adverbs are an open class: "Flexibly and effectively use ...".
                m = _EN_ADVERBS.match(text, pos)
                if m and m.group(1).lower() not in _EN_NOT_ADVERBS:
                    pos = m.end()
                    continue
            return pos

    def _starts_with_verb(self, text: str, pos: int, allow_ing: bool, imperative: bool = False) -> bool:
        """Does an action verb start at ``pos``? With no subject before it (``imperative``), an
        English verb counts without its -ed form."""
        verbs = (
            self.cues.action_verb_base if imperative and self.cues.action_verb_base else self.cues.action_verb
        )
        if verbs is not None and verbs.match(text, pos):
            return True
        return bool(
            allow_ing and self.cues.action_verb_ing is not None and self.cues.action_verb_ing.match(text, pos)
        )

    def _entity_run(
        self, text: str, pos: int, found: list[tuple[int, int, Entity]]
    ) -> tuple[list[Entity], int]:
        """Agencies named one after another from ``pos`` ("the Ministry of Justice and the
        Ministry of Public Security"); returns them and where the run ends."""
        by_start = {s: (e, ent) for s, e, ent in found}
        run: list[Entity] = []
        end = pos
        cursor = pos
        while True:
            joiner = _JOINER if not run else _NEXT
            skip = joiner.match(text, cursor)
            at = skip.end() if skip else cursor
            # A name may begin with a connector word ("các địa phương", "the Ministries of").
            starts = [s for s in by_start if cursor <= s <= at and joiner.fullmatch(text, cursor, s)]
            if starts:
                e, ent = by_start[min(starts)]
                run.append(ent)
                cursor = end = e
                continue
            return run, end

    def _strip_vague_party(self, text: str, pos: int) -> int:
        skip = _CONNECTOR.match(text, pos)
        at = skip.end() if skip else pos
        if self.cues.vague_party is not None:
            m = self.cues.vague_party.match(text, at)
            if m:
                return m.end()
        return pos

    # -- reading one clause

    def starts_action(self, clause: str, first: bool) -> bool:
        """Does this semicolon clause start an action of its own (else it is glued back)?"""
        pos = self._skip_discourse(clause, 0)
        if self._starts_with_verb(clause, pos, allow_ing=not first, imperative=True):
            return True
        # A word that is a verb as well as a lead-in ("chủ động phương án ...": "be ready with")
        opening = _run_end(r"[\s,]*", clause, 0)
        if pos > opening and self._starts_with_verb(clause, opening, allow_ing=False, imperative=True):
            return True
        if not first and self.cues.modal is not None and self.cues.modal.match(clause, pos):
            return True
        found = self._find(clause)
        run, end = self._entity_run(clause, pos, found)
        # After a semicolon an agency may continue a list of addressees ("các Bộ trưởng, ...;
        # Chủ tịch Ủy ban nhân dân các tỉnh ... gương mẫu"): only a verb or modal starts an action.
        return bool(run) and self._after_subject(clause, end, open_predicate=False) is not None

    def _after_subject(
        self, text: str, pos: int, apposition: bool = True, open_predicate: bool = True
    ) -> int | None:
        """Where the action starts after an agency subject, if a modal, "chủ trì" or a verb
        follows it; None if the words after it are not an action (a list of addressees)."""
        pos = _run_end(r"[\s,]*", text, pos)
        pos = _run_end(r"(?:\([^)]*\)\s*,?\s*)?", text, pos)
        # "Binh Phuoc and Dak Nong provinces speed up ...", "Hoa Binh province urgently ..."
        pos = _run_end(r"(?:(?:provinces?|cities|city|tỉnh|thành\s+phố)\b\s*,?\s*)?", text, pos)
        for cue in (self.cues.modal, self.cues.lead):
            if cue is not None:
                m = cue.match(text, pos)
                if m:
                    return _run_end(r"[\s,]*", text, m.end())
        start = self._skip_discourse(text, pos)
        if self._starts_with_verb(text, start, allow_ing=False):
            return start
        if open_predicate and self.language == "vi" and _vi_predicate(text, start):
            return start
        return self._after_apposition(text, pos) if apposition else None

    def _after_apposition(self, text: str, pos: int) -> int | None:
        """Where the action starts after an apposition to the subject: "The Minister of Finance -
        Deputy Head of the Steering Committee 389 focuses on ...", "Bộ Công Thương, cơ quan thường
        trực của Ban Chỉ đạo, chủ trì ...". After a dash the action may follow any word; after a
        comma only a closing comma."""
        opener = re.match(r"\s*([-–—]|,)\s*", text[pos : pos + 5])
        if opener is None:
            return None
        dash = opener.group(1) != ","
        window_end = _run_end(r"[^;.:]{0,150}", text, pos)
        for m in re.finditer(r"(,\s*|\s+)(?=\w)", text[pos + opener.end() : window_end]):
            if not dash and not m.group(1).startswith(","):
                continue
            at = pos + opener.end() + m.end()
            for cue in (self.cues.modal, self.cues.lead):
                found = cue.match(text, at) if cue is not None else None
                if found is not None:
                    return _run_end(r"[\s,]*", text, found.end())
            start = self._skip_discourse(text, at)
            if self._starts_with_verb(text, start, allow_ing=False):
                return start
        return None

    def read(self, clause: Clause, deadline: DeadlineFound | None, in_list: bool) -> Reading:
        text = clause.text
        reading = Reading()
        reading.excluded = self.cues.excludes(self.cues.exclude_clause, text)
        found = self._find(text)
        pos = self._skip_discourse(text, 0)

        # An agency subject followed by a modal, "chủ trì" or a verb.
        run, end = self._entity_run(text, pos, found)
        if run:
            named = self._named_after_colon(text, end, found)
            if named is not None:
                run, end = named
            # "Bộ Ngoại giao, Bộ Công Thương và các cơ quan liên quan theo dõi ...": the parties
            # the register does not know add nobody
            end = self._strip_vague_party(text, end)
            action = self._after_subject(text, end)
            to = _TO_INFINITIVE.match(text, end) if clause.addressed else None
            if action is None and to is not None:
                action = to.end() - len(to.group(1))
            if action is not None:
                reading.is_task, reading.lead, reading.action_start = True, run, action
                reading.lead_phrase = text[pos:end].strip(" ,:")
                return reading
        # A party the register does not know as the subject ("Investors continue to mobilise
        # ...", "Các doanh nghiệp cần ..."): a task, with nobody named to lead it.
        vague_subject = self.cues.vague_party.match(text, pos) if self.cues.vague_party is not None else None
        if vague_subject is not None and not run:
            action = self._after_subject(text, vague_subject.end())
            if action is not None:
                reading.is_task, reading.vague, reading.action_start = True, True, action
                return reading
        # A request naming its addressees: "requires X to ...", "yêu cầu X ...".
        request = self.cues.request.search(text) if self.cues.request is not None else None
        addressees: tuple[list[Entity], int] = ([], 0)
        if request is not None:
            after = _run_end(r"[\s,]*(?:that\s+|rằng\s+)?", text, request.end())
            addressees = self._entity_run(text, after, found)
            # "requested that in the coming time, ministries ...", "request the Secretaries ...
            # and the Chairmen of ...": the addressees after a time phrase or the secretaries
            secretary = _SECRETARY_LEAD_IN.match(text, after)
            for later in (self._skip_discourse(text, after), secretary.end() if secretary else after):
                if not addressees[0] and later > after:
                    addressees = self._entity_run(text, later, found)
            named = self._named_after_colon(text, addressees[1], found) if addressees[0] else None
            if named is not None:
                addressees = named
            if addressees[0]:
                run, end = addressees
                to = re.match(r"\s*(?:to\s+|,\s*)?", text[end:])
                reading.is_task, reading.lead = True, run
                reading.lead_phrase = text[after:end].strip(" ,:")
                reading.action_start = self._skip_discourse(text, end + (to.end() if to else 0))
                return reading
            # "Assigns Deputy Prime Minister Ho Duc Phoc to direct ...", "giao Phó Thủ tướng ...
            # chỉ đạo": a request to a person, not an agency, leads nobody.
            if _PERSON_ADDRESSEE.match(text, after):
                reading.is_task, reading.vague = True, True
                reading.action_start = self._skip_discourse(text, after)
                return reading
        # An imperative: the clause starts with an action verb, or with a modal whose subject
        # was a pronoun ("They must ...").
        modal_first = self.cues.modal is not None and self.cues.modal.match(text, pos)
        lead_first = self.cues.lead is not None and self.cues.lead.match(text, pos)
        bullet = BULLET.match(text)
        opening = _run_end(r"[\s,]*", text, bullet.end() if bullet else 0)
        if (
            self._starts_with_verb(text, pos, allow_ing=clause.follows_task, imperative=True)
            # a verb that is also a lead-in ("chủ động phương án ...")
            or (pos > opening and self._starts_with_verb(text, opening, allow_ing=False, imperative=True))
            or (modal_first and (clause.follows_task or pos > 0))
            or lead_first  # "Chủ trì, phối hợp với ...": the heading named who
            # an item of an addressee's list in Vietnamese, whose verbs are an open class:
            # "+ Lưu trữ, bảo quản, bàn giao đầy đủ hồ sơ ..." under "- Các bộ, ...:"
            or (
                in_list
                and bullet is not None
                and self.language == "vi"
                and _vi_predicate(text, pos, opens=True)
            )
        ):
            reading.is_task, reading.action_start = True, pos
            return reading
        if request is not None:
            after = _run_end(r"[\s,]*(?:that\s+|rằng\s+)?", text, request.end())
            start = self._skip_discourse(text, after)
            reading.is_task, reading.action_start = True, start
            # "The State Bank has directed credit institutions to ...": the requester leads.
            subject = [(s, e, ent) for s, e, ent in found if e <= request.start()]
            if subject and not self._in_coordination(text, subject[0][0]):
                reading.lead = [ent for _, _, ent in subject]
                reading.lead_phrase = text[subject[0][0] : subject[-1][1]]
                return reading
            # "Regional coordinating councils were requested to ...", "The Chief of Office of the
            # Steering Committee was assigned to ...": a party the register does not know, asked
            # in the passive, leads nobody; a pronoun or "the province" goes on as before.
            passive = _PASSIVE_REQUEST.search(text, pos, request.start())
            if passive is not None and not subject and _NAMED_PARTY.fullmatch(text, pos, passive.start()):
                reading.vague = True
                return reading
            # "asked agencies to ...": a request to a party the register doesn't know is led by
            # nobody. A request that names no party at all ("Thủ tướng yêu cầu tăng cường ...",
            # "The Prime Minister also requested to focus on ...") goes on addressing the parties
            # named before it, as notices list one addressee's duties one after another (fourth
            # pass: on the 689 development tasks, lead right 0.88 when such a request was led by
            # nobody, 0.90 when it inherits).
            vague = self.cues.vague_party
            reading.vague = (
                vague is not None and bool(vague.match(text, start))
            ) or self._names_unknown_party(text, after)
            return reading
        # A modal whose subject names agencies ("all officials of ministries ... must").
        modal = self.cues.modal.search(text) if self.cues.modal is not None else None
        if modal is not None:
            before = [(s, e, ent) for s, e, ent in found if e <= modal.start()]
            if before and not self._in_coordination(text, before[0][0]):
                reading.is_task = True
                reading.lead = [ent for _, _, ent in before]
                reading.lead_phrase = text[before[0][0] : before[-1][1]]
                reading.action_start = pos
                return reading
        # An obligation in the passive, its subject what is to be done ("Violators must be
        # strictly handled", "The review must be reported to the Prime Minister", "Các vi phạm
        # phải được xử lý nghiêm"): a task of whoever the text addresses.
        if (
            modal is not None
            and modal.start() - pos <= 80
            and _OBLIGATION.fullmatch(modal.group(0))
            and _PASSIVE.match(text, modal.end())
        ):
            reading.is_task, reading.action_start = True, pos
            return reading
        # A party named in plain words, then an obligation and a verb ("Competent agencies must
        # work ...", "Medical establishments must raise ..."): a task of whoever the text
        # addresses.
        if (
            modal is not None
            and _OBLIGATION.fullmatch(modal.group(0))
            and _PLAIN_SUBJECT.fullmatch(text, pos, modal.start())
            and self._starts_with_verb(
                text, _run_end(r"\s*(?:also\s+|cũng\s+)?", text, modal.end()), allow_ing=False
            )
        ):
            reading.is_task, reading.action_start = True, pos
            return reading
        # A dated target: "By the end of June 2025, 100% of ... will be ...", or a list item.
        dated = deadline is not None and deadline.date is not None
        if (modal is not None or self._has_target(text)) and (dated or in_list):
            reading.is_task, reading.action_start = True, pos
        return reading

    def _issuer_is_no_addressee(self, text: str, reading: Reading) -> None:
        """ "On April 1, the Government Office issued Notice No. 143 on ... working with Hanoi
        City": the agency that issued a document does none of the duties that follow; the one it
        was issued about, named after the verb, is who they address (ninth pass: the issuer had
        led every duty of such a news item)."""
        issued = _ISSUED.search(text)
        if issued is None:
            return
        found = self._find(text)
        before = [(start, end) for start, end, _ in found if end <= issued.start()]
        # the issuer is the subject: the first agency named, right before the verb
        if len(before) != 1 or not _SUBJECT_GAP.fullmatch(text, before[0][1], issued.start()):
            return
        about = [entity for start, _, entity in found if start >= issued.end()]
        reading.lead = about
        reading.lead_phrase = about[0].label if about else ""

    def _names_unknown_party(self, text: str, pos: int) -> bool:
        """ "Đề nghị Ủy ban Trung ương Mặt trận Tổ quốc ...", "requested the Vietnam Fatherland Front
        to ...": a capitalised name after a request that is no agency of the register (nor a verb)
        is a party the register does not know, so nobody named before leads."""
        m = re.match(r"(?:the\s+)?([" + _UPPER + r"][\w'-]*)", text[pos:])
        if m is None:
            return False
        word = pos + m.start(1)
        return not self._starts_with_verb(text, word, allow_ing=True) and not (
            self.cues.discourse is not None and self.cues.discourse.match(text, word)
        )

    def _split_addressees(self, clause: Clause) -> list[Clause]:
        """A request to several addressees, each with its own duty: "asked the Ministry of
        Industry and Trade to secure power, and the State Bank to keep rates stable", "yêu cầu Bộ
        Công Thương bảo đảm cung ứng điện, Ngân hàng Nhà nước điều hành lãi suất": one clause per
        addressee. A name right after another name's comma is a list, not a new addressee."""
        text = clause.text
        request = self.cues.request.search(text) if self.cues.request is not None else None
        if request is None:
            return [clause]
        found = self._find(text)
        ends = {e for _, e, _ in found}
        cuts: list[int] = []
        for m in re.finditer(r",\s*(?:and\s+|và\s+)?|\s+(?:and|và)\s+", text[request.end() :]):
            at = request.end() + m.start()
            if at in ends or at - request.end() < 12:
                continue
            if self.cues.coordination is not None and self.cues.coordination.search(
                text, cuts[-1] if cuts else request.end(), at
            ):
                continue  # "coordinate with agencies and localities to ...": the partners
            seg_start = cuts[-1] if cuts else request.end()
            named = [e for s_, e, _ in found if seg_start <= s_ and e <= at]
            if not named or not (
                _TO_INFINITIVE.search(text, max(named), at)
                or (self.cues.action_verb is not None and self.cues.action_verb.search(text, max(named), at))
            ):
                continue  # the addressee before has no duty of its own: still a list of addressees
            start = request.end() + m.end()
            run, end = self._entity_run(text, start, found)
            if not run or any(s < start < e for s, e, _ in found):
                continue
            subject_acts = self._after_subject(text, end, apposition=False, open_predicate=False)
            if subject_acts is not None or _TO_INFINITIVE.match(text, end):
                cuts.append(at)
        if not cuts:
            return [clause]
        parts, prev = [], 0
        for cut in cuts:
            parts.append(text[prev:cut])
            prev = cut
        parts.append(text[prev:])
        first = Clause(parts[0].strip(), first=clause.first)
        rest = [
            Clause(re.sub(r"^[\s,]*(?:and\s+|và\s+)?", "", p).strip(), first=False, addressed=True)
            for p in parts[1:]
        ]
        return [first, *rest]

    def _named_after_colon(
        self, text: str, end: int, found: list[tuple[int, int, Entity]]
    ) -> tuple[list[Entity], int] | None:
        """A group followed by the agencies it means ("Chủ tịch UBND các tỉnh, thành phố: Huế,
        Đà Nẵng"): the named agencies, not the whole group."""
        colon = re.match(r"\s*:\s*", text[end:])
        if colon is None:
            return None
        run, run_end = self._entity_run(text, end + colon.end(), found)
        return (run, run_end) if run else None

    def addressee_heading(self, text: str) -> tuple[list[Entity], str, str] | None:
        """An addressee heading in the form of Decree 30/2020/ND-CP: "2. Bộ Tài nguyên và Môi
        trường:", "- Bộ Tài chính: Chỉ đạo ...", "The Ministry of Finance shall:", "Các Bộ: Công
        Thương, Tài chính:". Returns the addressees, their words, and what follows the colon."""
        # "Đối với Bộ Y tế:", "Về phía Bộ Công an:", "For the Ministry of Health:" (read before
        # lead-in words, which would take "Đối với UBND các tỉnh," for a topic)
        bullet = BULLET.match(text)
        lead_in = _HEADING_LEAD_IN.match(text, bullet.end() if bullet else 0)
        pos = lead_in.end() if lead_in is not None else self._skip_discourse(text, 0)
        colon = text.find(":", pos)
        if colon == -1:
            return None
        head = text[:colon]
        # Read the names in the whole line: "Ủy ban nhân dân các tỉnh: Sơn La, ..." opens a list
        # of provinces, which the words before the colon alone would take for a group.
        found = [f for f in self._find(text) if f[1] <= colon]
        run, end = self._entity_run(head, pos, found)
        if not run:
            # "Các Bộ: Công Thương, Tài chính:": the list sits after the first colon.
            second = text.find(":", colon + 1)
            if second == -1 or not re.fullmatch(
                r"\s*(?:các\s+)?(?:bộ|ministries)\s*", head[pos:], re.IGNORECASE
            ):
                return None
            found = self._find(text[:second])
            run, end = self._entity_run(text[:second], colon + 1, found)
            if not run or text[end:second].strip(" ,"):
                return None
            return run, text[pos:second].strip(" ,"), text[second + 1 :].strip()
        tail = self._without_coordination(head[end:]).strip(" ,")
        if tail and not (
            (self.cues.modal is not None and self.cues.modal.fullmatch(tail))
            or HEADING_TAIL.fullmatch(tail)
            or (self.cues.lead is not None and self.cues.lead.fullmatch(tail))
        ):
            return None
        return run, head[pos:end].strip(" ,"), text[colon + 1 :].strip()

    def _without_coordination(self, text: str) -> str:
        """A heading's words after its addressees without "phối hợp với X" / "in coordination
        with X" ("Bộ Công Thương chủ trì, phối hợp với Bộ Tài chính:"): the coordinators are
        the heading's, and its items take them."""
        if self.cues.coordination is None:
            return text
        m = self.cues.coordination.search(text)
        if m is None:
            return text
        found = self._find(text)
        run, end = self._entity_run(text, m.end(), found)
        end = end if run else self._strip_vague_party(text, m.end())
        if end == m.end():
            return text
        return (text[: m.start()] + " " + text[end:]).replace(" ,", ",")

    def is_deadline_clause(self, text: str) -> bool:
        """ "...; report to the Government in July 2025", "The work must be done before August 1",
        "; hoàn thành trước ngày 15/10/2024": the deadline of the task before it, not a task."""
        if self.cues.deadline_clause is None:
            return False
        return bool(self.cues.deadline_clause.match(text, self._skip_discourse(text, 0)))

    def _has_target(self, text: str) -> bool:
        return any(r.result_kind == "indicator" and r.regex.search(text) for r in self.result_rules)

    def _in_coordination(self, text: str, pos: int) -> bool:
        if self.cues.coordination is None:
            return False
        cues = self.cues.coordination.finditer(text)
        return any(m.end() <= pos and _JOINER.fullmatch(text, m.end(), pos) for m in cues)

    def coordinators(self, text: str) -> list[str]:
        if self.cues.coordination is None:
            return []
        found = self._find(text)
        codes: list[str] = []
        for m in self.cues.coordination.finditer(text):
            run, _ = self._entity_run(text, m.end(), found)
            # "phối hợp với các bộ, ngành": a group names no one agency to coordinate with.
            for ent in run:
                if not ent.is_group:
                    codes.extend(c for c in ent.codes if c not in codes)
        return codes

    def action_text(self, text: str, start: int) -> str:
        """The clause from its action, without a leading "coordinate with X to" when the
        coordinators are already listed, capitalised, with no closing punctuation."""
        action = text[start:]
        if self.cues.coordination is not None:
            m = self.cues.coordination.match(action)
            if m:
                found = self._find(action)
                run, end = self._entity_run(action, m.end(), found)
                end = self._strip_vague_party(action, end) if not run else end
                rest = re.match(r"\s*(?:to\s+|,\s*|để\s+)?", action[end:])
                tail = action[end + (rest.end() if rest else 0) :]
                if tail.strip() and (run or end > m.end()):
                    action = tail[self._skip_discourse(tail, 0) :]
        action = action.strip(" ,;:.-–")
        return (action[:1].upper() + action[1:])[:500]

    # -- the document

    def split_clauses(self, sentence: str) -> list[Clause]:
        # A semicolon between document numbers ("Nghị quyết số 01/NQ-CP; 02/NQ-CP") is no clause break.
        parts = [p for p in re.split(r";\s*(?!(?:số\s+|No\.?\s*)?\d+/)", sentence) if p.strip()]
        clauses: list[Clause] = []
        for part in parts:
            if clauses and not self.starts_action(part, first=False) and not self.is_deadline_clause(part):
                clauses[-1].text = f"{clauses[-1].text}; {part}"
            else:
                clauses.append(Clause(part.strip(), first=not clauses))
        return clauses

    def parse(self, text: str) -> list[Draft]:
        """Read the document's structure first (addressee headings and their items), then its
        sentences and clauses."""
        drafts: list[Draft] = []
        context_lead: list[Entity] = []
        context_phrase = ""
        heading_coordinators: list[str] = []
        list_context: tuple[list[Entity], str, DeadlineFound | None] | None = None
        #: The drafts of the last task read, which a following deadline clause dates.
        last: list[Draft] = []
        read = 0
        summaries: list[int] = []
        item_deadline: DeadlineFound | None = None
        lines = normalize(text).split("\n")
        # The last line of a text heads nothing: without closing punctuation it is a paragraph
        # cut short (a page's excerpt, a paste that stopped), not a title.
        last_line = max((i for i, raw in enumerate(lines) if raw.strip()), default=-1)
        for line_no, raw_line in enumerate(lines):
            read += len(raw_line) + 1
            if self.stop_at is not None and time.monotonic() > self.stop_at:
                raise ParseTooLong(read)
            line = _DATELINE.sub("", raw_line.strip())
            if not line:
                continue
            self._found.clear()
            item = BULLET.match(line) is not None
            if NUMBERED.match(line):
                item_deadline = None
            if is_heading(line) and line_no != last_line:
                last = []
                continue
            line_start = len(drafts)
            if not item:
                list_context = None
            for sentence in split_sentences(line):
                if self.stop_at is not None and time.monotonic() > self.stop_at:
                    raise ParseTooLong(read - len(raw_line))
                body = sentence[self._skip_discourse(sentence, 0) :]
                summary = _SUMMARY.search(sentence) is not None
                if not summary and self.cues.excludes(self.cues.exclude_sentence, body):
                    last = []
                    self._note_places(sentence)
                    continue
                clauses = self.split_clauses(sentence)
                heading = self.addressee_heading(clauses[0].text) if clauses else None
                forced: list[Entity] = []
                if heading is not None:
                    # The heading names who does what follows, until the next heading: a group
                    # heading leads as a group, never as the previous item's agency.
                    context_lead, context_phrase, rest = heading
                    heading_coordinators = self.coordinators(clauses[0].text.split(":", 1)[0])
                    list_context = (context_lead, context_phrase, None)
                    last = []
                    if not rest:
                        continue
                    forced = context_lead
                    clauses = self.split_clauses(rest) + clauses[1:]
                clauses = [part for clause in clauses for part in self._split_addressees(clause)]
                previous_task = bool(last)
                for index, clause in enumerate(clauses):
                    clause.follows_task = previous_task
                    previous_task = False
                    deadline = find_deadline(clause.text, self.deadline_rules, self.reference)
                    if last and self.is_deadline_clause(clause.text):
                        if deadline is not None and deadline.date is not None:
                            for draft in last:
                                if draft.deadline is None and not draft.recurrence:
                                    draft.deadline, draft.deadline_phrase = deadline.date, deadline.phrase
                        continue
                    reading = self.read(clause, deadline, in_list=list_context is not None and item)
                    self._resolve_anaphors(reading)
                    if reading.excluded:
                        self._issuer_is_no_addressee(clause.text, reading)
                        # a news item's summary reports the issue and asks: what it asks is read
                        # (and dropped below when the body asks it again)
                        opening = _SUMMARY.search(clause.text) if summary else None
                        request = self.cues.request
                        if opening and request is not None and request.search(clause.text, opening.end()):
                            rest = clause.text[opening.end() :]
                            reading.excluded = self.cues.excludes(self.cues.exclude_clause, rest)
                    if forced and index == 0 and not reading.lead:
                        reading.lead, reading.lead_phrase = forced, context_phrase
                        reading.is_task = reading.is_task or self._starts_with_verb(
                            clause.text, self._skip_discourse(clause.text, 0), allow_ing=True, imperative=True
                        )
                    if reading.vague:
                        context_lead, context_phrase = [], ""
                        heading_coordinators = []
                    elif reading.lead and reading.lead is not forced:
                        context_lead, context_phrase = reading.lead, reading.lead_phrase
                        heading_coordinators = []
                    if clause.text.rstrip().endswith(":") and (reading.is_task or deadline):
                        list_context = (context_lead, context_phrase, deadline)
                        continue
                    if not reading.is_task or reading.excluded:
                        # an excluded request still opens a list of duties ("... to lead by
                        # example; resolutely directing ...")
                        previous_task = reading.is_task
                        last = []
                        continue
                    inherited = not reading.lead
                    if item and list_context is not None and (deadline is None or deadline.date is None):
                        deadline = list_context[2] or deadline
                    last = self._drafts(
                        sentence, clause.text, reading, deadline, context_lead, context_phrase, inherited
                    )
                    if heading_coordinators and (inherited or reading.lead is forced):
                        for draft in last:
                            if not draft.coordinating_agencies:
                                draft.coordinating_agencies = [
                                    c for c in heading_coordinators if c not in draft.lead_agencies
                                ]
                    drafts.extend(last)
                    if summary:
                        summaries.extend(id(draft) for draft in last)
                    previous_task = True
                self._note_places(sentence)
            # "2. Bộ Tài chính ... trình Thủ tướng trước ngày 20 tháng 10 năm 2024. Trong đó chú ý
            # một số nội dung sau:": what follows, up to the next numbered item, details that task
            # and keeps its deadline.
            line_drafts = drafts[line_start:]
            if item_deadline is not None:
                for draft in line_drafts:
                    if draft.deadline is None and not draft.recurrence:
                        draft.deadline, draft.deadline_phrase = item_deadline.date, item_deadline.phrase
            elif NUMBERED.match(line) and line.endswith(":"):
                dated = next((d for d in line_drafts if d.deadline is not None), None)
                if dated is not None and dated.deadline is not None:
                    item_deadline = DeadlineFound(dated.deadline, dated.deadline_phrase, 0, 0)
        # A news item opens with what the document asks ("Thủ tướng vừa ký Công điện số 114
        # yêu cầu các bộ, ngành ... ứng phó bão") and its body says it again, duty by duty:
        # the opening is a task only when nothing else in the text is.
        if summaries and len(summaries) < len(drafts):
            drafts = [draft for draft in drafts if id(draft) not in summaries]
        return drafts

    def _drafts(
        self,
        sentence: str,
        clause: str,
        reading: Reading,
        deadline: DeadlineFound | None,
        lead: list[Entity],
        lead_phrase: str,
        inherited: bool,
    ) -> list[Draft]:
        recurrence, recurrence_phrase = find_recurrence(clause, self.recurrence_rules)
        coordinating = self.coordinators(clause)
        action = self.action_text(clause, reading.action_start)
        lead_codes: list[str] = []
        # Joint leads: the first named leads. "Bộ Nội vụ, các bộ, ngành, địa phương" is the
        # ministry's task with the group's help; a group named first leads as a group.
        if lead and not lead[0].is_group:
            lead = [ent for ent in lead if not ent.is_group]
        for ent in lead:
            lead_codes.extend(c for c in ent.codes if c not in lead_codes)
        is_group = any(ent.is_group for ent in lead)
        lead_agency = None
        if lead_codes and not is_group:
            lead_agency = lead_codes[0]
            coordinating = [c for c in lead_codes[1:] + coordinating if c != lead_agency]
            coordinating = list(dict.fromkeys(coordinating))
        base: _DraftBase = {
            "source_sentence": sentence,
            "lead_agency": lead_agency,
            "lead_agencies": lead_codes if is_group else ([lead_agency] if lead_agency else []),
            "lead_phrase": lead_phrase if lead else "",
            "lead_inherited": inherited and bool(lead),
            "coordinating_agencies": [c for c in coordinating if c not in (lead_codes if is_group else [])],
        }
        if recurrence:
            base["deadline"], base["recurrence"] = None, recurrence
            base["deadline_phrase"] = recurrence_phrase
        elif deadline is not None:
            base["deadline"], base["deadline_phrase"] = deadline.date, deadline.phrase
        parts = self._split_targets(clause)
        drafts = []
        for part in parts:
            part_action = (
                action if part is parts[0] and len(parts) == 1 else self._part_action(part, clause, reading)
            )
            result = find_result(part, self.result_rules, strip=base.get("deadline_phrase", ""))
            draft = Draft(clause=part, action=part_action, **base)
            if result is not None:
                draft.expected_result = result.text
                draft.result_kind = result.kind
                draft.target_value = result.value
                draft.target_unit = result.unit
            drafts.append(draft)
        return drafts

    def _part_action(self, part: str, clause: str, reading: Reading) -> str:
        if clause.startswith(part):
            return self.action_text(part, reading.action_start)
        part = re.sub(r"^(?:and|và)\s+", "", part.strip(" ,"), flags=re.IGNORECASE)
        return (part[:1].upper() + part[1:]).strip(" ,;:.")[:500]

    def _split_targets(self, clause: str) -> list[str]:
        """One draft per percentage target: "100% of ..., 80% of ..., and 40% of ..." are
        three indicators with one deadline."""
        starts = [m.start() for m in re.finditer(r"(?<![\w.,])\d+(?:[.,]\d+)?\s?%", clause)]
        if len(starts) < 2:
            return [clause]
        cuts = []
        for s in starts[1:]:
            comma = clause.rfind(",", 0, s)
            if comma == -1 or not re.fullmatch(
                r",\s*(?:and\s+|và\s+)?(?:over\s+|above\s+|trên\s+)?", clause[comma:s]
            ):
                return [clause]
            cuts.append(comma)
        parts, prev = [], 0
        for cut in cuts:
            parts.append(clause[prev:cut].strip(" ,"))
            prev = cut + 1
        parts.append(clause[prev:].strip(" ,"))
        return [p for p in parts if p]


class ParseTooLong(Exception):
    """The text could not be read within the time allowed; ``read`` characters were."""

    def __init__(self, read: int) -> None:
        super().__init__(read)
        self.read = read


def parse(
    text: str,
    rules: Rules,
    *,
    reference_date: dt.date | None = None,
    language: str = "",
    time_budget: float | None = None,
) -> list[Draft]:
    """The draft tasks of a directive's text, in the order the text gives them.

    With ``time_budget`` (seconds), raises ``ParseTooLong`` rather than run longer."""
    language = language or detect_language(text)
    parser = Parser(rules, language=language, reference_date=reference_date)
    parser.stop_at = time.monotonic() + time_budget if time_budget else None
    return parser.parse(text)
