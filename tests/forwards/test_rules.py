"""The normal form of a forwarded post's link and text: copies of one post are one string, and
the tricks that make a link look like another site's do not work (pure, no app)."""

from __future__ import annotations

import pytest

from intake.forwards.rules import normalise_post_text, normalise_source_url, status_word

POST = "https://facebook.com/portalderpd/posts/123"


@pytest.mark.parametrize(
    "copy",
    [
        POST,
        "https://www.facebook.com/portalderpd/posts/123",
        "HTTPS://WWW.FACEBOOK.COM/portalderpd/posts/123",
        "http://m.facebook.com/portalderpd/posts/123",
        "https://mobile.facebook.com/portalderpd/posts/123",
        "https://mbasic.facebook.com/portalderpd/posts/123",
        "https://web.facebook.com/portalderpd/posts/123",
        "https://fb.com/portalderpd/posts/123",
        "facebook.com/portalderpd/posts/123",
        "//facebook.com/portalderpd/posts/123",
        "https://facebook.com/portalderpd/posts/123/",
        "https://facebook.com//portalderpd//posts/123//",
        "https://facebook.com/portalderpd/./posts/x/../123",
        "https://facebook.com/portalderpd/posts/123#comments",
        "https://facebook.com:443/portalderpd/posts/123",
        "http://facebook.com:80/portalderpd/posts/123",
        "https://facebook.com./portalderpd/posts/123",
        "https://facebook.com/PortAlderPD/posts/123",
        "https://facebook.com/%70ortalderpd/posts/%31%32%33",
        "https://facebook.com/portalderpd/posts/123?fbclid=IwAR0abc",
        "https://facebook.com/portalderpd/posts/123?mibextid=Nif5oz&__cn__[0]=x&__tn__=R",
        "https://facebook.com/portalderpd/posts/123?__cft__[0]=AZX&__xts__[0]=68",
        "https://facebook.com/portalderpd/posts/123?utm_source=share&utm_medium=ios&UTM_Campaign=x",
        "https://facebook.com/portalderpd/posts/123?ref=share&s=09&si=abc",
        "  <https://www.facebook.com/portalderpd/posts/123>  ",
        "https://face\tbook.com/portal\nderpd/posts/123",
        "https:\\\\facebook.com\\portalderpd\\posts\\123",
        "https:/facebook.com/portalderpd/posts/123",
        "https://ＦＡＣＥＢＯＯＫ.ｃｏｍ/portalderpd/posts/123",
        "https://facebook%2Ecom/portalderpd/posts/123",
        "https://someone@facebook.com/portalderpd/posts/123",
    ],
)
def test_copies_of_one_facebook_post_have_one_normal_form(copy):
    assert normalise_source_url(copy) == POST


@pytest.mark.parametrize(
    "copy",
    [
        "https://twitter.com/PortAlderPD/status/1234567890",
        "https://x.com/PortAlderPD/status/1234567890",
        "https://mobile.twitter.com/portalderpd/status/1234567890?s=20&t=Q7v",
        "https://www.x.com/someone_else/status/1234567890/photo/1",
        "https://x.com/i/web/status/1234567890",
        "https://twitter.com/#!/PortAlderPD/status/1234567890",
        "https://twitter.com/PortAlderPD/statuses/1234567890",
    ],
)
def test_twitter_and_x_links_to_one_status_agree(copy):
    assert normalise_source_url(copy) == "https://x.com/i/status/1234567890"


def test_instagram_youtube_and_tiktok_share_links():
    reel = "https://instagram.com/p/Cx1YZ"
    assert normalise_source_url("https://www.instagram.com/p/Cx1YZ/?igsh=MzRlODBi") == reel
    assert normalise_source_url("https://instagr.am/p/Cx1YZ?igshid=abc&utm_source=ig") == reel
    # Shortcodes are case-sensitive: another case is another post.
    assert normalise_source_url("https://instagram.com/p/cx1yz") != reel
    video = "https://youtube.com/watch?v=dQw4w9WgXcQ"
    assert normalise_source_url("https://youtu.be/dQw4w9WgXcQ?si=Ab12&t=42") == video
    assert normalise_source_url("https://m.youtube.com/watch?feature=share&v=dQw4w9WgXcQ") == video
    assert normalise_source_url(
        "https://www.tiktok.com/@Vecina5B/video/7301?is_from_webapp=1&sender_device=pc"
    ) == ("https://tiktok.com/@vecina5b/video/7301")


def test_query_parameters_that_name_the_post_stay_in_one_order():
    expected = "https://facebook.com/permalink.php?id=2&story_fbid=1"
    assert normalise_source_url("https://www.facebook.com/permalink.php?story_fbid=1&id=2") == (
        expected
    )
    assert (
        normalise_source_url("https://facebook.com/permalink.php?id=2&story_fbid=1&fbclid=z")
        == expected
    )
    assert normalise_source_url("https://facebook.com/permalink.php?story_fbid=9&id=2") != expected


@pytest.mark.parametrize(
    ("url", "host"),
    [
        # What comes before "@" is userinfo: the browser opens the host after it.
        ("https://facebook.com@evil.example/portalderpd/posts/123", "evil.example"),
        ("https://facebook.com:443@evil.example/portalderpd/posts/123", "evil.example"),
        ("https://www.facebook.com%40evil.example@evil.example/p", "evil.example"),
        # A backslash is a slash to a browser: the host ends before it.
        ("https://evil.example\\@facebook.com/portalderpd/posts/123", "evil.example"),
        # An escaped dot is a dot: this is a subdomain of evil.example.
        ("https://facebook.com%2Eevil.example/portalderpd/posts/123", "facebook.com.evil.example"),
        ("https://facebook.com.evil.example/portalderpd/posts/123", "facebook.com.evil.example"),
        ("https://m.facebook.co/portalderpd/posts/123", "facebook.co"),
    ],
)
def test_a_link_that_only_looks_like_facebook_is_not_facebook(url, host):
    normal = normalise_source_url(url)
    assert normal is not None and normal != POST
    assert normal.split("/")[2] == host


def test_hosts_are_idna_and_ports_other_than_the_default_stay():
    assert normalise_source_url("https://bücher.example/a") == "https://xn--bcher-kva.example/a"
    assert normalise_source_url("https://XN--BCHER-KVA.example/a") == (
        "https://xn--bcher-kva.example/a"
    )
    assert normalise_source_url("https://facebook.com:8443/a") == "https://facebook.com:8443/a"
    assert normalise_source_url("https://[2001:DB8::1]:443/x") == "https://[2001:db8::1]/x"
    # Two labels stay two labels: "m.co" is a site, not the mobile version of "co".
    assert normalise_source_url("https://m.co/x") == "https://m.co/x"


def test_percent_encoding_has_one_spelling():
    accented = "https://facebook.com/caf%C3%A9/posts/1"
    assert normalise_source_url("https://facebook.com/caf%c3%a9/posts/1") == accented
    assert normalise_source_url("https://facebook.com/café/posts/1") == accented
    assert normalise_source_url("https://facebook.com/cafe\u0301/posts/1") == accented  # NFD
    # An escaped slash is not a path separator.
    assert normalise_source_url("https://example.org/a%2fb") == "https://example.org/a%2Fb"
    assert normalise_source_url("https://example.org/a%2Fb") != "https://example.org/a/b"
    assert normalise_source_url("https://example.org/?q=a+b") == (
        normalise_source_url("https://example.org/?q=a%20b")
    )


@pytest.mark.parametrize(
    "not_a_link",
    [
        "",
        "   ",
        "javascript:alert(1)",
        "mailto:someone@example.org",
        "ftp://facebook.com/portalderpd",
        "data:text/html,hi",
        "https://",
        "https:///",
        "https://exa mple.org/",
        "https://exa*mple.org/",
        "https://[::1/x",
        "https://facebook.com:port/x",
        "https://a..b/x",
    ],
)
def test_what_is_no_web_link_has_no_normal_form(not_a_link):
    assert normalise_source_url(not_a_link) is None


def test_a_post_text_folds_case_accents_spacing_and_punctuation():
    text = "Venden droga en la esquina de Elm todas las noches, desde las 10."
    normal = normalise_post_text(text)
    assert normal == "venden droga en la esquina de elm todas las noches desde las 10"
    for copy in (
        "VENDEN  droga en la esquina de Elm\ntodas las noches; desde las 10!!",
        "Vendén droga en la ésquina de Elm todas las noches — desde las 10",
        "Venden\u200b droga en la esquina de Elm todas las noches, desde las 10.",
        "Ｖｅｎｄｅｎ droga en la esquina de Elm todas las noches, desde las 10.",
    ):
        assert normalise_post_text(copy) == normal, copy
    assert normalise_post_text("Venden droga en la esquina de Oak todas las noches.") != normal


def test_a_text_too_short_to_name_one_post_has_no_normal_form():
    assert normalise_post_text("Drugs on Elm St") is None
    assert normalise_post_text("🙏🙏🙏 !!!") is None
    assert normalise_post_text("") is None


def test_statuses_in_the_teams_words():
    assert status_word("new") == "received"
    for status in ("triaged", "assigned", "investigating"):
        assert status_word(status) == "being worked on"
    assert status_word("closed") == "closed"
