"""Pure rules of search: how text becomes the words that are tokenised.

Both the indexer and the query go through :func:`index_words` / :func:`query_words`, so what a
detective types meets what the tipster wrote whatever the case, accents, spacing or dashes:

- words are NFKD-folded, combining marks dropped and case-folded ("Camión" -> "camion");
- common English and Spanish function words are left out (they match everything);
- runs of pieces that hold a digit or are short letter groups (at most four letters, not a
  function word), separated by spaces, dashes, dots, slashes or brackets ("7XKD 392",
  "(617) 555-0123"), are also indexed joined ("7xkd392", "6175550123"), every sub-run of two to
  four pieces that holds a digit, so a plate or phone number matches however it is written;
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
    """Maximal runs of short pieces joined only by separators, that contain a digit."""
    found, folded = _pieces(text)
    runs: list[list[str]] = []
    current: list[str] = []
    last_end = -1
    for piece, start, end in found:
        joinable = _joinable(piece)
        if current and joinable and _JOINER.match(folded[last_end:start]):
            current.append(piece)
        else:
            if len(current) > 1:
                runs.append(current)
            current = [piece] if joinable else []
        last_end = end
    if len(current) > 1:
        runs.append(current)
    return [run for run in runs if any(c.isdigit() for c in "".join(run))]


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
