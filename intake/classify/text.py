"""How the classifier reads a tip's text: folded, tokenised, contractions expanded (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_FOLD = str.maketrans(
    "áàâäãåāéèêëēíìîïīóòôöõøōúùûüūñçýÿ’‘`´",
    "aaaaaaaeeeeeiiiiiooooooouuuuuncyy''''",
)
_TOKEN_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[.!?;\n]+")
_SENTENCE_CHARS = frozenset(".!?;\n")

# Contractions written without an apostrophe, as people type them in texts.
_EXPANSIONS: dict[str, tuple[str, ...]] = {
    "dont": ("do", "not"),
    "doesnt": ("does", "not"),
    "didnt": ("did", "not"),
    "isnt": ("is", "not"),
    "wasnt": ("was", "not"),
    "arent": ("are", "not"),
    "werent": ("were", "not"),
    "cant": ("can", "not"),
    "cannot": ("can", "not"),
    "wont": ("will", "not"),
    "aint": ("not",),
    "havent": ("have", "not"),
    "hasnt": ("has", "not"),
    "shouldnt": ("should", "not"),
    "couldnt": ("could", "not"),
    "wouldnt": ("would", "not"),
    "theyre": ("they", "are"),
    "youre": ("you", "are"),
    "hes": ("he",),
    "shes": ("she",),
    "im": ("i", "am"),
    "q": ("que",),
    "k": ("que",),
    "xq": ("porque",),
    "pq": ("porque",),
    "u": ("you",),
    "ur": ("your",),
}
# Gerunds typed without their g ("they shootin", "he beatin her", "runnin"): read as the -ing
# word, which the lexicon, the frames and the models know. A closed list: "cousin", "within",
# "Justin" and "begin" also end in -in.
_G_DROPPED_GERUNDS = (
    "shooting",
    "banging",
    "beating",
    "stabbing",
    "fighting",
    "jumping",
    "chasing",
    "bleeding",
    "robbing",
    "breaking",
    "hitting",
    "choking",
    "dragging",
    "punching",
    "kicking",
    "screaming",
    "yelling",
    "running",
    "dying",
    "trying",
    "spraying",
    "busting",
    "swinging",
    "following",
    "pulling",
    "coming",
    "going",
    "hiding",
    "stealing",
    "selling",
    "smoking",
    "driving",
    "racing",
    "burning",
    "crying",
    "threatening",
    "waving",
    "flashing",
    "creeping",
    "lurking",
    "knocking",
    "pounding",
    "doing",
    "talking",
    "saying",
    "looking",
    "watching",
    "walking",
    "sitting",
    "standing",
    "waiting",
    "tripping",
    "wilding",
    "bugging",
    "pointing",
    "holding",
    "carrying",
    "grabbing",
    "throwing",
)
_G_DROPPED: dict[str, tuple[str, ...]] = {word[:-1]: (word,) for word in _G_DROPPED_GERUNDS}
_EXPANSIONS.update(_G_DROPPED)
_APOSTROPHE_SUFFIXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("n't", ("not",)),
    ("'ll", ("will",)),
    ("'re", ("are",)),
    ("'ve", ("have",)),
    ("'m", ("am",)),
    ("'d", ("would",)),
    ("'s", ()),
)
_SPECIAL_NEGATIVE_BASES = {"ca": "can", "wo": "will", "ai": ""}


@dataclass(frozen=True)
class _Token:
    word: str
    start: int
    end: int
    sentence: int


def fold(text: str) -> str:
    """Lowercase and strip Latin accents, keeping the string's length (offsets stay valid)."""
    return text.lower().translate(_FOLD)


def _tokens(text: str) -> tuple[str, list[_Token]]:
    folded = fold(text)
    out: list[_Token] = []
    sentence = 0
    for m in _TOKEN_RE.finditer(folded):
        raw = m.group()
        if raw[0] in _SENTENCE_CHARS:
            sentence += 1
            continue
        start, end = m.span()
        for word in _expand(raw):
            out.append(_Token(word, start, end, sentence))
    return folded, out


def _expand(raw: str) -> tuple[str, ...]:
    if "'" in raw:
        for suffix, extra in _APOSTROPHE_SUFFIXES:
            if raw.endswith(suffix):
                base = raw[: -len(suffix)]
                if suffix == "n't":
                    base = _SPECIAL_NEGATIVE_BASES.get(base, base)
                base = base.replace("'", "")
                return tuple(w for w in (base, *extra) if w)
        return (raw.replace("'", ""),)
    return _EXPANSIONS.get(raw, (raw,))


def normalised_words(text: str) -> list[str]:
    """The tip's words as the classifier reads them: folded, contractions expanded."""
    _, tokens = _tokens(text)
    return [t.word for t in tokens]
