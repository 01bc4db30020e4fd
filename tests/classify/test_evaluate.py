"""The shipped evaluation set meets its targets; evaluate() and friends are CLI-ready."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from intake.classify.evaluate import (
    DEFAULT_EVALUATION_PATH,
    EvaluationSetError,
    classification_to_dict,
    evaluate,
    evaluate_tips,
    format_report,
    load_labelled,
)
from intake.classify.rules import classify_text
from intake.classify.taxonomy import DEFAULT_CODES

HELDOUT = Path(__file__).parent / "heldout.jsonl"


def test_evaluation_set_shape() -> None:
    tips = load_labelled(DEFAULT_EVALUATION_PATH)
    assert len(tips) >= 320
    assert sum(t.language == "es" for t in tips) >= 110
    assert sum(t.urgency == "emergency" for t in tips) >= 25
    per_category = Counter(t.category for t in tips)
    assert set(per_category) == DEFAULT_CODES
    assert min(per_category.values()) >= 8
    assert len({t.text for t in tips}) == len(tips)


def test_heldout_shares_no_text_with_evaluation_set() -> None:
    evaluation = {t.text for t in load_labelled(DEFAULT_EVALUATION_PATH)}
    heldout = load_labelled(HELDOUT)
    assert len(heldout) >= 60
    assert not evaluation & {t.text for t in heldout}


def test_evaluation_set_meets_targets() -> None:
    report = evaluate()
    assert report.accuracy >= 0.90
    assert report.language_accuracy("en") >= 0.85
    assert report.language_accuracy("es") >= 0.85
    assert report.emergency_recall == 1.0, report.missed_emergencies
    assert report.false_alarm_rate <= 0.05


def test_heldout_set_targets() -> None:
    report = evaluate(HELDOUT)
    assert report.accuracy >= 0.92
    assert report.emergency_recall == 1.0, report.missed_emergencies
    assert report.false_alarm_rate <= 0.05


def test_report_counts_and_confusion(tmp_path: Path) -> None:
    rows = [
        {"text": "venden perico en la esquina", "language": "es", "category": "drugs",
         "urgency": "normal"},
        {"text": "someone is shooting right now outside", "language": "en",
         "category": "shooting", "urgency": "emergency"},
        {"text": "my car was stolen last night", "language": "en", "category": "theft",
         "urgency": "normal"},
    ]  # fmt: skip
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    report = evaluate(path)
    assert (report.total, report.correct) == (3, 2)
    assert report.per_language == {"en": (1, 2), "es": (1, 1)}
    assert report.confusion[("theft", "vehicle_theft")] == 1
    assert all(n > 0 for n in report.confusion.values())
    assert (report.emergencies, report.emergencies_caught, report.false_alarms) == (1, 1, 0)
    text = format_report(report)
    assert "66.7%" in text
    assert "theft" in text and "vehicle_theft:1" in text
    assert "stolen" not in text  # the report never echoes a narrative


def test_malformed_file_raises(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "x"}\n', encoding="utf-8")
    with pytest.raises(EvaluationSetError):
        evaluate(path)
    with pytest.raises(EvaluationSetError):
        evaluate(tmp_path / "missing.jsonl")


def test_classification_to_dict_is_json_ready() -> None:
    data = classification_to_dict(classify_text("está armado afuera de mi casa ahora"))
    assert {"category", "confidence", "urgency", "language", "evidence", "runners_up",
            "is_unsure"} <= set(data)  # fmt: skip
    assert data["urgency"] == "emergency"
    assert data["language"] == "es"
    assert json.loads(json.dumps(data)) == data


BLIND_2 = Path(__file__).parent / "blind_2.jsonl"
BLIND_3 = Path(__file__).parent / "blind_3.jsonl"
BLIND_4 = Path(__file__).parent / "blind_4.jsonl"
URGENCY_BLIND_5 = Path(__file__).parent / "urgency_blind_5.jsonl"
URGENCY_BLIND_6 = Path(__file__).parent / "urgency_blind_6.jsonl"
URGENCY_BLIND_7 = Path(__file__).parent / "urgency_blind_7.jsonl"
BLIND_8 = Path(__file__).parent / "blind_8.jsonl"
BLIND_9 = Path(__file__).parent / "blind_9.jsonl"
BLIND_10 = Path(__file__).parent / "blind_10.jsonl"
BLIND_11 = Path(__file__).parent / "blind_11.jsonl"
BLIND_12 = Path(__file__).parent / "blind_12.jsonl"
BLIND_13 = Path(__file__).parent / "blind_13.jsonl"
BLIND_14 = Path(__file__).parent / "blind_14.jsonl"
BLIND_15 = Path(__file__).parent / "blind_15.jsonl"
BLIND_16 = Path(__file__).parent / "blind_16.jsonl"
BLIND_17 = Path(__file__).parent / "blind_17.jsonl"
BLIND_18 = Path(__file__).parent / "blind_18.jsonl"
BLIND_19 = Path(__file__).parent / "blind_19.jsonl"


def test_labelled_sets_share_no_text() -> None:
    # Every labelled set in the checkout, found rather than listed, so a new one cannot be missed.
    sets = [DEFAULT_EVALUATION_PATH, *sorted(Path(__file__).parent.glob("*.jsonl"))]
    assert {HELDOUT, URGENCY_BLIND_5, BLIND_2, BLIND_16, BLIND_19} <= set(sets)
    texts = [{t.text.casefold() for t in load_labelled(path)} for path in sets]
    for i, first in enumerate(texts):
        for second in texts[i + 1 :]:
            assert not first & second


def test_blind_sets_shape() -> None:
    for path, size in ((BLIND_2, 150), (BLIND_3, 100), (BLIND_4, 100)):
        tips = load_labelled(path)
        assert len(tips) >= size
        assert set(Counter(t.category for t in tips)) == DEFAULT_CODES
        assert min(Counter(t.category for t in tips).values()) >= 4
        assert sum(t.urgency == "emergency" for t in tips) >= 14


# Floors sit five points under the score measured when the set was last scored (README).
@pytest.mark.parametrize(("path", "floor"), [(BLIND_2, 0.90), (BLIND_3, 0.84)])
def test_blind_set_floor_and_every_emergency(path: Path, floor: float) -> None:
    report = evaluate(path)
    assert report.accuracy >= floor
    assert report.emergency_recall == 1.0, report.missed_emergencies
    assert report.false_alarm_rate <= 0.05


def test_blind_4_floor_and_every_emergency() -> None:
    # Scored once on the lexicon + model blend (91.0%; 8/15 emergencies when scored). Its
    # misses were then fixed by the general urgency frames, so it requires every emergency.
    report = evaluate(BLIND_4)
    assert report.accuracy >= 0.86
    assert report.emergency_recall == 1.0, report.missed_emergencies
    assert report.false_alarm_rate <= 0.05


def test_urgency_blind_5_shape() -> None:
    tips = load_labelled(URGENCY_BLIND_5)
    assert len(tips) == 160
    assert sum(t.language == "es" for t in tips) >= 0.45 * len(tips)
    assert sum(t.urgency == "emergency" for t in tips) == 60


def test_urgency_blind_5_every_emergency() -> None:
    # Written for urgency only (scored blind at 32/60 caught, 9% false alarms; README).
    report = evaluate(URGENCY_BLIND_5)
    assert report.emergency_recall == 1.0, report.missed_emergencies
    assert report.false_alarm_rate <= 0.05


def test_urgency_blind_6_every_emergency() -> None:
    # Scored once blind: 18/30 caught (60%), 1/50 false alarms. Its misses were then fixed by
    # the frames (30/30); the learnt model alone, which never saw it, catches 19/30, and the
    # pre-tuning rules OR the model 26/30 (README). Measured now: 30/30, 1/50 false alarms.
    tips = load_labelled(URGENCY_BLIND_6)
    assert len(tips) == 80
    assert sum(t.urgency == "emergency" for t in tips) == 30
    report = evaluate(URGENCY_BLIND_6)
    assert report.emergency_recall == 1.0, report.missed_emergencies
    assert report.false_alarm_rate <= 0.05


def test_urgency_blind_7_floor() -> None:
    # Written after the learnt urgency model, committed, then scored once: rules alone 21/40,
    # rules OR model 29/40 (72.5%), false alarms 5/60 (8.3%; rules alone 4/60). Since then
    # (README): 37/40 with the calibrated model; the model's veto of frames emergencies it is
    # sure are none took false alarms to 1/60, the third batch of residents' tips left 2/60.
    # Floors a few points under those measurements.
    tips = load_labelled(URGENCY_BLIND_7)
    assert len(tips) == 100
    assert sum(t.urgency == "emergency" for t in tips) == 40
    assert sum(t.language == "es" for t in tips) >= 40
    report = evaluate(URGENCY_BLIND_7)
    assert report.emergency_recall >= 0.88, report.missed_emergencies
    assert report.false_alarm_rate <= 0.06


def test_blind_8_floor() -> None:
    # Written as residents write (SMS, slang, typos, Spanglish, plain-words emergencies, hard
    # non-emergencies), committed before the classifier ran on it, scored once before the
    # calibrated model (alerting recall 49/75, false alarms 12/216, top-1 or second 71.5%) and
    # once after (62/75 = 82.7%, 15/216 = 6.9%, 75.9%). Its misses were then read (the set is
    # spent) and more training tips written: 69/75, 13/216, 76.6%; with the model's veto and
    # the third batch of residents' tips 69/75 (92.0%), 12/216 (5.6%), 79.4%. Floors a few
    # points under; the targets (95%, 5%, 85%) are not met (bench/README_classify.md).
    tips = load_labelled(BLIND_8)
    assert len(tips) == 291
    assert sum(t.urgency == "emergency" for t in tips) == 75
    assert sum(t.language == "es" for t in tips) == 143
    assert sum(t.category_alt is not None for t in tips) >= 100
    report = evaluate(BLIND_8)
    assert report.emergency_recall >= 0.89, report.missed_emergencies
    assert report.false_alarm_rate <= 0.075
    assert report.accuracy_or_alt >= 0.80
    assert report.accuracy_or_alt > report.accuracy


def test_blind_9_floor() -> None:
    # Written after blind_8's misses were read (so by an author who knew them), committed before
    # any classifier ran on it, never trained on. Scored on the original classifier (alerting
    # recall 34/54, false alarms 10/87), on the calibrated model (44/54, 11/87) and after the
    # second batch of residents' training tips (48/54 = 88.9%, 11/87 = 12.6%, top-1 or second
    # 72.3%); then with the model's veto (7/87) and the third batch of residents' tips: 48/54
    # (88.9%), 9/87 (10.3%), 74.5%. Floors a few points under; the 5% false-alarm target is far
    # from met.
    tips = load_labelled(BLIND_9)
    assert len(tips) == 141
    assert sum(t.urgency == "emergency" for t in tips) == 54
    report = evaluate(BLIND_9)
    assert report.emergency_recall >= 0.85, report.missed_emergencies
    assert report.false_alarm_rate <= 0.12
    assert report.accuracy_or_alt >= 0.79


def test_blind_10_floor() -> None:
    # 320 tips in residents' voices (160 Spanish, 90 emergencies, 91 with an acceptable second
    # category), written by others on wt-blind10 and committed before any classifier ran on it.
    # Its final version (19c3298, the Spanish tips rewritten) scored once on the classifier as
    # it stood (main 9bb5147): alerting recall 76/90 (84.4%; en 39/45, es 37/45), false alarms
    # 16/230 (7.0%; en 12/115, es 4/115), top-1 or second 76.6%. The veto and the third batch
    # of residents' tips were both decided before it appeared; with them: 81/90 (90.0%), 15/230
    # (6.5%), 77.8%. A development set from then on (its misses were read). Floors a few
    # points under.
    tips = load_labelled(BLIND_10)
    assert len(tips) == 320
    assert sum(t.language == "es" for t in tips) == 160
    assert sum(t.urgency == "emergency" for t in tips) == 90
    report = evaluate(BLIND_10)
    assert report.emergency_recall >= 0.87, report.missed_emergencies
    assert report.false_alarm_rate <= 0.08
    assert report.accuracy_or_alt >= 0.79
    assert report.language_accuracy("en") >= 0.75
    assert report.language_accuracy("es") >= 0.67


def test_blind_11_floor() -> None:
    # The held-out set: 300 tips from 30 imagined residents (150 Spanish, 80 emergencies),
    # written on wt-blind11 (a406959) before any classifier ran on it, nobody tuned on it, and
    # scored once, at the end of the session that changed the classifier (README_classify.md):
    # before the change (96c203a) alerting recall 66/80 (82.5%), false alarms 7/220 (3.2%),
    # top-1 or second 74.3%; after (bb9cf8d) 69/80 (86.2%; en 33/40, es 36/40), 4/220 (1.8%),
    # 76.3%. Floors a few points under the after figures.
    tips = load_labelled(BLIND_11)
    assert len(tips) == 300
    assert sum(t.language == "es" for t in tips) == 150
    assert sum(t.urgency == "emergency" for t in tips) == 80
    report = evaluate(BLIND_11)
    assert report.emergency_recall >= 0.86, report.missed_emergencies
    assert report.false_alarm_rate <= 0.04
    assert report.accuracy_or_alt >= 0.76
    assert report.language_accuracy("en") >= 0.64
    assert report.language_accuracy("es") >= 0.68


def test_blind_12_floor() -> None:
    # The held-out set: 498 tips (254 Spanish, 129 emergencies, 89 calm tips with danger words)
    # written apart from the classifier's code and training data, and scored once on the
    # classifier as it stood (README_classify.md): alerting recall 113/129 (87.6%; en 65/70,
    # es 48/59), false alarms 17/369 (4.6%), top-1 or second 82.3% (en 84.8%, es 79.9%).
    # Floors a few points under those figures.
    tips = load_labelled(BLIND_12)
    assert len(tips) == 498
    assert sum(t.language == "es" for t in tips) == 254
    assert sum(t.urgency == "emergency" for t in tips) == 129
    report = evaluate(BLIND_12)
    assert report.emergency_recall >= 0.89, report.missed_emergencies
    assert report.false_alarm_rate <= 0.06
    assert report.accuracy_or_alt >= 0.82
    assert report.language_accuracy("en") >= 0.70
    assert report.language_accuracy("es") >= 0.61


def test_blind_13_floor() -> None:
    # Retired into training after blind_14 was written (its figures are now memory). It was the
    # held-out set: 500 tips (249 Spanish, 130 emergencies) written apart from the
    # classifier's code and training data, before the regression category model and the fourth
    # batch of residents' tips; scored on the classifier before (a76b942) and after (72c464d)
    # them, never tuned on (README_classify.md): alerting recall 117/130 -> 121/130 (90.0% ->
    # 93.1%), false alarms 12/370 -> 18/370 (3.2% -> 4.9%), top-1 or second 70.8% -> 70.8%.
    # Floors a few points under the figures after.
    tips = load_labelled(BLIND_13)
    assert len(tips) == 500
    assert sum(t.language == "es" for t in tips) == 249
    assert sum(t.urgency == "emergency" for t in tips) == 130
    report = evaluate(BLIND_13)
    assert report.emergency_recall >= 0.90, report.missed_emergencies
    assert report.false_alarm_rate <= 0.06
    assert report.accuracy_or_alt >= 0.68


@dataclass(frozen=True)
class HeldOutFloor:
    """A held-out set's shape and its floors, a few points under the figures it was scored at."""

    path: Path
    size: int
    spanish: int
    recall: float
    false_alarms: float
    category: float
    # Per language: recall, false alarms and category floors.
    per_language: dict[str, tuple[float, float, float]]


HELD_OUT_FLOORS = [
    # Retired into training after blind_15 was written (its figures are now memory). It was the
    # held-out set: 500 tips (250 Spanish, 130 emergencies) written apart
    # from the classifier's code, its training data and the earlier sets, committed before any
    # classifier ran on it, scored on the classifier before (c27e656) and after (1663a0e) the
    # retired sets were trained on (README_classify.md): alerting recall 110/130 -> 114/130
    # (84.6% -> 87.7%), false alarms 21/370 -> 23/370 (5.7% -> 6.2%; en 9.2%), top-1 or second
    # 79.2% -> 83.2%. Floors a few points under the figures after.
    HeldOutFloor(
        BLIND_14, 500, 250, 0.85, 0.08, 0.80, {"en": (0.83, 0.11, 0.79), "es": (0.83, 0.11, 0.79)}
    ),
    # Retired into training after blind_16 was written (its figures are now memory). It was the
    # held-out set: 499 tips (249 Spanish, 130 emergencies) written apart
    # from the classifier's code, its training data and the earlier sets, committed before any
    # classifier ran on it, scored on c27e656, c9b4180 and cff073f (README_classify.md):
    # alerting recall 87.7% -> 93.1% -> 93.1%, false alarms 4.6% -> 3.3% -> 3.3%, top-1 or
    # second 76.8% -> 84.2% -> 85.6% (en 84.8%, es 86.3%). Floors a few points under the last.
    HeldOutFloor(
        BLIND_15, 499, 249, 0.91, 0.05, 0.83, {"en": (0.89, 0.06, 0.82), "es": (0.89, 0.06, 0.82)}
    ),
    # Retired into training after blind_17 was scored (its figures are now memory). It was the
    # held-out set: 498 tips (248 Spanish, 130 emergencies) written apart
    # from the classifier's code, its training data and the earlier sets, committed before any
    # classifier ran on it, scored on c27e656, 9c77b5c and after blind_15 was retired
    # (README_classify.md): alerting recall 86.9% -> 95.4% -> 95.4% (95.4% in each language),
    # false alarms 4.9% -> 3.8% -> 3.8% (en 4.9%, es 2.7%), top-1 or second 72.7% -> 79.5% ->
    # 80.9% (en 74.8%, es 87.1%). Floors a few points under the last.
    HeldOutFloor(
        BLIND_16, 498, 248, 0.93, 0.05, 0.78, {"en": (0.92, 0.06, 0.72), "es": (0.92, 0.06, 0.84)}
    ),
    # Retired into training after it was scored once on f7ed8ee (README_classify.md): 497 tips
    # (248 Spanish, 130 emergencies), alerting recall 90.0% (en 86.2%, es 93.8%), false alarms
    # 1.9%, top-1 or second 86.3% (en 86.7%, es 85.9%). Floors a few points under those.
    HeldOutFloor(
        BLIND_17, 497, 248, 0.87, 0.04, 0.83, {"en": (0.83, 0.04, 0.83), "es": (0.90, 0.05, 0.83)}
    ),
    # Retired into training after it was scored once on f7ed8ee and ba91024: 497 tips (249
    # Spanish, 130 emergencies), alerting recall 83.8% -> 85.4% (en 83.1%, es 87.7%), false
    # alarms 6.3% -> 6.5% (es 8.7%), top-1 or second 87.9% -> 88.7%. Floors under the last.
    HeldOutFloor(
        BLIND_18, 497, 249, 0.82, 0.08, 0.85, {"en": (0.80, 0.07, 0.83), "es": (0.84, 0.11, 0.87)}
    ),
    # The held-out set, never trained on: 494 tips (249 Spanish, 130 emergencies) written apart
    # from the classifier's code, its training data and the earlier sets, committed (5026c55)
    # before any classifier ran on it, scored once on f7ed8ee and on c5d80ac
    # (README_classify.md): alerting recall 89.2% -> 90.0% (en 87.7%, es 92.3%), false alarms
    # 3.3% -> 2.2% (en 3.3%, es 1.1%), top-1 or second 84.4% -> 88.3% (en 86.9%, es 89.6%).
    # Floors a few points under the last.
    HeldOutFloor(
        BLIND_19, 494, 249, 0.87, 0.04, 0.85, {"en": (0.84, 0.06, 0.83), "es": (0.89, 0.04, 0.86)}
    ),
]


@pytest.mark.parametrize("floor", HELD_OUT_FLOORS, ids=lambda f: f.path.name)
def test_held_out_set_floor(floor: HeldOutFloor) -> None:
    tips = load_labelled(floor.path)
    assert len(tips) == floor.size
    assert sum(t.language == "es" for t in tips) == floor.spanish
    assert sum(t.urgency == "emergency" for t in tips) == 130
    report = evaluate(floor.path)
    assert report.emergency_recall >= floor.recall, report.missed_emergencies
    assert report.false_alarm_rate <= floor.false_alarms
    assert report.accuracy_or_alt >= floor.category
    for language, (recall, false_alarms, category) in floor.per_language.items():
        part = evaluate_tips([t for t in tips if t.language == language])
        assert part.emergency_recall >= recall
        assert part.false_alarm_rate <= false_alarms
        assert part.accuracy_or_alt >= category
