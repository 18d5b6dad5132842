"""The classifier's declared scikit-learn Pipeline and its labels."""

from __future__ import annotations

from typing import Any

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from classifier.vectorizers import AskingTfidfVectorizer, FastTfidfVectorizer


def word_tfidf(max_features: int) -> FastTfidfVectorizer:
    """Word uni- and bigrams, one-letter words kept ("i", "a", "y")."""
    return FastTfidfVectorizer(
        ngram_range=(1, 2),
        min_df=2,
        sublinear_tf=True,
        max_features=max_features,
        token_pattern=r"(?u)\b\w+\b",
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
                        ("words", word_tfidf(60_000)),
                        (
                            "asks",
                            AskingTfidfVectorizer(
                                ngram_range=(1, 2),
                                min_df=2,
                                sublinear_tf=True,
                                max_features=30_000,
                                token_pattern=r"(?u)\b\w+\b",
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
