"""Pure rules of forwarding: who forwards, the platforms offered, what a forward's status says, and
the normal form of a post's link or text (two copies of one post normalise to one string).

The normal forms feed a keyed digest (:func:`intake.crypto.forward_source_digest`): equal digests
flag a post forwarded before. Normalising too much only links two forwards that a detective can
unlink; normalising too little lets a copy with ``?utm_source=...`` make an unrelated second tip.
So the URL rules follow what a browser would fetch (WHATWG parsing: backslashes, userinfo,
percent-escapes, IDNA) and then drop what never names a different post (tracking parameters,
``www.``/``m.`` hosts, a trailing slash, the fragment).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qsl, quote, unquote, urlsplit

FORWARD_ROLES = ("social_media", "supervisor")
PLATFORMS = ("facebook", "instagram", "x", "tiktok", "whatsapp", "nextdoor", "youtube", "other")

# --- what the team is told of a forward ---------------------------------------------------------

RECEIVED, WORKING, CLOSED = "received", "being worked on", "closed"
STATUS_WORDS = {
    "new": RECEIVED,
    "triaged": WORKING,
    "assigned": WORKING,
    "investigating": WORKING,
    "closed": CLOSED,
}


def status_word(status: str) -> str:
    """A tip's status as the social-media team reads it: received, being worked on, closed."""
    return STATUS_WORDS.get(status, WORKING)


# --- the normal form of a link -------------------------------------------------------------------

# Host labels that name the same site for another device or audience.
DEVICE_PREFIXES = ("www", "m", "mobile", "mbasic", "touch", "web")
HOST_ALIASES = {
    "twitter.com": "x.com",
    "fb.com": "facebook.com",
    "instagr.am": "instagram.com",
}
# Sites whose first path segment is an account name, which they match whatever its case.
NAME_FIRST_HOSTS = frozenset({"facebook.com", "instagram.com", "x.com", "tiktok.com"})
DEFAULT_PORTS = {"http": "80", "https": "443"}
# Query parameters that say who shared a link, from where or for which campaign: never which post.
TRACKING_PARAMETERS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "igshid",
        "igsh",
        "si",
        "s",
        "t",
        "ref",
        "ref_src",
        "ref_url",
        "refsrc",
        "mibextid",
        "rdid",
        "share_url",
        "sfnsn",
        "hc_ref",
        "fs",
        "feature",
        "app",
        "_rdr",
        "_ga",
        "_gl",
        "mc_cid",
        "mc_eid",
        "wtsid",
        "is_from_webapp",
        "is_copy_url",
        "sender_device",
        "share_app_id",
        "web_id",
        "u_code",
        "_t",
        "_r",
    }
)
# Facebook's __cn__, __tn__, __cft__[0], __xts__[0] and the campaigns' utm_*.
TRACKING_PREFIXES = ("utm_", "__")
URL_MAX = 2000
# RFC 3986 unreserved characters stay literal; every other byte is a %XX escape in upper case.
_UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
_PATH_SAFE = "/:@!$&'()*+,;="
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_X_STATUS = re.compile(r"^/(?:i/web|[^/]+)/status(?:es)?/(\d+)(?:/.*)?$")
_SPACES = re.compile(r"[\t\n\r]")
_WEB_SCHEME = re.compile(r"^(https?):/*", re.IGNORECASE)
_OTHER_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?!\d)")
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})


def _clean_escapes(text: str, safe: str) -> str:
    """One spelling of a percent-encoded component: escapes of unreserved characters decoded,
    other escapes upper-cased, raw characters outside ``safe`` escaped (non-ASCII as UTF-8)."""

    def unescape(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    text = _ESCAPE.sub(unescape, text)
    text = unicodedata.normalize("NFC", text)
    return quote(text, safe=safe + "%")


def _quoted(text: str) -> str:
    return quote(unicodedata.normalize("NFC", text), safe="")


def _host(netloc: str) -> tuple[str, str] | None:
    """(host, port) of a netloc, userinfo dropped; None when it is not a usable host."""
    hostport = netloc.rpartition("@")[2]  # the host is after the LAST "@" (userinfo first)
    if hostport.startswith("["):  # an IPv6 literal
        end = hostport.find("]")
        if end < 0:
            return None
        host, rest = hostport[: end + 1].lower(), hostport[end + 1 :]
        port = rest[1:] if rest.startswith(":") else ""
        if rest and not rest.startswith(":"):
            return None
    else:
        host, _, port = hostport.partition(":")
        host = unquote(host)  # browsers decode escapes in a host before anything else
        try:
            # IDNA (nameprep: case and width folded, so "ＦＡＣＥＢＯＯＫ.com" is facebook.com).
            labels = [
                label.encode("idna").decode("ascii").lower() if label else label
                for label in unicodedata.normalize("NFKC", host.translate(_DOTS))
                .rstrip(".")
                .split(".")
            ]
        except UnicodeError:
            return None
        if not labels or any(not label for label in labels):
            return None
        if any(not re.fullmatch(r"[a-z0-9_-]+", label) for label in labels):
            return None
        while len(labels) > 2 and labels[0] in DEVICE_PREFIXES:
            labels = labels[1:]
        host = ".".join(labels)
        host = HOST_ALIASES.get(host, host)
    if port and not port.isdigit():
        return None
    return host, port.lstrip("0") or ("0" if port else "")


def _path(path: str) -> str:
    """The path with dot segments resolved, runs of slashes and a trailing slash removed."""
    segments: list[str] = []
    for segment in _clean_escapes(path, _PATH_SAFE).split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    return "/" + "/".join(segments) if segments else ""


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES)


def normalise_source_url(url: str) -> str | None:
    """The one spelling of a post's link (for its digest), or None if it is no web link.

    ``https://www.Facebook.com:443/PortAlderPD/posts/123/?fbclid=x#top`` and
    ``http://m.facebook.com/PortAlderPD/posts/123`` are both
    ``https://facebook.com/PortAlderPD/posts/123``. ``https://facebook.com@evil.example/`` is
    evil.example, as a browser would open it.
    """
    # Browsers drop tabs and newlines anywhere in a link and read a backslash as a slash.
    text = _SPACES.sub("", url.strip())[:URL_MAX].strip("<>\"' ").replace("\\", "/")
    if not text:
        return None
    web = _WEB_SCHEME.match(text)
    if web:  # "https://", "HTTP:/", "https:///": a browser reads each as scheme://
        text = f"{web.group(1).lower()}://{text[web.end() :]}"
    elif text.startswith("//"):
        text = "https:" + text
    elif _OTHER_SCHEME.match(text):
        return None  # javascript:, mailto:, ftp://... (but "facebook.com:443/..." is a host)
    else:
        text = "https://" + text  # copied without its scheme
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        return None
    found = _host(parts.netloc)
    if found is None or not found[0]:
        return None
    host, port = found
    if port in DEFAULT_PORTS.values():
        port = ""
    path, query, fragment = parts.path, parts.query, parts.fragment
    if not path.strip("/") and fragment.startswith("!/"):
        path, _, query = fragment[1:].partition("?")  # the old twitter.com/#!/user/status/1
    path = _path(path)
    if host in NAME_FIRST_HOSTS:  # the account name (or a fixed word like "p", "groups")
        first, slash, rest = path[1:].partition("/")
        if first:  # lower-cased as text, then spelt one way again ("CAF%C3%89" is "café")
            first = _clean_escapes(unquote(first).lower(), _PATH_SAFE.replace("/", ""))
            path = f"/{first}{slash}{rest}"
    if host == "x.com":
        status = _X_STATUS.match(path)
        if status:  # any user name (or none) opens the same status
            path = f"/i/status/{status.group(1)}"
    params = [  # parse_qsl decodes "+" and escapes; quote spells each one way again
        (_quoted(k), _quoted(v))
        for k, v in parse_qsl(query, keep_blank_values=True)
        if not _is_tracking(k)
    ]
    if host == "youtu.be" and path.count("/") == 1:
        host, params = "youtube.com", [("v", path[1:]), *params]
        path = "/watch"
    query_text = "&".join(f"{k}={v}" for k, v in sorted(params))
    netloc = f"{host}:{port}" if port else host
    return f"https://{netloc}{path}" + (f"?{query_text}" if query_text else "")


# --- the normal form of a post's text ----------------------------------------------------------

# Shorter texts ("drugs on Elm St") are said by many people about many things: not matched.
TEXT_MIN_WORDS = 6
TEXT_MIN_CHARS = 24
_WORD = re.compile(r"\w+")


def normalise_post_text(text: str) -> str | None:
    """The words of a post, case, accents, width, punctuation and spacing folded (a copy pasted
    from a phone or a screenshot's transcription is the same post); None for a text too short to
    name one post."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    # Accents and invisible characters (zero-width spaces, bidi controls) are dropped.
    bare = "".join(
        c for c in folded if not unicodedata.combining(c) and unicodedata.category(c) != "Cf"
    )
    words = _WORD.findall(bare)
    joined = " ".join(words)
    if len(words) < TEXT_MIN_WORDS or len(joined) < TEXT_MIN_CHARS:
        return None
    return joined
