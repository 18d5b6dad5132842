"""The shipped model: safe loading, metadata, targets on the held-out set, the commands."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
import skops.io as sio
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import FunctionTransformer

from classifier import features, vectorizers
from classifier.asking import asking_text
from classifier.char_grams import CharGramIndex, KeyTable
from classifier.corpus import HELDOUT_DIR, TRAIN_DIR, Example, corpus_files, load_examples
from classifier.features import ModelInput, clean_text, model_text
from classifier.model import WORDS_AND_HAN, build_pipeline, word_tfidf
from classifier.persistence import ModelFileError, read_bundle, save_bundle
from classifier.policy import Thresholds
from classifier.predict import Classifier
from classifier.train import measure, train_model
from classifier.vectorizers import AskingTfidfVectorizer, FastTfidfVectorizer
from inbox.cli import main
from inbox.settings import Settings


@functools.cache
def _corpus(directory: Path) -> tuple[Example, ...]:
    """A corpus folder read once for the whole module (building and parsing 13,000
    mails takes seconds each time)."""
    return tuple(load_examples(corpus_files(directory)))


SETTINGS = Settings()
CONTRACT_MAIL = Path(__file__).resolve().parents[2] / "shared" / "contract" / "mail"


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier.from_settings(SETTINGS)


def test_shipped_model_carries_its_metadata(classifier: Classifier) -> None:
    meta = classifier.bundle.metadata
    assert meta["labels"] == ["status_request", "billing_query", "legal_question", "other"]
    assert set(meta["library_versions"]) >= {"scikit-learn", "numpy", "skops"}
    assert len(meta["training_data_sha256"]) == 64
    assert meta["heldout_metrics"]["n"] >= 400
    assert SETTINGS.model_path.stat().st_size < 20_000_000


@pytest.mark.slow
def test_shipped_model_holds_its_figures_on_the_held_out_briefs(classifier: Classifier) -> None:
    """Measured, not read from metadata: the held-out briefs (writers never trained on)
    run through the whole policy. A floor against regressions at what the shipped model
    scores; the targets (macro-F1 0.93) are for bench/classifier_models.py to report."""
    report = measure(classifier.bundle, list(_corpus(HELDOUT_DIR)), classifier.thresholds)
    assert report.n >= 1600
    # H09-H12 (billing-heavy construction and hotel mail, Spanish families, education law)
    # are harder than H01-H08: 0.819 there, 0.892 on H01-H08 (the model before them
    # scored 0.764 and 0.884). Below the 0.93 target, pinned so it cannot get worse.
    assert report.macro_f1 >= 0.85
    # Below the 0.99 target on H01-H08 (long letters with a legal question inside),
    # pinned here so it cannot get worse unnoticed.
    assert report.legal_recall >= 0.98


def test_shipped_model_was_chosen_on_writer_disjoint_folds(classifier: Classifier) -> None:
    meta = classifier.bundle.metadata
    assert meta["writer_briefs"] >= 30
    assert meta["training_examples"] >= 5000
    # The thresholds' constraint: over the mails the model decides (a language no other
    # brief wrote in goes to a person whatever its scores).
    assert meta["writer_disjoint_legal_recall_decided"] >= 0.99
    # Over every mail, those a person gets because their language is new to the fold
    # count as misses: the round-5 briefs (Russian, Chinese, Vietnamese, Korean, Arabic,
    # Hindi; two briefs a language) often share a fold with their language's other brief.
    assert meta["writer_disjoint_cv_metrics"]["legal_recall"] >= 0.96


@pytest.mark.slow
def test_eval_prints_the_writer_disjoint_and_held_out_figures(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["eval"]) == 0
    out = capsys.readouterr().out
    assert "writer-disjoint cross-validation" in out and "held-out briefs" in out
    assert out.count("confusion") == 2 and out.count("status_request") >= 4
    assert "language group en" in out and "language group other" in out


def test_held_out_set_shares_no_text_with_training() -> None:
    def records(directory: Path) -> list[dict[str, str]]:
        return [
            json.loads(line)
            for path in corpus_files(directory)
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]

    train, held = records(TRAIN_DIR), records(HELDOUT_DIR)
    assert not {r["id"] for r in train} & {r["id"] for r in held}
    normalized = {" ".join(r["body"].split()) for r in train}
    assert not [r["id"] for r in held if " ".join(r["body"].split()) in normalized]


def test_model_file_with_untrusted_types_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.skops"
    path.write_bytes(sio.dumps({"pipeline": FunctionTransformer(func=eval), "metadata": {}}))
    with pytest.raises(ModelFileError, match="types we do not load"):
        read_bundle(path)


def test_missing_model_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="inbox-router train"):
        read_bundle(tmp_path / "none.skops")


@pytest.mark.slow  # trains a model
def test_training_saving_and_loading_round_trip(tmp_path: Path) -> None:
    examples = list(_corpus(TRAIN_DIR)[::16])  # a sixteenth, to stay quick
    bundle, report = train_model(examples, [], [], progress=lambda _: None)
    assert report is None
    path = tmp_path / "m.skops"
    save_bundle(bundle, path)
    loaded = read_bundle(path)
    texts = [e.input.text() for e in examples[:20]]
    assert (loaded.pipeline.predict_proba(texts) == bundle.pipeline.predict_proba(texts)).all()
    assert loaded.metadata["thresholds"]["legal_guard"] > 0
    # each language group (431 legal questions: 271 English, 160 in other languages)
    assert set(loaded.metadata["thresholds"]["by_group"]) == {"en", "other"}
    assert set(loaded.metadata["writer_disjoint_cv_by_group"]) == {"en", "other"}
    assert Classifier.load(path).thresholds == Thresholds.from_dict(bundle.metadata["thresholds"])


def test_each_mail_is_classified_with_its_language_groups_thresholds(
    classifier: Classifier,
) -> None:
    """The shipped pipeline with thresholds by group: an English mail and a Spanish one
    decided with their own group's, exactly as `decide` would."""
    grouped = replace(
        classifier.thresholds,
        by_group=(("en", Thresholds(1.01, 0.9)), ("other", Thresholds(0.0, 0.0))),
    )
    mails = [
        ModelInput("Invoice", "Hi, can you resend the invoice for March? Thanks"),
        ModelInput("Factura", "Hola, ¿me pueden reenviar la factura de marzo? Gracias"),
    ]
    english, spanish = Classifier(classifier.bundle, grouped).predict_many(mails)
    assert english.decision.needs_triage  # every confidence is under 1.01
    assert spanish.label == "legal_question"  # the guard at 0: any legal probability
    assert not spanish.decision.needs_triage


def test_cleanup_replaces_identifiers_with_placeholders() -> None:
    assert clean_text("Invoice HV-INV-1042 for HV-2026-0007: $1,250.00 due 12/01/2026") == (
        "invoice invoicenumtoken for matternumtoken : moneytoken due datetoken"
    )


def test_reply_subject_is_kept_apart_when_the_new_text_speaks_for_itself() -> None:
    long_reply = model_text(
        "Re: Invoice 1043", "has the other side filed their answer yet in the case"
    )
    assert "rsinvoice" in long_reply.split()
    assert "invoice" in model_text("Re: Invoice 1043", "thanks").split()


def test_explanation_names_words_from_the_message(classifier: Classifier) -> None:
    prediction = classifier.predict(
        ModelInput("Invoice copy", "Could you resend invoice 4471? Our bookkeeper lost it.")
    )
    assert prediction.label == "billing_query"
    assert "invoice" in [term for term, _ in prediction.explanation]


def test_classify_json_contract(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    junk = tmp_path / "junk.eml"
    junk.write_bytes(b"")
    files = sorted(CONTRACT_MAIL.glob("*.eml")) if CONTRACT_MAIL.is_dir() else []
    assert main(["classify", "--json", *map(str, files), str(junk)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == len(files) + 1
    for row in rows:
        assert set(row) >= {"file", "label", "confidence", "scores", "needs_triage"}
        assert abs(sum(row["scores"].values()) - 1) < 0.02
    assert rows[-1]["label"] == "other" and rows[-1]["needs_triage"] is True


def test_eval_command_prints_the_report(capsys) -> None:  # type: ignore[no-untyped-def]
    sample = Path(__file__).resolve().parents[1] / "inbox" / "sample_mailbox"
    assert main(["eval", "--labels", str(sample / "expected.csv"), str(sample)]) == 0
    out = capsys.readouterr().out
    assert "macro-F1" in out and "legal-question recall" in out and "confusion" in out


def _one_pass_cleanup(text: str) -> str:
    """clean_text as first written: one sub over the whole text."""
    text = features._PLACEHOLDERS.sub(features._placeholder, text[: features.MAX_CHARS])
    return re.sub(r"\s+", " ", text).strip().lower()


_TRICKY = [
    *"ab xyzINVHV-.,+_@$€£:/wWhtpsſKİ\u00a0\u2003\t\n\x1c05١",
    "https://",
    "www.",
    "usd",
    "€ 5",
]


@pytest.mark.slow
@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_TRICKY), max_size=40).map("".join))
def test_cleanup_skipping_to_triggers_is_one_sub_over_the_text(text: str) -> None:
    assert clean_text(text) == _one_pass_cleanup(text)


@pytest.mark.slow  # reads the whole corpus
def test_cleanup_of_the_corpus_is_one_sub_over_the_text() -> None:
    for e in _corpus(TRAIN_DIR) + _corpus(HELDOUT_DIR):
        for text in (e.input.subject, e.input.new_text):
            assert clean_text(text) == _one_pass_cleanup(text)


@functools.cache
def _train_texts() -> tuple[str, ...]:
    return tuple(e.input.text() for e in _corpus(TRAIN_DIR))


def _same_matrix(got, expected) -> bool:  # type: ignore[no-untyped-def]
    return (
        type(got) is type(expected)
        and np.array_equal(got.indptr, expected.indptr)
        and np.array_equal(got.indices, expected.indices)
        and np.array_equal(got.data, expected.data)
    )


_SHIPPED = dict(build_pipeline()[0].transformer_list)
_SHIPPED_WORDS, _SHIPPED_CHARS = (_SHIPPED[name].get_params() for name in ("words", "chars"))
_SLOW = pytest.mark.slow  # each vectorizes the whole corpus twice


@pytest.mark.parametrize(
    "params",
    [
        pytest.param(_SHIPPED_WORDS, id="shipped-words", marks=_SLOW),
        pytest.param(_SHIPPED_CHARS, id="shipped-chars", marks=_SLOW),
        pytest.param({"analyzer": "char", "ngram_range": (1, 3)}, id="char", marks=_SLOW),
        pytest.param(
            {"analyzer": "word", "ngram_range": (2, 3), "stop_words": "english", "binary": True},
            id="word-stop-binary",
            marks=_SLOW,
        ),
    ],
)
def test_vectors_are_exactly_scikit_learns(params, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Same vocabulary, idf and vectors as TfidfVectorizer, also once the word memo overflows."""
    texts = _train_texts()  # half the corpus fits, a quarter is unseen: 9,000 mails
    fit, unseen = texts[::2], [*texts[1::4], "", "ÄÖÜ ß  ñ\tx", "a " * 50, "zahlung" * 9]
    reference = TfidfVectorizer(**params)
    ours = FastTfidfVectorizer(**params)
    assert _same_matrix(ours.fit_transform(fit), reference.fit_transform(fit))
    assert ours.vocabulary_ == reference.vocabulary_
    assert np.array_equal(ours.idf_, reference.idf_)
    expected = reference.transform(unseen)
    for memo_words in (vectorizers.MEMO_WORDS, 50):
        monkeypatch.setattr(vectorizers, "MEMO_WORDS", memo_words)
        ours.__dict__.pop("_memo", None)
        assert _same_matrix(ours.transform(unseen), expected)
        memo = ours.__dict__.get("_memo", {})
        assert len(memo) <= memo_words
        assert all(len(word) <= vectorizers.MEMO_WORD_CHARS for word in memo)


@pytest.mark.slow  # reads the whole corpus
def test_the_asking_block_is_scikit_learns_vectors_of_the_asking_sentences() -> None:
    texts = _train_texts()
    fit, unseen = texts[::2], [*texts[1::4], "", "subj is it legal? body"]
    params = {k: v for k, v in _SHIPPED["asks"].get_params().items() if k != "preprocessor"}
    reference = TfidfVectorizer(**params, preprocessor=lambda doc: asking_text(doc.lower()))
    ours = AskingTfidfVectorizer(**params)
    assert _same_matrix(ours.fit_transform(fit), reference.fit_transform(fit))
    assert ours.vocabulary_ == reference.vocabulary_
    assert _same_matrix(ours.transform(unseen), reference.transform(unseen))


@pytest.mark.slow  # reads the whole corpus
def test_a_message_scores_the_same_alone_and_in_a_batch(classifier: Classifier) -> None:
    inputs = [e.input for e in _corpus(TRAIN_DIR)[:60]]
    batch = classifier.predict_many(inputs, explain=True)
    for message, together in zip(inputs, batch, strict=True):
        alone = classifier.predict(message, explain=True)
        assert alone.decision == together.decision
        assert alone.explanation == together.explanation


def test_the_word_memo_is_not_written_to_the_model_file(
    classifier: Classifier, tmp_path: Path
) -> None:
    steps = dict(classifier.bundle.pipeline.named_steps["features"].transformer_list)
    chars, words = steps["chars"], steps["words"]
    assert isinstance(chars, FastTfidfVectorizer)
    chars.transform(["a message to fill the memo"])
    words.transform(["a message to build the word grams"])
    assert "_memo" in chars.__dict__ and "_grams" in words.__dict__
    save_bundle(classifier.bundle, tmp_path / "m.skops")
    loaded = dict(read_bundle(tmp_path / "m.skops").pipeline[0].transformer_list)
    assert "_memo" not in loaded["chars"].__dict__ and "_grams" not in loaded["words"].__dict__
    assert loaded["chars"].vocabulary_ == chars.vocabulary_


def test_only_our_own_listed_types_are_trusted(tmp_path: Path) -> None:
    path = tmp_path / "other.skops"
    memo = vectorizers._WordIds.__new__(vectorizers._WordIds)
    path.write_bytes(sio.dumps({"pipeline": memo}))
    with pytest.raises(ModelFileError, match="types we do not load"):
        read_bundle(path)


def test_new_words_get_scikit_learns_char_ngram_ids() -> None:
    """Short, long, accented, CJK, a lone surrogate, characters the vocabulary lacks."""
    fitted = FastTfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5))
    fitted.fit(["the court ruled, ok?", "a b ïñ 東京 x", "a b ïñ 東京 x"])
    index = CharGramIndex.build(fitted.vocabulary_, fitted.ngram_range)
    assert index is not None
    words = ["the", "a", "court", "courts", "ïñx", "東京", "zz\ud800", "x" * 40, "ok?", "ok?q"]
    for word, packed in zip(words, index.packed(words), strict=True):
        grams = fitted._char_wb_ngrams(word)
        expected = sorted(fitted.vocabulary_[g] for g in grams if g in fitted.vocabulary_)
        assert sorted(np.frombuffer(packed, dtype=np.int32).tolist()) == expected
    for word in ("a", "ok"):  # a batch of one word shorter than the longest n-gram
        (alone,) = index.packed([word])
        expected = sorted(
            fitted.vocabulary_[g] for g in fitted._char_wb_ngrams(word) if g in fitted.vocabulary_
        )
        assert sorted(np.frombuffer(alone, dtype=np.int32).tolist()) == expected


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from([*"a1_ .é\u0301٣ß-\u200c中\t"]), max_size=20).map("".join))
def test_the_quick_word_tokenizer_finds_the_word_patterns_tokens(text: str) -> None:
    tokenize = FastTfidfVectorizer(token_pattern=r"(?u)\b\w+\b").build_tokenizer()
    assert tokenize(text) == TfidfVectorizer(token_pattern=r"(?u)\b\w+\b").build_tokenizer()(text)


def _counted_one_by_one(rows: list[list[int]], n_features: int) -> sp.csr_matrix:
    """The straightforward count matrix: every known (row, id) pair, SciPy's own sums."""
    owners = [r for r, ids in enumerate(rows) for i in ids if i != -1]
    ids = [i for row in rows for i in row if i != -1]
    counts = sp.csr_matrix(
        (np.ones(len(ids)), (np.array(owners, dtype=np.int64), np.array(ids, dtype=np.int64))),
        shape=(len(rows), n_features),
    )
    counts.sum_duplicates()
    return counts


_ID_ROWS = st.integers(1, 40).flatmap(
    lambda n: st.tuples(
        st.just(n), st.lists(st.lists(st.integers(-1, n - 1), max_size=60), max_size=12)
    )
)


@settings(max_examples=500, deadline=None)
@given(_ID_ROWS)
def test_counting_ids_sums_each_rows_ids_as_scipy_does(case: tuple[int, list[list[int]]]) -> None:
    """Both ways: row by row sorts (few entries) and counting sorts (more entries than
    the vocabulary holds ids)."""
    n_features, rows = case
    expected = _counted_one_by_one(rows, n_features)
    packed = [np.array(ids, dtype=np.int32).tobytes() for ids in rows]
    assert _same_matrix(vectorizers.count_ids(packed, n_features), expected)
    owners = np.array([r for r, ids in enumerate(rows) for _ in ids], dtype=np.int64)
    ids = np.array([i for row in rows for i in row], dtype=np.int32)
    order = np.random.default_rng(len(ids)).permutation(len(ids))  # pairs in any order
    got = vectorizers.count_pairs(owners[order], ids[order], len(rows), n_features)
    assert _same_matrix(got, expected)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.integers(0, 2**62), st.integers(0, 2**31 - 1), max_size=300),
    st.lists(st.integers(0, 2**62), max_size=50),
)
def test_the_key_table_finds_each_keys_id_and_nothing_else(
    table: dict[int, int], others: list[int]
) -> None:
    """Also many keys in a dense range, whose slots' runs meet."""
    for keys in (table, {k % 1000: v for k, v in table.items()}):
        found = KeyTable(
            np.array(list(keys), dtype=np.int64), np.array(list(keys.values()), dtype=np.int32)
        )
        needles = [*keys, *others, *range(1000)]
        got = found.find(np.array(needles, dtype=np.int64)).tolist()
        assert got == [keys.get(n, -1) for n in needles]


def test_chinese_and_japanese_characters_are_words_of_their_own() -> None:
    """Written without spaces, a Chinese clause was one run of word characters, a
    "word" seen once; each character is a word, so the bigrams are its two-character
    words. Other scripts keep their runs (Korean writes spaces)."""
    tokenize = word_tfidf(10, WORDS_AND_HAN).build_tokenizer()
    assert tokenize("我可以上诉吗? can I appeal, 항소할 수 있나요 ¿puedo apelar?") == [
        *"我可以上诉吗",
        "can",
        "I",
        "appeal",
        "항소할",
        "수",
        "있나요",
        "puedo",
        "apelar",
    ]
    assert word_tfidf(10).build_tokenizer()("我可以上诉吗") == ["我可以上诉吗"]
