"""scikit-learn's TF-IDF features with a faster transform: the same vectors, bit for bit.

TfidfVectorizer cuts every message into n-gram strings in Python and counts them
through a generic dict, which was most of the classifier's time (char_wb n-grams
above all). Here a message becomes the vocabulary ids of its n-grams, packed as
int32 bytes, and one NumPy sort counts the whole batch. char_wb n-grams never cross
a word and mail repeats its words, so each distinct word is cut (by scikit-learn's
own `_char_wb_ngrams`) and looked up once; after that a word costs one dict lookup.
Fitting is scikit-learn's, so the vocabulary and idf are TfidfVectorizer's.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import repeat
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from classifier.asking import asking_text

# The memo's bound: mail is hostile input, so neither many distinct words nor long
# ones can grow it past ~40 MB (about 10 MB for ordinary mail); longer words are cut
# every time.
MEMO_WORDS = 50_000
MEMO_WORD_CHARS = 32
_CACHES = ("_memo", "_fit_memo")  # per process, never written to the model file
_UNKNOWN = -1  # an n-gram outside the vocabulary; count_ids leaves it out


def _packed(vocabulary: dict[str, int], ngrams: Iterable[str]) -> bytes:
    return array("i", map(vocabulary.get, ngrams, repeat(_UNKNOWN))).tobytes()


class _WordIds(dict[str, bytes]):
    """word -> packed vocabulary ids of its char_wb n-grams, for one fitted vocabulary.

    Shared by threads without a lock: a lost race only cuts a word twice.
    """

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        super().__init__()
        self.vocabulary: dict[str, int] = vectorizer.vocabulary_
        self.ngram_range: tuple[int, int] = vectorizer.ngram_range
        self.cut = vectorizer._char_wb_ngrams

    def fits(self, vectorizer: TfidfVectorizer) -> bool:
        return (
            self.vocabulary is vectorizer.vocabulary_ and self.ngram_range == vectorizer.ngram_range
        )

    def __missing__(self, word: str) -> bytes:
        packed = _packed(self.vocabulary, self.cut(word))
        if len(word) <= MEMO_WORD_CHARS:
            if len(self) >= MEMO_WORDS:
                self.clear()
            self[word] = packed
        return packed


def count_ids(docs: list[bytes], n_features: int) -> sp.csr_matrix:
    """Packed n-gram ids per message (repeats and unknowns included) -> the count matrix.

    Sorting (message, id) keys once for the batch gives each message's ids in order
    with their counts: the canonical CSR matrix CountVectorizer builds.
    """
    ends = np.zeros(len(docs) + 1, dtype=np.int64)
    np.cumsum([len(d) >> 2 for d in docs], out=ends[1:])
    ids = np.frombuffer(b"".join(docs), dtype=np.int32)
    known = ids != _UNKNOWN
    keys = np.repeat(np.arange(len(docs), dtype=np.int64), np.diff(ends))[known] << 32
    keys |= ids[known]
    keys.sort()
    first = np.empty(len(keys), dtype=bool)
    first[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    unique = keys[starts]
    indptr = np.zeros(len(docs) + 1, dtype=np.int64)
    np.cumsum(np.bincount(unique >> 32, minlength=len(docs)), out=indptr[1:])
    index_dtype = np.int32 if len(unique) < 2**31 else np.int64
    return sp.csr_matrix(
        (
            np.diff(starts, append=len(keys)).astype(np.float64),
            (unique & 0xFFFFFFFF).astype(index_dtype),
            indptr.astype(index_dtype),
        ),
        shape=(len(docs), n_features),
    )


class FastTfidfVectorizer(TfidfVectorizer):
    """TfidfVectorizer, same parameters and vectors; transform is several times faster.

    A message's vector depends on its own text only, alone or in a batch.
    """

    def _char_wb_ngrams(self, text_document: str) -> list[str]:
        """scikit-learn's n-grams, cut once per distinct word while fitting."""
        memo = self.__dict__.get("_fit_memo")
        if memo is None:
            return super()._char_wb_ngrams(text_document)
        ngrams: list[str] = []
        for word in text_document.split():
            grams = memo.get(word)
            if grams is None:
                grams = memo[word] = super()._char_wb_ngrams(word)
            ngrams += grams
        return ngrams

    def fit(self, raw_documents: Iterable[str], y: Any = None) -> FastTfidfVectorizer:
        with self._fitting():
            return super().fit(raw_documents, y)

    def fit_transform(self, raw_documents: Iterable[str], y: Any = None) -> sp.csr_matrix:
        with self._fitting():
            return super().fit_transform(raw_documents, y)

    @contextmanager
    def _fitting(self) -> Iterator[None]:
        """Cut each word once while fitting; drop the caches of the old vocabulary."""
        self.__dict__["_fit_memo"] = {}
        try:
            yield
        finally:
            for cache in _CACHES:
                self.__dict__.pop(cache, None)

    def transform(self, raw_documents: Iterable[str]) -> sp.csr_matrix:
        if isinstance(raw_documents, str):
            raise ValueError("Iterable over raw text documents expected, string object received.")
        check_is_fitted(self, msg="The TF-IDF vectorizer is not fitted")
        self._check_vocabulary()
        doc_ids = self._doc_ids()
        counts = count_ids([doc_ids(doc) for doc in raw_documents], len(self.vocabulary_))
        if self.binary:
            counts.data.fill(1)
        return self._tfidf.transform(counts, copy=False)

    def _doc_ids(self) -> Callable[[str], bytes]:
        """A function from one message to the packed ids of its n-grams."""
        vocabulary = self.vocabulary_
        decode, preprocess = self.decode, self.build_preprocessor()
        if self.analyzer == "char_wb":
            memo = self.__dict__.get("_memo")
            if memo is None or not memo.fits(self):
                memo = self.__dict__["_memo"] = _WordIds(self)
            word_ids = memo.__getitem__
            return lambda doc: b"".join(map(word_ids, preprocess(decode(doc)).split()))
        if self.analyzer == "word":
            tokenize, stop_words = self.build_tokenizer(), self.get_stop_words()
            min_n, max_n = self.ngram_range

            def word_doc_ids(doc: str) -> bytes:
                tokens = tokenize(preprocess(decode(doc)))
                if stop_words is not None:
                    tokens = [t for t in tokens if t not in stop_words]
                grams = list(tokens) if min_n == 1 else []
                for n in range(max(min_n, 2), max_n + 1):
                    grams += map(" ".join, zip(*(tokens[i:] for i in range(n)), strict=False))
                return _packed(vocabulary, grams)

            return word_doc_ids
        analyze = self.build_analyzer()
        return lambda doc: _packed(vocabulary, analyze(doc))

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        for cache in _CACHES:
            state.pop(cache, None)
        return state


class AskingTfidfVectorizer(FastTfidfVectorizer):
    """Word TF-IDF over a mail's asking sentences only (classifier/asking.py).

    The sentences are picked before tokenizing, in fit and transform alike, so the
    features mean "asked", not "mentioned somewhere in the story".
    """

    def build_preprocessor(self) -> Callable[[str], str]:
        preprocess = super().build_preprocessor()
        return lambda doc: asking_text(preprocess(doc))
