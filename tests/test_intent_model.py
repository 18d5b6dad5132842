"""The learned intent models: the corpus field, training, the rules fallback, routing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from classifier.corpus import CorpusError, load_examples
from classifier.features import ModelInput
from classifier.intent_model import (
    IntentModels,
    build_intent_pipeline,
    load_intent_models,
    read_intent_models,
    save_intent_models,
)
from inbox.cli import main
from inbox.models import INTENTS
from rules.intents import BILLING, STATUS, phrase_intent, predict_intent
from rules.route import Router
from tests.conftest import SAMPLE_AS_OF
from tests.test_intents import BILLING_CASES, STATUS_CASES
from tests.test_routing import mail, predicted
from tests.test_routing import session as session


def record(n: int, label: str, body: str, intent: str | None = None, brief: str = "T1") -> dict:
    row: dict[str, object] = {"id": f"{brief}-{n:04d}", "brief": brief, "label": label}
    if intent is not None:
        row["intent"] = intent
    return {**row, "from": "A <a@b.example>", "subject": "", "body": body}


def write(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return path


# -- the corpus field -------------------------------------------------------------------


def test_a_corpus_intent_is_kept_on_the_example(tmp_path: Path) -> None:
    path = write(
        tmp_path / "T1.jsonl",
        [
            record(1, "billing_query", "Need your W-9", "billing.tax_form"),
            record(2, "legal_question", "Can they evict me?"),
            record(3, "status_request", "Any news?"),
        ],
    )
    assert [e.intent for e in load_examples([path])] == ["billing.tax_form", None, None]


@pytest.mark.parametrize(
    ("label", "intent", "says"),
    [
        ("billing_query", "status.timeline", "'status.timeline' is not one of billing_query's"),
        ("status_request", "status.whenever", "'status.whenever' is not one of status_request's"),
        ("legal_question", "status.general", "given, but legal_question mail carries no intent"),
    ],
)
def test_a_bad_corpus_intent_names_file_and_line(
    tmp_path: Path, label: str, intent: str, says: str
) -> None:
    path = write(
        tmp_path / "T1.jsonl",
        [record(1, "other", "Thanks!"), record(2, label, "Hello", intent)],
    )
    with pytest.raises(CorpusError, match=r"T1.jsonl:2: intent ") as raised:
        load_examples([path])
    assert says in str(raised.value)


def test_the_phrase_rules_cover_exactly_the_stored_intents() -> None:
    assert {f"status.{n}" for n in [*STATUS, "general"]} == set(INTENTS["status_request"])
    assert {f"billing.{n}" for n in BILLING} == set(INTENTS["billing_query"])


# -- prediction: the model when sure, else the rules -------------------------------------

ZEBRA = "Any update on the zebra?"  # the rules: a general status question


def tiny_models(threshold: float) -> IntentModels:
    """A status model that has learned one odd thing: zebras mean next steps."""
    pipeline = build_intent_pipeline()
    texts = ["subj body hearing date please", "subj body hearing time please"] * 2
    zebras = ["subj body zebra zebra", "subj body the zebra"]
    labels = ["status.hearing_or_meeting"] * 4 + ["status.next_steps"] * 2
    pipeline.fit([*texts, *zebras], labels)
    return IntentModels({"status_request": pipeline}, {"thresholds": {"status_request": threshold}})


def test_without_the_model_file_the_rules_answer(tmp_path: Path) -> None:
    assert load_intent_models(tmp_path / "none.skops") is None
    text = "Did you get the signed forms I dropped off Tuesday?"
    assert predict_intent("status_request", "", text, None) == "status.filed_or_received"


def test_the_model_answers_when_sure_and_the_rules_otherwise() -> None:
    assert phrase_intent("status_request", "", ZEBRA) == "status.general"
    assert predict_intent("status_request", "", ZEBRA, tiny_models(0.0)) == "status.next_steps"
    assert predict_intent("status_request", "", ZEBRA, tiny_models(1.01)) == "status.general"
    # a label the file has no model for, and labels without intents: the rules
    assert predict_intent("billing_query", "", "W-9 please", tiny_models(0.0)) == (
        "billing.tax_form"
    )
    assert predict_intent("legal_question", "", "Can they do that?", tiny_models(0.0)) is None


def test_a_route_carries_the_models_intent(  # type: ignore[no-untyped-def]
    settings, session, tmp_path: Path
) -> None:
    path = tmp_path / "intents.skops"
    save_intent_models(tiny_models(0.0), path)
    assert read_intent_models(path).threshold("status_request") == 0.0
    parsed = mail("mike.osei@northwindmarine.com", "Lease", ZEBRA)

    def routed(intent_model_path: Path) -> str | None:
        changed = settings.with_changes(as_of=SAMPLE_AS_OF, intent_model_path=intent_model_path)
        router = Router.from_settings(changed, load_model=False)
        return router.route(session, parsed, prediction=predicted("status_request")).intent

    assert routed(path) == "status.next_steps"
    assert routed(tmp_path / "absent.skops") == "status.general"


# -- training ---------------------------------------------------------------------------


def fixture_corpus(root: Path) -> tuple[Path, Path]:
    """The intent cases of test_intents.py as three writer briefs, and one held out."""
    cases = [("status_request", *c) for c in STATUS_CASES] + [
        ("billing_query", *c) for c in BILLING_CASES
    ]
    briefs: dict[str, list[dict]] = {"T1": [], "T2": [], "T3": [], "H1": []}
    for n, (label, text, intent) in enumerate(cases):
        brief = ("T1", "T2", "T3", "H1")[n % 4]
        briefs[brief].append(record(n, label, text, intent, brief))
    for brief, rows in briefs.items():
        folder = "heldout" if brief.startswith("H") else "train"
        write(root / folder / f"{brief}.jsonl", rows)
    return root / "train", root / "heldout"


@pytest.mark.slow
def test_training_is_deterministic_and_measures_writer_disjoint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train, heldout = fixture_corpus(tmp_path)
    outputs = [tmp_path / "a.skops", tmp_path / "b.skops"]
    for output in outputs:
        args = ["train-intents", "--corpus", str(train), "--heldout", str(heldout)]
        assert main([*args, "--output", str(output)]) == 0
    models, again = (read_intent_models(p) for p in outputs)
    assert models.metadata == again.metadata  # figures, thresholds, the data's hash
    for label, pipeline in models.pipelines.items():
        other = again.pipelines[label]
        assert (pipeline.named_steps["model"].coef_ == other.named_steps["model"].coef_).all()
        words = [dict(p.named_steps["features"].transformer_list) for p in (pipeline, other)]
        assert words[0]["chars"].vocabulary_ == words[1]["chars"].vocabulary_
    printed = capsys.readouterr().out
    assert "writer-disjoint CV: rules" in printed and "held-out: rules" in printed
    for label in INTENTS:
        cv = models.metadata["writer_disjoint_cv"][label]
        assert set(cv) == {"n", "rules", "model", "combined"} and cv["n"] > 0
        assert models.metadata["heldout"][label]["n"] > 0
        assert 0.0 <= models.threshold(label) <= 1.01
    assert models.metadata["training_files"] == ["T1.jsonl", "T2.jsonl", "T3.jsonl"]
    intent, _ = models.predict("billing_query", ModelInput("", "Need the W-9 for payment"))
    assert intent in INTENTS["billing_query"]


@pytest.mark.slow
def test_the_shipped_intent_models_load_and_beat_the_rules() -> None:
    """The committed artifact: its own writer-disjoint figures say the model helps."""
    from inbox.settings import Settings

    models = load_intent_models(Settings().intent_model_path)
    assert models is not None
    for label in INTENTS:
        cv = models.metadata["writer_disjoint_cv"][label]
        assert cv["combined"] >= cv["rules"]
