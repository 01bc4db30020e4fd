"""`classify retrain`: corrections made on the tip page reach the next evaluation; a candidate is
adopted only when asked and only if emergency recall does not fall; no narrative reaches disk."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from intake.classify import category_model, model, retrain, urgency_model
from intake.classify.evaluate import LabelledTip
from intake.classify.retrain import SetScore, recall_falls
from tests.oncall.test_cli_and_pages import _csrf
from tests.queues.test_audit_page import _signed_in
from tests.staff.factories import N1_POINT, make_tip, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")

BLIND = Path(__file__).parent / "blind_4.jsonl"


@pytest.fixture(autouse=True)
def shipped_models() -> Iterator[None]:
    """Every test ends with the shipped models in use again (they are process-wide)."""
    yield
    retrain.install(None, None)


def test_a_correction_on_the_tip_page_appears_in_the_next_evaluation(
    own_app, session, keyring, tmp_path
):
    web = own_app(instance_path=str(tmp_path))
    det = make_user(session, keyring, "det", "detective", ("N1",))
    tip = make_tip(
        session, keyring, N1_POINT, narrative="People are selling drugs on the Quillfeather porch."
    )
    client = _signed_in(web, session, det)
    token = _csrf(client, f"/staff/tips/{tip.tip_number}")
    client.post(
        f"/staff/tips/{tip.tip_number}/category", data={"csrf_token": token, "category": "gang"}
    )
    session.rollback()

    runner = web.test_cli_runner()

    def invoke(*args: str):
        # The test's own app context (of the shared app) must not be the one the command uses.
        with web.app_context():
            return runner.invoke(
                args=["intake", "classify", "retrain", "--blind", str(BLIND), *args]
            )

    before = invoke()
    assert before.exit_code == 0, before.output
    assert "Corrections: 1 (trained on 0, held out 1)" in before.output
    assert "department corrections (held out)" in before.output
    assert "quillfeather" not in before.output.lower() and "selling" not in before.output
    assert not (tmp_path / "classifier").exists()  # nothing adopted without --adopt

    adopted = invoke("--adopt")
    assert adopted.exit_code == 0, adopted.output
    assert "Adopted" in adopted.output
    scores = json.loads((tmp_path / "classifier" / "scores.json").read_text())
    assert scores["corrections"] == 1 and "blind_4.jsonl" in scores["sets"]
    for name in ("model.json", "urgency_model.json", "category_model.json", "scores.json"):
        assert b"quillfeather" not in (tmp_path / "classifier" / name).read_bytes()

    admin = make_user(session, keyring, "adm", "admin")
    page = _signed_in(web, session, admin).get("/staff/account/").get_data(as_text=True)
    assert "A model adopted on" in page and "blind_4.jsonl" in page
    # A new process (a new app) loads the adopted model.
    retrain.install(None, None)
    own_app(instance_path=str(tmp_path))
    assert model.default_model is not retrain._SHIPPED[0]
    assert category_model.default_category_model is not retrain._SHIPPED_REGRESSION


def test_adoption_is_refused_where_emergency_recall_falls():
    now = {"a": SetScore(10, 0.9, 4, 1.0, 0.1), "b": SetScore(10, 0.9, 0, 1.0, 0.0)}
    worse = {"a": SetScore(10, 0.95, 4, 0.75, 0.0), "b": SetScore(10, 0.5, 0, 1.0, 0.0)}
    same = {"a": SetScore(10, 0.8, 4, 1.0, 0.2), "b": SetScore(10, 0.5, 0, 1.0, 0.0)}
    assert recall_falls(now, worse) == ["a"]
    assert recall_falls(now, same) == []
    comparison = retrain.Comparison(1, 0, 1, now, worse, recall_falls(now, worse))
    with pytest.raises(retrain.RetrainError, match="recall would fall on a"):
        retrain.adopt(Path("/nonexistent"), comparison, {}, urgency_model.UrgencyModel(0.0, {}))


def test_corrections_reweight_the_shipped_vocabulary_but_add_no_word_of_theirs():
    secret = "zyxwvut"
    tips = [
        LabelledTip(f"{secret} has a gun in the {secret} house", "en", "weapons", "emergency")
        for _ in range(3)
    ]
    counts, urgency = retrain.build_candidate(tips)
    assert not [f for f in counts["features"] if secret[:4] in f]
    assert not [f for f in urgency.weights if secret[:4] in f]
    # The corrections did count: more weapons documents than the shipped data alone.
    shipped = model.load_counts()
    weapons = shipped["classes"].index("weapons")
    assert counts["documents"][weapons] == shipped["documents"][weapons] + 3


def test_the_regression_candidate_learns_corrections_on_the_shipped_vocabulary_only():
    secret = "zyxwvut"
    tips = [
        LabelledTip(f"{secret} has a gun in the {secret} house", "en", "weapons", "emergency")
        for _ in range(3)
    ]
    content = retrain.build_regression_candidate(tips)
    assert not [f for f in content["features"] if secret[:4] in f]
    assert set(content["features"]) == set(
        json.loads(category_model.DEFAULT_CATEGORY_MODEL_PATH.read_text(encoding="utf-8"))[
            "features"
        ]
    )
    assert content != json.loads(
        category_model.DEFAULT_CATEGORY_MODEL_PATH.read_text(encoding="utf-8")
    )


def test_an_adopted_folder_without_a_regression_keeps_the_shipped_one(tmp_path):
    folder = retrain.adopted_dir(tmp_path)
    folder.mkdir()
    (folder / retrain.MODEL_FILE).write_text(model.dumps(model.load_counts()), encoding="utf-8")
    shipped_urgency = urgency_model.DEFAULT_URGENCY_MODEL_PATH.read_text(encoding="utf-8")
    (folder / retrain.URGENCY_FILE).write_text(shipped_urgency, encoding="utf-8")
    assert retrain.use_adopted_models(tmp_path)
    assert category_model.default_category_model is retrain._SHIPPED_REGRESSION
    assert model.default_model is not retrain._SHIPPED[0]


def test_the_held_out_part_is_a_fifth_and_at_least_one():
    tips = [LabelledTip(str(i), "en", "other", "normal") for i in range(11)]
    train, held = retrain.split_corrections(tips)
    assert (len(train), len(held)) == (9, 2)
    assert retrain.split_corrections(tips[:1]) == ([], tips[:1])
    assert retrain.split_corrections([]) == ([], [])
