"""The learnt model: its training set, its shipped parameters, and how it backs the lexicon."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from intake.classify import model, rules, urgency_model
from intake.classify.evaluate import DEFAULT_EVALUATION_PATH, load_labelled
from intake.classify.retrain import blind_sets
from intake.classify.rules import (
    ALERTING_URGENCIES,
    BLEND,
    _analyse,
    _classify,
    assess_urgency,
    blend_scores,
    classify_text,
    fold,
    normalised_words,
    urgency_signals,
)
from intake.classify.taxonomy import DEFAULT_CODES
from intake.classify.train import (
    CATEGORY_TRAINING_PATHS,
    CLASSES,
    DEFAULT_TRAINING_PATH,
    DEFAULT_URGENCY_TRAINING_PATH,
    RESIDENTS_TRAINING_PATH,
    RETIRED_BLIND_SETS,
    RETIRED_URGENCY_SETS,
    URGENCY_TRAINING_PATHS,
    main,
    train_text,
    train_urgency_text,
)

HERE = Path(__file__).parent
SCORED_SETS = [
    DEFAULT_EVALUATION_PATH,
    HERE / "heldout.jsonl",
    HERE / "blind_2.jsonl",
    HERE / "blind_3.jsonl",
    HERE / "blind_4.jsonl",
]
# urgency_blind_5.jsonl is scored for urgency only (line 130, a non-emergency, happens to be a
# near-duplicate of a training tip), so it is not a category set and not checked here.
NEAR_DUPLICATE_JACCARD = 0.6


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[^\W_]+", fold(text)))


def _normalised(text: str) -> str:
    return " ".join(re.findall(r"[^\W_]+", fold(text)))


def test_training_set_shape() -> None:
    tips = load_labelled(DEFAULT_TRAINING_PATH)
    assert len(tips) >= 900
    assert sum(t.language == "es" for t in tips) >= 0.4 * len(tips)
    per_category = Counter(t.category for t in tips)
    assert set(per_category) == DEFAULT_CODES
    assert min(per_category.values()) >= 25
    assert {t.urgency for t in tips} <= {"emergency", "high", "normal"}
    assert len({_normalised(t.text) for t in tips}) == len(tips)


@pytest.mark.parametrize("path", SCORED_SETS, ids=lambda p: p.name)
def test_training_set_shares_no_text_with_a_scored_set(path: Path) -> None:
    training = [_words(t.text) for t in load_labelled(DEFAULT_TRAINING_PATH)]
    normalised = {_normalised(t.text) for t in load_labelled(DEFAULT_TRAINING_PATH)}
    for tip in load_labelled(path):
        assert _normalised(tip.text) not in normalised
        words = _words(tip.text)
        closest = max(len(words & other) / len(words | other) for other in training)
        assert closest < NEAR_DUPLICATE_JACCARD


def test_blind_sets_not_retired_are_never_trained_on() -> None:
    # Retired blind sets are training data; every other set in the checkout is what measures.
    trained = {*CATEGORY_TRAINING_PATHS, *URGENCY_TRAINING_PATHS}
    assert set(RETIRED_BLIND_SETS) | set(RETIRED_URGENCY_SETS) <= trained
    blind = sorted(HERE.resolve().glob("*.jsonl"))
    held = [p for p in blind if p not in trained]
    assert [p.name for p in held] == ["blind_19.jsonl"]
    # `classify retrain` measures a candidate on those and the package's evaluation set only.
    assert sorted(blind_sets()) == sorted([DEFAULT_EVALUATION_PATH.name, "blind_19.jsonl"])
    training = [_words(t.text) for path in trained for t in load_labelled(path)]
    normalised = {_normalised(t.text) for path in trained for t in load_labelled(path)}
    for path in held:
        for tip in load_labelled(path):
            assert _normalised(tip.text) not in normalised
            words = _words(tip.text)
            closest = max(len(words & other) / len(words | other) for other in training)
            assert closest < NEAR_DUPLICATE_JACCARD, tip.text[:40]


def test_near_duplicate_check_can_fail() -> None:
    a = _words("se metieron a mi casa cuando estabamos en misa y se llevaron las joyas")
    b = _words("se metieron a mi casa mientras estábamos en misa, se llevaron las joyas")
    assert len(a & b) / len(a | b) >= NEAR_DUPLICATE_JACCARD


def test_shipped_model_is_reproduced_by_training() -> None:
    assert model.DEFAULT_MODEL_PATH.read_text(encoding="utf-8") == train_text()
    assert main(["--check"]) == 0


def test_stale_model_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "training.jsonl"
    path.write_text(
        '{"text": "mi vecino vende perico", "language": "es", "category": "drugs", '
        '"urgency": "normal"}\n'
        '{"text": "my neighbor sells perico", "language": "en", "category": "drugs", '
        '"urgency": "normal"}\n',
        encoding="utf-8",
    )
    assert train_text(path) != train_text()


def test_model_file_is_checked(tmp_path: Path) -> None:
    bad = tmp_path / "model.json"
    bad.write_text('{"format": 99}', encoding="utf-8")
    with pytest.raises(model.ModelFileError):
        model.load_counts(bad)
    with pytest.raises(model.ModelFileError):
        model.load_counts(tmp_path / "missing.json")


def test_features_fold_numbers_and_include_grams() -> None:
    found = model.features(["vende", "una", "9mm"])
    assert {"w:vende", "b:vende una", "c:_ven", "c:nde_", "w:0mm"} <= found


def test_model_alone_learns_words_the_lexicon_lacks() -> None:
    nb = model.default_model()
    words = normalised_words("dude set the mattresses on fire behind the lot")
    scores, known = nb.log_likelihoods(words)
    assert known > 0
    best = max(range(len(scores)), key=scores.__getitem__)
    assert nb.classes[best] == "arson"


def test_blend_lets_strong_lexicon_evidence_win() -> None:
    flat = [0.0] * len(CLASSES)
    leaning = [0.0 if code == "assault" else -40.0 for code in CLASSES]
    ranked = blend_scores({"officer_conduct": 8.0}, "officer_conduct", leaning, CLASSES)
    assert ranked[0][0] == "officer_conduct"
    weak = blend_scores({"theft": 1.6}, "theft", leaning, CLASSES)
    assert weak[0][0] == "assault"
    nothing = blend_scores({}, None, flat, CLASSES)
    assert nothing[0][0] == "other"
    custom = blend_scores({"animal_cruelty": 3.0}, "animal_cruelty", leaning, CLASSES, BLEND)
    assert custom[0][0] == "animal_cruelty"


def test_model_evidence_when_the_lexicon_has_none() -> None:
    text = "the mattresses behind Geneva keep going up in flames at night"
    result = classify_text(text)
    folded = fold(text)
    assert result.evidence
    assert all(word in folded for phrase in result.evidence for word in phrase.split())


def test_unsure_when_the_margin_is_small() -> None:
    assert classify_text("somebody did something on my street").is_unsure
    assert not classify_text("they sell crack and fentanyl out of the green house").is_unsure


# --------------------------------------------------------------------------- urgency model

URGENCY_SCORED_SETS = [*SCORED_SETS, *(HERE / f"urgency_blind_{n}.jsonl" for n in (5, 6, 7))]
BLIND_8 = HERE / "blind_8.jsonl"
BLIND_9 = HERE / "blind_9.jsonl"
BLIND_10 = HERE / "blind_10.jsonl"
BLIND_11 = HERE / "blind_11.jsonl"
BLIND_12 = HERE / "blind_12.jsonl"


def test_residents_training_set_shape() -> None:
    tips = load_labelled(RESIDENTS_TRAINING_PATH)
    assert len(tips) >= 250
    assert sum(t.language == "es" for t in tips) >= 0.45 * len(tips)
    assert sum(t.urgency == "emergency" for t in tips) >= 100
    assert {t.category for t in tips} <= DEFAULT_CODES
    normalised = {_normalised(t.text) for t in tips}
    assert len(normalised) == len(tips)
    for other in (DEFAULT_TRAINING_PATH, DEFAULT_URGENCY_TRAINING_PATH):
        assert not normalised & {_normalised(t.text) for t in load_labelled(other)}


@pytest.mark.parametrize(
    "path",
    [*URGENCY_SCORED_SETS, BLIND_8, BLIND_9, BLIND_10, BLIND_11, BLIND_12],
    ids=lambda p: p.name,
)
def test_residents_training_set_shares_no_text_with_a_scored_set(path: Path) -> None:
    training = [_words(t.text) for t in load_labelled(RESIDENTS_TRAINING_PATH)]
    for tip in load_labelled(path):
        words = _words(tip.text)
        closest = max(len(words & other) / len(words | other) for other in training)
        assert closest < NEAR_DUPLICATE_JACCARD


@pytest.mark.parametrize(
    "training_path", [DEFAULT_TRAINING_PATH, DEFAULT_URGENCY_TRAINING_PATH], ids=lambda p: p.name
)
def test_blind_8_shares_no_text_with_older_training_sets(training_path: Path) -> None:
    training = [_words(t.text) for t in load_labelled(training_path)]
    for tip in load_labelled(BLIND_8):
        words = _words(tip.text)
        assert max(len(words & other) / len(words | other) for other in training) < 0.6


def test_urgency_training_set_shape() -> None:
    tips = load_labelled(DEFAULT_URGENCY_TRAINING_PATH)
    assert len(tips) >= 500
    assert sum(t.language == "es" for t in tips) >= 0.45 * len(tips)
    assert sum(t.urgency == "emergency" for t in tips) >= 180
    assert sum(t.urgency != "emergency" for t in tips) >= 280
    assert {t.category for t in tips} <= DEFAULT_CODES
    normalised = {_normalised(t.text) for t in tips}
    assert len(normalised) == len(tips)
    assert not normalised & {_normalised(t.text) for t in load_labelled(DEFAULT_TRAINING_PATH)}


@pytest.mark.parametrize("path", URGENCY_SCORED_SETS, ids=lambda p: p.name)
def test_urgency_training_set_shares_no_text_with_a_scored_set(path: Path) -> None:
    training = [_words(t.text) for t in load_labelled(DEFAULT_URGENCY_TRAINING_PATH)]
    normalised = {_normalised(t.text) for t in load_labelled(DEFAULT_URGENCY_TRAINING_PATH)}
    for tip in load_labelled(path):
        assert _normalised(tip.text) not in normalised
        words = _words(tip.text)
        closest = max(len(words & other) / len(words | other) for other in training)
        assert closest < NEAR_DUPLICATE_JACCARD


@pytest.mark.parametrize("name", ["urgency_blind_6.jsonl", "urgency_blind_7.jsonl"])
def test_category_training_set_shares_no_text_with_an_urgency_set(name: str) -> None:
    # The urgency model also learns from training.jsonl (urgency_blind_5 is the known exception
    # noted above, kept out of both models' tuning).
    training = [_words(t.text) for t in load_labelled(DEFAULT_TRAINING_PATH)]
    for tip in load_labelled(HERE / name):
        words = _words(tip.text)
        assert max(len(words & other) / len(words | other) for other in training) < 0.6


def test_shipped_urgency_model_is_reproduced_by_training() -> None:
    shipped = urgency_model.DEFAULT_URGENCY_MODEL_PATH.read_text(encoding="utf-8")
    assert shipped == train_urgency_text()


def test_stale_urgency_model_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "urgency.jsonl"
    path.write_text(
        '{"text": "he is stabbing her now", "language": "en", "category": "assault", '
        '"urgency": "emergency"}\n'
        '{"text": "he stabbed her in 2019", "language": "en", "category": "assault", '
        '"urgency": "high"}\n',
        encoding="utf-8",
    )
    assert train_urgency_text([path]) != train_urgency_text()


def test_urgency_model_file_is_checked(tmp_path: Path) -> None:
    bad = tmp_path / "urgency_model.json"
    bad.write_text('{"format": 99}', encoding="utf-8")
    with pytest.raises(urgency_model.UrgencyModelFileError):
        urgency_model.load(bad)
    bad.write_text('{"format": 1, "bias": 0.0}', encoding="utf-8")
    with pytest.raises(urgency_model.UrgencyModelFileError):
        urgency_model.load(bad)


def test_urgency_fit_learns_and_is_deterministic() -> None:
    docs = [
        (frozenset({"w:now", "w:gun"}), True),
        (frozenset({"w:now", "w:knife"}), True),
        (frozenset({"w:lastyear", "w:gun"}), False),
        (frozenset({"w:lastyear", "w:knife"}), False),
    ] * 3
    first = urgency_model.fit(docs)
    assert urgency_model.dumps(first) == urgency_model.dumps(urgency_model.fit(docs))
    assert first.probability({"w:now", "w:gun"}) > 0.5 > first.probability({"w:lastyear", "w:gun"})
    assert first.strongest({"w:now", "w:gun"})[0] == "now"


def test_rule_signals_name_the_frames() -> None:
    now = urgency_signals(_analyse("he is stabbing her right now"))
    assert {"r:danger", "r:time", "r:danger_time", "r:danger_time_clean"} <= now
    old = urgency_signals(_analyse("he stabbed her last year"))
    assert "r:cancel" in old and "r:danger_time_clean" not in old


def test_learnt_model_adds_an_emergency_the_rules_miss() -> None:
    # A training tip the frames have no words for; the model learnt it (rules OR model).
    text = "theres a fight in the parking lot of the stop n shop and one of them pulled a blade"
    assert _classify(text, None, use_urgency_model=False).urgency != "emergency"
    result = classify_text(text)
    assert result.urgency in ALERTING_URGENCIES
    assert result.urgency_probability >= rules.POSSIBLE_PROBABILITY
    assert result.urgency_evidence
    assert all(word in fold(text) for word in result.urgency_evidence)
    assert assess_urgency(text, "en")[0] == result.urgency


def test_possible_emergency_is_the_models_unsure_band(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "theres a fight in the parking lot of the stop n shop and one of them pulled a blade"
    rules_only = _classify(text, None, use_urgency_model=False).urgency
    probability = classify_text(text).urgency_probability
    assert 0.0 < probability < 1.0
    monkeypatch.setattr(rules, "EMERGENCY_PROBABILITY", probability + 0.01)
    monkeypatch.setattr(rules, "POSSIBLE_PROBABILITY", probability - 0.01)
    assert classify_text(text).urgency == "possible_emergency"
    assert assess_urgency(text, "en")[0] == "possible_emergency"
    monkeypatch.setattr(rules, "EMERGENCY_PROBABILITY", probability - 0.005)
    assert classify_text(text).urgency == "emergency"
    monkeypatch.setattr(rules, "EMERGENCY_PROBABILITY", 2.0)
    monkeypatch.setattr(rules, "POSSIBLE_PROBABILITY", probability + 0.01)
    assert classify_text(text).urgency == rules_only


def test_a_denied_danger_keeps_the_model_silent() -> None:
    result = classify_text("my neighbor does not have a gun, the kids were playing with a toy")
    assert result.urgency_probability == 0.0
    assert result.urgency not in ALERTING_URGENCIES


def test_urgency_model_probabilities_are_calibrated() -> None:
    # Platt scaling from held-out folds: the shipped calibration is not the identity.
    scorer = urgency_model.default_urgency_model()
    assert scorer.calibration != (1.0, 0.0)
    assert scorer.calibrated(-50.0) < 0.01 < 0.99 < scorer.calibrated(50.0)


def test_a_silent_model_never_removes_a_rules_emergency(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "he is stabbing my brother right now on Geneva ave"
    assert _classify(text, None, use_urgency_model=True).urgency == "emergency"
    # A model that never fires (thresholds above any probability) leaves the rules' emergency.
    monkeypatch.setattr(rules, "EMERGENCY_PROBABILITY", 2.0)
    monkeypatch.setattr(rules, "POSSIBLE_PROBABILITY", 2.0)
    assert _classify(text, None, use_urgency_model=True).urgency == "emergency"


def test_learnt_model_keeps_high_and_normal_when_it_does_not_fire() -> None:
    text = "he always says he will kill me one day, he said it again last year"
    assert (
        classify_text(text).urgency
        == _classify(text, None, use_urgency_model=False).urgency
        != "emergency"
    )


def test_model_vetoes_a_frames_emergency_it_is_sure_is_none() -> None:
    # A hypothetical the frames read as someone held now: the model is nearly sure it is not.
    text = "what if somebody was being held in a basement, how would police know"
    assert _classify(text, None, use_urgency_model=False).urgency == "emergency"
    result = classify_text(text)
    assert result.urgency_probability < rules.VETO_PROBABILITY
    assert result.urgency == "high"


def test_veto_spares_imminent_threats(monkeypatch: pytest.MonkeyPatch) -> None:
    # With a veto above any probability, a now-frame emergency falls to high, but a threat for
    # tonight (the model learns those poorly) stays an emergency.
    monkeypatch.setattr(rules, "VETO_PROBABILITY", 2.0)
    assert classify_text("he is stabbing my brother right now on Geneva ave").urgency == "high"
    threat = "mi vecino dice que esta noche va a balacear la fiesta, ya tiene el rifle en la troca"
    assert _classify(threat, None, use_urgency_model=False).urgency == "emergency"
    assert classify_text(threat).urgency == "emergency"
    assert assess_urgency(threat, "es")[0] == "emergency"


def test_veto_spares_a_small_child_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    # A child alone with the state still holding is told in calm words the model reads as a
    # habit or a past: with a veto above any probability, the frames' emergency still stands.
    monkeypatch.setattr(rules, "VETO_PROBABILITY", 2.0)
    for text in (
        "the toddler upstairs has been alone since last night, I can hear him through the floor",
        "los niños del 3er piso siguen solos desde ayer, la mamá no ha vuelto",
    ):
        assert _classify(text, None, use_urgency_model=False).urgency == "emergency", text
        assert classify_text(text).urgency == "emergency", text
