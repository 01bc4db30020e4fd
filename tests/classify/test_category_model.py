"""The logistic-regression category model: its file, its training, and how it joins the blend."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from intake.classify import category_model, model, rules
from intake.classify.blend import BLEND, combine_models, model_floor
from intake.classify.rules import classify_text, normalised_words
from intake.classify.train import CLASSES, train_category_text


def test_shipped_category_model_is_reproduced_by_training() -> None:
    shipped = category_model.DEFAULT_CATEGORY_MODEL_PATH.read_text(encoding="utf-8")
    assert shipped == train_category_text()


def test_stale_category_model_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "training.jsonl"
    rows = [
        ("mi vecino vende perico en la esquina", "drugs"),
        ("my neighbor sells perico on the corner", "drugs"),
        ("someone keyed my car on the corner", "vandalism"),
        ("alguien rayó mi carro en la esquina", "vandalism"),
    ]
    path.write_text(
        "".join(
            json.dumps({"text": t, "language": "en", "category": c, "urgency": "normal"}) + "\n"
            for t, c in rows
        ),
        encoding="utf-8",
    )
    assert train_category_text([path]) != train_category_text()


def test_category_fit_learns_and_is_deterministic() -> None:
    texts = [
        ("he sells crack on the corner", "drugs"),
        ("they sell crack behind the store", "drugs"),
        ("someone spray painted my garage", "vandalism"),
        ("kids spray painted the school wall", "vandalism"),
    ] * 2
    docs = [(model.features(normalised_words(t)), c) for t, c in texts]
    first = category_model.fit(docs, CLASSES)
    assert category_model.dumps(first) == category_model.dumps(category_model.fit(docs, CLASSES))
    scorer = category_model.build(first)
    log_p, known = scorer.log_probabilities(model.features(normalised_words("crack sold here")))
    assert known > 0
    assert scorer.classes[log_p.index(max(log_p))] == "drugs"
    assert math.isclose(sum(math.exp(x) for x in log_p), 1.0, rel_tol=1e-6)
    # A class never seen in training gets no probability to speak of.
    assert math.exp(log_p[CLASSES.index("homicide")]) < 1e-6


def test_category_model_file_is_checked(tmp_path: Path) -> None:
    bad = tmp_path / "category_model.json"
    bad.write_text('{"format": 99}', encoding="utf-8")
    with pytest.raises(category_model.CategoryModelFileError):
        category_model.load(bad)
    bad.write_text(
        '{"format": 1, "classes": ["a", "b"], "intercepts": [0, 0], "features": {"w:x": [1, 2]}}',
        encoding="utf-8",
    )
    with pytest.raises(category_model.CategoryModelFileError):
        category_model.load(bad)
    with pytest.raises(category_model.CategoryModelFileError):
        category_model.load(tmp_path / "missing.json")


def test_unknown_text_scores_nothing() -> None:
    scorer = category_model.default_category_model()
    assert scorer.log_probabilities({"w:qqqzzz", "c:_qqq"}) == ([0.0] * len(scorer.classes), 0)


def test_regression_learns_words_the_lexicon_lacks() -> None:
    scorer = category_model.default_category_model()
    words = normalised_words("dude set the mattresses on fire behind the lot")
    log_p, _ = scorer.log_probabilities(model.features(words))
    assert scorer.classes[log_p.index(max(log_p))] == "arson"


def test_combine_maps_by_code_and_gives_unknown_classes_the_best() -> None:
    combined = combine_models([-1.0, -2.0, -3.0], ["a", "b", "custom"], [-0.1, -2.0], ["a", "b"])
    assert combined[0] == pytest.approx(BLEND.regression_weight * -0.1 + BLEND.nb_share * -1.0)
    assert combined[2] == pytest.approx(BLEND.regression_weight * -0.1 + BLEND.nb_share * -3.0)


@pytest.mark.parametrize(
    "text",
    [
        "Plate 7XKD 392 behind the rink.",
        "Su aviso tiene 2 fotos.",
        "hello is anybody there",
        "jaja perdon era para mi esposo, ignoren",
    ],
)
def test_text_the_models_do_not_know_stays_other(text: str) -> None:
    assert classify_text(text).category == "other"


def test_the_floor_is_higher_for_short_tips() -> None:
    assert model_floor(BLEND.short_words) == BLEND.short_floor
    assert model_floor(BLEND.short_words + 1) == BLEND.confidence_floor < BLEND.short_floor


def test_a_confident_regression_still_names_the_crime_without_the_lexicon(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = "Plate 7XKD 392 behind the rink."
    real = category_model.default_category_model()

    class Sure:
        classes = real.classes

        def log_probabilities(self, features: object) -> tuple[list[float], int]:
            sure = [math.log(0.001)] * len(self.classes)
            sure[self.classes.index("vehicle_theft")] = math.log(0.977)
            return sure, 3

    monkeypatch.setattr(rules.category_model, "default_category_model", lambda: Sure())
    assert classify_text(text).category == "vehicle_theft"
