"""scikit-learn's TF-IDF features with a faster transform: the same vectors, bit for bit.

TfidfVectorizer cuts every message into n-gram strings in Python and counts them
through a generic dict, which was most of the classifier's time (char_wb n-grams
above all). Here a message becomes the vocabulary ids of its n-grams, packed as
int32 bytes, and SciPy counts the whole batch's ids at once (`canonical`). char_wb
n-grams never cross a word and mail repeats its words, so each distinct word is cut
(by scikit-learn's own `_char_wb_ngrams`) and looked up once; after that a word
costs one dict lookup.
Word uni- and bigrams are found by token ids (_WordGrams), never joined into strings.
Fitting is scikit-learn's, so the vocabulary and idf are TfidfVectorizer's.
"""

from __future__ import annotations

import re
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
from classifier.char_grams import CharGramIndex, KeyTable

# The memo's bound: mail is hostile input, so neither many distinct words nor long
# ones can grow it past ~40 MB (about 10 MB for ordinary mail); longer words are cut
# every time.
MEMO_WORDS = 50_000
MEMO_WORD_CHARS = 32
_CACHES = ("_memo", "_fit_memo", "_grams")  # per process, never written to the model file
_UNKNOWN = KeyTable.MISSING  # an n-gram outside the vocabulary; the counts leave it out
# The word pattern the pipelines use, and one that finds the same tokens faster: a
# longest run of word characters is bounded by \b on both sides, and \b never falls
# inside one.
_WORD_TOKENS = r"(?u)\b\w+\b"
_WORD_RUN = re.compile(r"\w+")


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
        self.index = CharGramIndex.build(self.vocabulary, self.ngram_range)

    def learn(self, docs: list[list[str]]) -> None:
        """Cut the new words of a batch (split messages) at once, as far as the memo
        keeps them; the others are cut one by one when looked up."""
        if self.index is None:
            return
        # not set.difference(self): with a dict subclass it walks the whole memo
        new = [w for w in set().union(*docs) if w not in self and len(w) <= MEMO_WORD_CHARS]
        if len(self) + len(new) > MEMO_WORDS:
            self.clear()
        new = new[:MEMO_WORDS]
        self.update(zip(new, self.index.packed(new), strict=True))

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

    The messages come in order, so their known ids already are the rows of a CSR
    matrix: only each row's sort and sum is left (see `canonical`). A row ends where
    its message does, less the unknown ids before that: there are few of them (the
    word memo leaves them out), so they are found, not counted at every position.
    """
    ids = np.frombuffer(b"".join(docs), dtype=np.int32)
    ends = np.zeros(len(docs) + 1, dtype=np.int64)
    np.cumsum([len(d) >> 2 for d in docs], out=ends[1:])
    unknown = np.flatnonzero(ids == _UNKNOWN)
    counts = sp.csr_matrix(
        (
            np.ones(len(ids) - len(unknown)),
            np.delete(ids, unknown),
            ends - np.searchsorted(unknown, ends),
        ),
        shape=(len(docs), n_features),
    )
    return canonical(counts)


def count_pairs(owners: np.ndarray, ids: np.ndarray, n_docs: int, n_features: int) -> sp.csr_matrix:
    """(message, n-gram id) pairs, in any order, unknown ids included -> the count matrix."""
    known = ids != _UNKNOWN
    counts = sp.csr_matrix(
        (np.ones(np.count_nonzero(known)), (owners[known], ids[known])),
        shape=(n_docs, n_features),
    )
    return canonical(counts)


def canonical(counts: sp.csr_matrix) -> sp.csr_matrix:
    """The counts with each row's ids sorted and repeats summed: the canonical CSR
    matrix CountVectorizer builds (the order the later sums run in, so bit for bit).

    A batch holds many more entries than the vocabulary has ids, and then two
    counting sorts beat a sort of each row: to columns (each column's rows come out
    in order, its repeats side by side, summed there), and back to rows (each row's
    ids come out in order), linear in the entries and the vocabulary. A message or
    a few are cheaper sorted row by row (SciPy's sort_indices): the counting sorts
    walk the whole vocabulary twice. Counts are small whole numbers, so summing them
    in another order gives the same floats.
    """
    if counts.nnz < counts.shape[1]:
        counts.sum_duplicates()
        return counts
    by_column = counts.tocsc()
    by_column.sum_duplicates()
    return by_column.tocsr()


class _WordGrams:
    """A fitted word vocabulary of unigrams and bigrams, looked up by token ids.

    Joining each pair of tokens into a bigram string and looking it up one by one was
    the word side's largest cost. Here each token is looked up once (its id among the
    vocabulary's tokens, or -1), and the batch's bigrams become int64 keys found all at
    once (char_grams.KeyTable). A bigram of the vocabulary is its two tokens joined by a space
    (tokens hold no whitespace), so both tokens have ids; a pair holding an unknown
    token is in no vocabulary.
    """

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        self.vocabulary: dict[str, int] = vectorizer.vocabulary_
        self.tokens: dict[str, int] = {}
        unigrams: list[tuple[int, int]] = []
        bigrams: list[tuple[int, int]] = []
        for term, index in self.vocabulary.items():
            ids = [self.tokens.setdefault(token, len(self.tokens)) for token in term.split(" ")]
            if len(ids) == 1:
                unigrams.append((ids[0], index))
            else:
                bigrams.append(((ids[0] << 32) | ids[1], index))
        # indexed by token id; the last slot answers token id -1 (unknown)
        self.unigram_ids = np.full(len(self.tokens) + 1, _UNKNOWN, dtype=np.int32)
        for token, index in unigrams:
            self.unigram_ids[token] = index
        pairs = np.array(bigrams, dtype=np.int64).reshape(-1, 2)
        self.bigrams = KeyTable(pairs[:, 0], pairs[:, 1].astype(np.int32))

    def fits(self, vectorizer: TfidfVectorizer) -> bool:
        return self.vocabulary is vectorizer.vocabulary_

    def token_ids(self, tokens: list[str]) -> bytes:
        return _packed(self.tokens, tokens)

    def counts(self, docs: list[bytes]) -> sp.csr_matrix:
        """Packed token ids per message -> the counts of its vocabulary uni- and bigrams."""
        tokens = np.frombuffer(b"".join(docs), dtype=np.int32)
        owners = np.repeat(np.arange(len(docs), dtype=np.int64), [len(d) >> 2 for d in docs])
        both = (tokens[:-1] != _UNKNOWN) & (tokens[1:] != _UNKNOWN)
        both &= owners[:-1] == owners[1:]  # a bigram never spans two messages
        keys = (tokens[:-1][both].astype(np.int64) << 32) | tokens[1:][both]
        return count_pairs(  # a pair that is no bigram of the vocabulary is found as -1
            np.concatenate((owners, owners[:-1][both])),
            np.concatenate((self.unigram_ids[tokens], self.bigrams.find(keys))),
            len(docs),
            len(self.vocabulary),
        )


class FastTfidfVectorizer(TfidfVectorizer):
    """TfidfVectorizer, same parameters and vectors; transform is several times faster.

    A message's vector depends on its own text only, alone or in a batch.
    """

    def build_tokenizer(self) -> Callable[[str], list[str]]:
        """scikit-learn's tokenizer, the same tokens found faster for the usual pattern."""
        if self.tokenizer is None and self.token_pattern == _WORD_TOKENS:
            return _WORD_RUN.findall
        return super().build_tokenizer()  # type: ignore[no-any-return]

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
        counts = self._counts(list(raw_documents))
        if self.binary:
            counts.data.fill(1)
        return self._tfidf.transform(counts, copy=False)

    def _counts(self, docs: list[str]) -> sp.csr_matrix:
        """The n-gram count matrix of a batch, as CountVectorizer would count it."""
        if self._by_token_ids():
            grams = self.__dict__.get("_grams")
            if grams is None or not grams.fits(self):
                grams = self.__dict__["_grams"] = _WordGrams(self)
            tokenize, preprocess = self.build_tokenizer(), self.build_preprocessor()
            return grams.counts(
                [grams.token_ids(tokenize(preprocess(self.decode(d)))) for d in docs]
            )
        if self.analyzer == "char_wb":
            decode, preprocess = self.decode, self.build_preprocessor()
            words = [preprocess(decode(doc)).split() for doc in docs]
            memo = self._word_ids()
            memo.learn(words)
            word_ids = memo.__getitem__
            return count_ids([b"".join(map(word_ids, w)) for w in words], len(self.vocabulary_))
        doc_ids = self._doc_ids()
        return count_ids([doc_ids(doc) for doc in docs], len(self.vocabulary_))

    def _word_ids(self) -> _WordIds:
        """The word memo of the char_wb n-grams, for the current vocabulary."""
        memo = self.__dict__.get("_memo")
        if memo is None or not memo.fits(self):
            memo = self.__dict__["_memo"] = _WordIds(self)
        return memo

    def _by_token_ids(self) -> bool:
        """Word uni- and bigrams without stop words: _WordGrams counts them."""
        return self.analyzer == "word" and self.ngram_range == (1, 2) and not self.stop_words

    def _doc_ids(self) -> Callable[[str], bytes]:
        """A function from one message to the packed ids of its n-grams (not char_wb)."""
        vocabulary = self.vocabulary_
        decode, preprocess = self.decode, self.build_preprocessor()
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
