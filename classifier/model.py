"""The classifier's declared scikit-learn Pipeline and its labels."""

from __future__ import annotations

from typing import Any

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from classifier.vectorizers import AskingTfidfVectorizer, FastTfidfVectorizer

# Chinese and Japanese are written without spaces: as a run of word characters a whole
# clause was one "word", seen once. Each of their characters is a word of its own here,
# so the word bigrams are its two-character words (the usual way to index them); other
# scripts keep their runs of word characters.
_UNSPACED = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
WORDS_AND_HAN = rf"(?u)[{_UNSPACED}]|[^\W{_UNSPACED}]+"
WORD_RUNS = r"(?u)\b\w+\b"


def word_tfidf(max_features: int, token_pattern: str = WORD_RUNS) -> FastTfidfVectorizer:
    """Word uni- and bigrams, one-letter words kept ("i", "a", "y")."""
    return FastTfidfVectorizer(
        ngram_range=(1, 2),
        min_df=2,
        sublinear_tf=True,
        max_features=max_features,
        token_pattern=token_pattern,
    )


def char_tfidf(max_features: int) -> FastTfidfVectorizer:
    """Character 2-5-grams inside word boundaries."""
    return FastTfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 5),
        min_df=2,
        sublinear_tf=True,
        max_features=max_features,
    )


def build_pipeline(**params: Any) -> Pipeline:
    """Word and character TF-IDF into a multinomial logistic regression.

    Character n-grams carry Spanish and German inflections, typos and phone spelling
    that word features miss; the word side carries phrases ("can i", "has it been").
    The asking sentences get word features of their own (classifier/asking.py): what
    decides the label is what is asked, not the story told around it.
    FastTfidfVectorizer is TfidfVectorizer with the same features, transformed faster.
    """
    pipeline = Pipeline(
        [
            (
                "features",
                FeatureUnion(
                    [
                        ("words", word_tfidf(60_000, WORDS_AND_HAN)),
                        (
                            "asks",
                            AskingTfidfVectorizer(
                                ngram_range=(1, 2),
                                min_df=2,
                                sublinear_tf=True,
                                max_features=30_000,
                                token_pattern=WORDS_AND_HAN,
                            ),
                        ),
                        ("chars", char_tfidf(120_000)),
                    ]
                ),
            ),
            (
                "model",
                LogisticRegression(C=20.0, max_iter=3000, class_weight="balanced"),
            ),
        ]
    )
    if params:
        pipeline.set_params(**params)
    return pipeline
