"""Character n-grams within words (char_wb), the same features faster: memoized per word.

scikit-learn's char_wb analyzer cuts every word of every message into n-grams in
Python, then counts them through a generic dict: most of the classifier's time.
char_wb n-grams never cross a word, and mail repeats its words, so each distinct
word is cut and looked up in the vocabulary once; after that a message costs one
dict lookup per word. The features are scikit-learn's own (its `_char_wb_ngrams`
cuts each word), so a fitted model gives the same vectors as TfidfVectorizer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

MEMO_WORDS = 50_000  # distinct words remembered (~10 MB); hostile mail cannot grow it further


class _WordIds(dict[str, bytes]):
    """word -> vocabulary ids of its n-grams (int32 bytes, unknown n-grams left out)."""

    def __init__(self, vectorizer: CharNgramTfidf) -> None:
        super().__init__()
        self.vocabulary: dict[str, int] = vectorizer.vocabulary_
        self.cut = vectorizer._char_wb_ngrams  # scikit-learn's own per-word cutting
        self.n_features = len(self.vocabulary)

    def __missing__(self, word: str) -> bytes:
        get = self.vocabulary.get
        ids = [i for i in map(get, self.cut(word)) if i is not None]
        packed = np.array(ids, dtype=np.int32).tobytes()
        if len(self) >= MEMO_WORDS:
            self.clear()
        self[word] = packed
        return packed


def _count(ids: np.ndarray, ends: np.ndarray, n_features: int) -> sp.csr_matrix:
    """Each message's n-gram ids (several per word, repeated) -> sorted ids with counts.

    One sort of (message, id) keys for the whole batch: faster than CSR's row-by-row
    sum_duplicates, and the same matrix CountVectorizer builds.
    """
    n_docs = len(ends) - 1
    keys = np.repeat(np.arange(n_docs, dtype=np.int64), np.diff(ends)) << 32
    keys |= ids
    keys.sort()
    first = np.empty(len(keys), dtype=bool)
    first[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    unique = keys[starts]
    counts = np.diff(starts, append=len(keys)).astype(np.float64)
    indptr = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(np.bincount(unique >> 32, minlength=n_docs), out=indptr[1:])
    index_dtype = np.int32 if len(unique) < 2**31 else np.int64
    return sp.csr_matrix(
        (counts, (unique & 0xFFFFFFFF).astype(index_dtype), indptr.astype(index_dtype)),
        shape=(n_docs, n_features),
    )


class CharNgramTfidf(TfidfVectorizer):
    """TfidfVectorizer(analyzer="char_wb") whose transform works per distinct word.

    Fitting is scikit-learn's; only the n-gram cutting is memoized there, so the
    vocabulary and idf are exactly those TfidfVectorizer would learn. A message's
    vector depends on its own text only, alone or in a batch.
    """

    def _char_wb_ngrams(self, text_document: str) -> list[str]:
        """The analyzer fit uses: scikit-learn's n-grams, cut once per distinct word."""
        memo = self.__dict__.setdefault("_fit_memo", {})
        cut = super()._char_wb_ngrams
        ngrams: list[str] = []
        for word in text_document.split():
            grams = memo.get(word)
            if grams is None:
                grams = memo[word] = cut(word)
            ngrams += grams
        return ngrams

    def fit(self, raw_documents: Iterable[str], y: Any = None) -> CharNgramTfidf:
        self._check_analyzer()
        try:
            return super().fit(raw_documents, y)
        finally:
            self.__dict__.pop("_fit_memo", None)

    def fit_transform(self, raw_documents: Iterable[str], y: Any = None) -> sp.csr_matrix:
        self._check_analyzer()
        try:
            return super().fit_transform(raw_documents, y)
        finally:
            self.__dict__.pop("_fit_memo", None)

    def _check_analyzer(self) -> None:
        if self.analyzer != "char_wb" or self.lowercase is not True or self.strip_accents:
            raise ValueError("CharNgramTfidf supports analyzer='char_wb' with lowercase only")

    def _word_ids(self) -> _WordIds:
        memo = self.__dict__.get("_memo")
        if memo is None or memo.vocabulary is not self.vocabulary_:
            memo = self.__dict__["_memo"] = _WordIds(self)
        return memo

    def transform(self, raw_documents: Iterable[str]) -> sp.csr_matrix:
        if isinstance(raw_documents, str):
            raise ValueError("Iterable over raw text documents expected, string object received.")
        check_is_fitted(self, msg="The TF-IDF vectorizer is not fitted")
        word_ids = self._word_ids()
        ids = bytearray()
        ends = [0]
        for doc in raw_documents:
            for word in doc.lower().split():
                ids += word_ids[word]
            ends.append(len(ids) >> 2)
        counts = _count(np.frombuffer(ids, dtype=np.int32), np.array(ends), word_ids.n_features)
        return self._tfidf.transform(counts, copy=False)

    def __getstate__(self) -> dict[str, Any]:
        """The memo is a cache: never written to the model file."""
        state = super().__getstate__()
        state.pop("_memo", None)
        state.pop("_fit_memo", None)
        return state
