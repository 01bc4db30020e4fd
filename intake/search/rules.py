"""Pure rules of search: how text becomes the words that are tokenised.

Both the indexer and the query go through :func:`index_words` / :func:`query_words`, so what a
detective types meets what the tipster wrote whatever the case, accents, spacing or dashes:

- words are NFKD-folded, combining marks dropped and case-folded ("Camión" -> "camion");
- common English and Spanish function words are left out (they match everything);
- runs of pieces that hold a digit or are short letter groups (at most four letters, not a
  function word), separated by spaces, dashes, dots, slashes or brackets ("7XKD 392",
  "ABC-1234", "(617) 555-0123"), are also indexed joined ("7xkd392", "abc1234", "6175550123"),
  every sub-run of two to four pieces that holds a digit, so a plate or phone number matches
  however it is written. A letter group belongs to a plate only beside one lone group of
  digits ("ABC 1234", "1234 ABC"): beside a group that mixes letters and digits, or a number in
  several groups, it is a word ("gris 7XKD 392" gives "7xkd392", not "gris7xkd");
- long digit runs also give their last ten digits (a phone number with or without "+1").
"""

from __future__ import annotations

import re
import unicodedata

MIN_WORD = 2
MAX_WORD = 40
MAX_RUN = 4
MAX_PIECE = 8
# Words that would match most tips and so only leak frequency (English and Spanish).
_STOPWORD_TEXT = """
a an and are as at be by for from has have he her his i in is it its me my of on or our she
that the their them there they this to was we were with you your al como con de del el en es
esta este ha la las lo los me mi no por que se su sus un una unos unas y ya yo o u e
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_PIECE = re.compile(r"[^\W_]+", re.UNICODE)
# What may stand between the pieces of one plate or phone number.
_JOINER = re.compile(r"^[\s\-./()]{1,3}$")
MAX_QUERY_WORDS = 8


def fold(text: str) -> str:
    """Case- and accent-free text: NFKD, combining marks removed, case-folded."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold()


def _pieces(text: str) -> tuple[list[tuple[str, int, int]], str]:
    folded = fold(text)
    return [(m.group(0), m.start(), m.end()) for m in _PIECE.finditer(folded)], folded


def _joinable(piece: str) -> bool:
    if not piece.isascii() or len(piece) > MAX_PIECE:
        return False
    # A plate's letter group is short ("7XKD 392", "ABC 1234"); longer words are words.
    return any(c.isdigit() for c in piece) or (len(piece) <= 4 and piece not in STOPWORDS)


def _runs(text: str) -> list[list[str]]:
    """Runs of short pieces joined only by separators (split by :func:`_plates`) that contain
    a digit."""
    found, folded = _pieces(text)
    runs: list[list[str]] = []
    current: list[str] = []
    last_end = -1
    for piece, start, end in found:
        joinable = _joinable(piece)
        if current and joinable and _JOINER.match(folded[last_end:start]):
            current.append(piece)
        else:
            runs.extend(_plates(current))
            current = [piece] if joinable else []
        last_end = end
    runs.extend(_plates(current))
    return [run for run in runs if any(c.isdigit() for c in "".join(run))]


def _plates(run: list[str]) -> list[list[str]]:
    """The plates and numbers of one run: its groups that hold a digit, split at its letter
    groups; a letter group is kept only with one lone group of digits next to it (the one
    before it first: "ABC 1234", else after: "1234 ABC")."""
    # The run as letter groups (str) and stretches of groups that hold a digit (list).
    parts: list[str | list[str]] = []
    for piece in run:
        if piece.isalpha():
            parts.append(piece)
        elif parts and isinstance(parts[-1], list):
            parts[-1].append(piece)
        else:
            parts.append([piece])
    plates: list[list[str]] = []
    used: set[int] = set()
    for at, part in enumerate(parts):
        if isinstance(part, str):
            continue
        if len(part) > 1 or not part[0].isdigit():
            if len(part) > 1:
                plates.append(part)
            continue
        before = parts[at - 1] if at > 0 else None
        after = parts[at + 1] if at + 1 < len(parts) else None
        if isinstance(before, str) and at - 1 not in used:
            plates.append([before, part[0]])
        elif isinstance(after, str):
            plates.append([part[0], after])
            used.add(at + 1)
    return plates


def _word_ok(word: str) -> bool:
    return MIN_WORD <= len(word) <= MAX_WORD and word not in STOPWORDS


def _digit_tail(word: str) -> list[str]:
    return [word[-10:]] if word.isdigit() and len(word) > 10 else []


def index_words(text: str) -> set[str]:
    """Every normalised word of ``text`` the index holds a token for."""
    found, _ = _pieces(text)
    words = {piece for piece, _, _ in found if _word_ok(piece)}
    for piece, _, _ in found:
        words.update(_digit_tail(piece))
    for run in _runs(text):
        for size in range(2, min(MAX_RUN, len(run)) + 1):
            for start in range(len(run) - size + 1):
                part = run[start : start + size]
                joined = "".join(part)
                if len(joined) <= MAX_WORD and any(c.isdigit() for c in joined):
                    words.add(joined)
                    words.update(_digit_tail(joined))
    return words


def query_words(query: str, *, join: bool = True) -> list[str]:
    """The words a query must all match: runs of a plate or number joined (``join``), as indexed."""
    runs = _runs(query) if join else []
    in_runs = {piece for run in runs for piece in run}
    found, _ = _pieces(query)
    words = ["".join(run[:MAX_RUN]) for run in runs]
    words += [p for p, _, _ in found if p not in in_runs and _word_ok(p)]
    words = [w[-10:] if w.isdigit() and len(w) > 10 else w for w in words]
    unique = list(dict.fromkeys(w for w in words if len(w) <= MAX_WORD))
    return unique[:MAX_QUERY_WORDS]


# --- names and addresses: compound index words for related tips ------------------------------
#
# A person's name ("Marcus Lee", "José Pérez") and a street address ("45 Elm St", "calle Olmo
# 45") are indexed as one word each, prefixed so no typed query can produce them:
# ``name:marcus lee``, ``addr:45 elm street``. Only related tips look them up (the same named
# person or address in two tips); search still matches their words one by one.

NAME_PREFIX = "name:"
ADDRESS_PREFIX = "addr:"
# Street types, as written -> one spelling (English and Spanish).
STREET_TYPES = {
    "street": "street", "st": "street", "str": "street", "calle": "street", "c": "street",
    "avenue": "avenue", "ave": "avenue", "av": "avenue", "avenida": "avenue", "avda": "avenue",
    "road": "road", "rd": "road", "boulevard": "boulevard", "blvd": "boulevard",
    "lane": "lane", "ln": "lane", "drive": "drive", "dr": "drive", "place": "place",
    "pl": "place", "court": "court", "ct": "court", "way": "way", "terrace": "terrace",
    "ter": "terrace", "parkway": "parkway", "pkwy": "parkway", "square": "square", "sq": "square",
    "highway": "highway", "hwy": "highway", "circle": "circle", "cir": "circle",
    "plaza": "plaza", "row": "row", "park": "park", "pk": "park", "wharf": "wharf",
}  # fmt: skip
_TYPE_ALTERNATION = "|".join(sorted(STREET_TYPES, key=len, reverse=True))
# "45 Elm St", "1200 Blue Hill Ave", "45-47 Elm Street" (the first number is kept).
_ADDRESS_EN = re.compile(
    rf"\b(\d{{1,5}})[a-z]?(?:-\d{{1,5}})?\s+((?:[a-z][a-z']*\.?\s+){{1,3}}?)({_TYPE_ALTERNATION})\b\.?"
)
# "calle Olmo 45", "avenida Blue Hill #1200", "c/ Centre 12".
_ADDRESS_ES = re.compile(
    r"\b(calle|avenida|avda|av|c)\b\.?/?\s+((?:[a-z][a-z']*\s+){1,3}?)(?:(?:numero|num|nro|no)\.?\s*|#\s*)?(\d{1,5})\b"
)
# Capitalised words that start sentences or name no one (English and Spanish).
_NOT_NAMES_TEXT = """
i a an the this that these those there then they he she we you it his her my our your their
yesterday today tonight tomorrow now last next every monday tuesday wednesday thursday friday
saturday sunday january february march april may june july august september october november
december police officer detective sergeant lieutenant captain chief mr mrs ms miss dr sir
please help hello hi hey thanks thank sorry ok okay yes no not never also but and or so because
when where what who why how if after before around near behind across at on in by from with
el la los las un una mi su tu yo ayer hoy anoche manana ahora lunes martes miercoles jueves
viernes sabado domingo enero febrero marzo abril mayo junio julio agosto septiembre octubre
noviembre diciembre policia oficial senor senora don dona hola gracias por favor si pero y o
cuando donde que quien como porque despues antes cerca frente
boston dorchester roxbury mattapan jamaica plain charlestown brighton allston southie south end
north east west chinatown downtown hyde back bay fenway mission hill roslindale mbta t red line
orange green blue silver god jesus lord dios
"""
_NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())
_CAPITALISED = re.compile(r"^[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]+(?:['-][A-Za-zÀ-ÖØ-öø-ÿ]+)?$")
_TOKEN = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)?|\d+|[^\w\s]", re.UNICODE)
MAX_NAMED = 12


def addresses(text: str) -> set[str]:
    """Street addresses of ``text`` as ``addr:NUMBER NAME TYPE`` (folded, one type spelling)."""
    folded = fold(text)
    found = set()
    for number, name, kind in _ADDRESS_EN.findall(folded):
        words = [w.strip(".") for w in name.split()]
        if words and not any(w in STOPWORDS for w in words):
            found.add(f"{ADDRESS_PREFIX}{int(number)} {' '.join(words)} {STREET_TYPES[kind]}")
    for kind, name, number in _ADDRESS_ES.findall(folded):
        words = name.split()
        if words and not any(w in STOPWORDS for w in words):
            found.add(f"{ADDRESS_PREFIX}{int(number)} {' '.join(words)} {STREET_TYPES[kind]}")
    return found


def names(text: str) -> set[str]:
    """People's (or places') names of ``text``: two or three capitalised words in a row, not a
    sentence opener, weekday, title, neighbourhood or street ("Blue Hill Ave"), folded:
    ``name:marcus lee``. A run of three also gives its first and last word ("Marcus A. Lee"
    and "Marcus Lee" meet); text written all in lower or upper case gives none."""
    pieces = _TOKEN.findall(text)
    found: set[str] = set()
    run: list[str] = []

    def close(following: str | None) -> None:
        words = [w for w in run if fold(w) not in _NOT_NAMES]
        # A street or place: "Blue Hill Ave", "Franklin Park".
        if following is not None and fold(following).strip(".") in STREET_TYPES:
            words = []
        if 2 <= len(words) <= 3:
            folded = [fold(w) for w in words]
            found.add(NAME_PREFIX + " ".join(folded))
            if len(folded) == 3:
                found.add(NAME_PREFIX + f"{folded[0]} {folded[2]}")
        run.clear()

    previous = ""
    for piece in pieces:
        is_initial = len(piece) == 1 and piece.isupper()
        if _CAPITALISED.match(piece) and fold(piece) not in STREET_TYPES:
            run.append(piece)
        elif run and (is_initial or (piece == "." and len(previous) == 1 and previous.isupper())):
            pass  # an initial: "Marcus A. Lee"
        else:
            close(piece)
        previous = piece
    close(None)
    return set(sorted(found)[:MAX_NAMED])


def named_things(text: str) -> set[str]:
    """Names and addresses of ``text`` as compound index words."""
    return names(text) | addresses(text)
