"""Which language a tip is written in, from its script and its stopwords (pure)."""

from __future__ import annotations

from intake.classify.phrases import _stopwords
from intake.classify.text import _Token, _tokens

SUPPORTED_LANGUAGES: frozenset[str] = frozenset({"en", "es"})


_SCRIPT_RANGES: tuple[tuple[str, int, int], ...] = (
    ("zh", 0x4E00, 0x9FFF),
    ("ja", 0x3040, 0x30FF),
    ("ko", 0xAC00, 0xD7AF),
    ("ar", 0x0600, 0x06FF),
    ("ru", 0x0400, 0x04FF),
    ("he", 0x0590, 0x05FF),
    ("hi", 0x0900, 0x097F),
    ("th", 0x0E00, 0x0E7F),
    ("el", 0x0370, 0x03FF),
)
_VIETNAMESE_CHARS = frozenset("ơưđạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")


def _script_language(text: str) -> str | None:
    letters = 0
    counts: dict[str, int] = {}
    viet = 0
    for ch in text:
        if not ch.isalpha():
            continue
        letters += 1
        code = ord(ch)
        if code < 0x0370:
            continue
        if ch.lower() in _VIETNAMESE_CHARS:
            viet += 1
            continue
        for lang, low, high in _SCRIPT_RANGES:
            if low <= code <= high:
                counts[lang] = counts.get(lang, 0) + 1
                break
    if not letters:
        return None
    if counts:
        lang, count = max(counts.items(), key=lambda kv: kv[1])
        if count * 4 >= letters:
            return lang
    if viet >= 2:
        return "vi"
    return None


def _language_from_tokens(text: str, tokens: list[_Token]) -> str:
    script = _script_language(text)
    if script:
        return script
    stop = _stopwords()
    scores = dict.fromkeys(stop, 0)
    for tok in tokens:
        for lang, words in stop.items():
            if tok.word in words:
                scores[lang] += 1
    en, es = scores.get("en", 0), scores.get("es", 0)
    other_lang, other = max(
        ((lang, s) for lang, s in scores.items() if lang not in SUPPORTED_LANGUAGES),
        key=lambda kv: kv[1],
    )
    # Another language must clearly beat both supported ones, which share many short words.
    if other >= 2 and other > 1.3 * max(en, es):
        return other_lang
    if en == 0 and es == 0:
        return "und"
    return "es" if es > en else "en"


def detect_language(text: str) -> str:
    """Return the tip's language as an ISO-639-1 code, or "und" when it cannot be told."""
    _, tokens = _tokens(text)
    return _language_from_tokens(text, tokens)
