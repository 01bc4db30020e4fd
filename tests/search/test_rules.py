"""How text becomes search words: case, accents, plates and phone numbers."""

from __future__ import annotations

import pytest

from intake.search.rules import addresses, index_words, named_things, names, query_words


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


@pytest.mark.parametrize(
    ("text", "plates"),
    [
        # A word before a plate that mixes letters and digits stays a word.
        ("un coche gris 7XKD 392", {"7xkd392"}),
        ("A white Ford 7XKD again", set()),
        # A letter group is a plate's only beside one lone group of digits.
        ("plate ABC 1234 gris", {"abc1234"}),
        ("plate 1234 ABC", {"1234abc"}),
        ("la placa gris ABC-1234", {"abc1234"}),
        # Beside a number in several groups, a short word is a word.
        ("Call 617 555 0123 now", {"617555", "5550123", "6175550123"}),
        ("7XKD 39A", {"7xkd39a"}),
    ],
)
def test_a_word_beside_a_plate_is_not_glued_to_it(text, plates):
    def joined(words):
        return {w for w in words if len(w) > 4 and any(c.isdigit() for c in w)}

    assert joined(index_words(text)) == plates
    # The query reads the text the same way: a search for it finds it.
    assert joined(query_words(text)) <= plates


def test_a_query_of_only_stopwords_has_no_words():
    assert query_words("the and de la") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Yesterday Marcus Lee came by with Junior.", {"name:marcus lee"}),
        ("Marcus A. Lee sells from the porch", {"name:marcus lee"}),
        ("Marcus Antonio Lee is the one", {"name:marcus antonio lee", "name:marcus lee"}),
        ("José Pérez vende en la esquina", {"name:jose perez"}),
        ("Mi vecina Ana María Gómez grita", {"name:ana maria gomez", "name:ana gomez"}),
        ("The guy they call Big Mike, from the park", {"name:big mike"}),
        ("He lives on Blue Hill Avenue near Dudley Square", set()),  # streets and places
        ("Cars race in Franklin Park every Friday night", set()),
        ("Monday Tuesday Police Officer", set()),  # openers, days, titles
        ("i saw marcus lee at the store", set()),  # no capitals: nothing to go on
        ("MARCUS LEE IS SELLING", set()),
        ("He is Tony. Then he left", set()),
    ],
)
def test_names_are_capitalised_runs_that_are_not_openers_or_streets(text, expected):
    assert names(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("they deal out of 45 Elm St. at night", {"addr:45 elm street"}),
        ("45 elm street, second floor", {"addr:45 elm street"}),
        ("1200 Blue Hill Ave apt 3", {"addr:1200 blue hill avenue"}),
        ("45-47 Elm Street", {"addr:45 elm street"}),
        ("vende en la calle Olmo 45", {"addr:45 olmo street"}),
        ("en la avenida Blue Hill #1200", {"addr:1200 blue hill avenue"}),
        ("en la Avenida Blue Hill número 1200", {"addr:1200 blue hill avenue"}),
        ("he has 3 guns in the car", set()),
        ("about 20 of them at the park", set()),  # "of them at the" is not a street name
    ],
)
def test_addresses_become_one_spelling(text, expected):
    assert addresses(text) == expected


def test_names_and_addresses_are_index_words_no_query_can_produce():
    words = index_words("Marcus Lee at 45 Elm St") | named_things("Marcus Lee at 45 Elm St")
    assert {"name:marcus lee", "addr:45 elm street", "marcus", "elm"} <= words
    for query in ("name:marcus lee", "addr:45 elm street", "Marcus Lee"):
        assert not any(":" in w for w in query_words(query))
