"""How text becomes search words: case, accents, plates and phone numbers."""

from __future__ import annotations

import pytest

from intake.search.rules import index_words, query_words


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("Grey sedan, plate 7XKD 392, parked all night", "7xkd392"),
        ("Grey sedan, plate 7XKD-392", "7XKD 392"),
        ("plate 7xkd392 again", "7XKD-392"),
        ("Call (617) 555-0123 for the seller", "617 555 0123"),
        ("Call +1 617 555 0123", "6175550123"),
        ("Llamen al 617.555.0123", "+1 (617) 555-0123"),
        ("Un camión blanco", "CAMION"),
        ("Un camion blanco", "camión"),
        ("La señora de la esquina", "senora esquina"),
    ],
)
def test_a_query_meets_the_text_however_either_is_written(text, query):
    assert set(query_words(query)) <= index_words(text)


def test_function_words_and_long_words_do_not_join_into_numbers():
    words = index_words("placa 7XKD 392 en la esquina")
    assert "7xkd392" in words
    assert not any(w.startswith("placa7") or w.endswith("392en") for w in words)
    assert {"en", "la"}.isdisjoint(words)


def test_a_query_of_only_stopwords_has_no_words():
    assert query_words("the and de la") == []
