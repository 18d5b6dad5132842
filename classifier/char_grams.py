"""The char_wb n-gram ids of many new words at once, with NumPy.

Cutting a new word into n-gram strings and looking each one up in a 120,000-entry
dict cost about 13 µs a word: most of the classifier's time on mail whose words it
had not seen yet (about five new words a message in the corpus). Here an n-gram is
an integer key instead: each character becomes its index in the vocabulary's
alphabet, a fixed number of bits a character, so one int64 holds a whole n-gram and
two n-grams share a key only if they are the same string. A batch's new words are
keyed and found among the vocabulary's sorted keys by a few array operations.
"""

from __future__ import annotations

import numpy as np

_KEY_BITS = 63


def _codes(text: str) -> np.ndarray:
    """Code points of a text (lone surrogates too: mail is hostile input)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def find_sorted(table: np.ndarray, needles: np.ndarray) -> np.ndarray:
    """`np.searchsorted(table, needles)`, found in the needles' sorted order: a binary
    search that goes on from the last one's place is several times faster than one
    per needle in scattered order, the sort included."""
    if len(needles) < 2:
        return np.searchsorted(table, needles)
    order = np.argsort(needles)
    found = np.empty(len(needles), dtype=np.intp)
    found[order] = np.searchsorted(table, needles[order])
    return found


class CharGramIndex:
    """A fitted char_wb vocabulary, looked up by integer keys."""

    def __init__(
        self, alphabet: np.ndarray, keys: np.ndarray, ids: np.ndarray, ngram_range: tuple[int, int]
    ) -> None:
        self.alphabet = alphabet  # sorted code points; a character's index is its place + 1
        self.keys, self.ids = keys, ids  # sorted n-gram keys and their vocabulary ids
        self.min_n, self.max_n = ngram_range
        self.bits = _KEY_BITS // self.max_n

    @classmethod
    def build(
        cls, vocabulary: dict[str, int], ngram_range: tuple[int, int]
    ) -> CharGramIndex | None:
        """None when the keys cannot hold this vocabulary's n-grams whole."""
        terms = sorted(vocabulary, key=vocabulary.__getitem__)
        lengths = np.fromiter(map(len, terms), dtype=np.int64, count=len(terms))
        if not terms or lengths.min() < 1 or lengths.max() > ngram_range[1]:
            return None
        codes = _codes("".join(terms))
        alphabet = np.unique(codes)
        index = cls(alphabet, np.empty(0, np.int64), np.empty(0, np.int32), ngram_range)
        if len(alphabet) + 2 > 1 << index.bits:  # + 1: characters outside the alphabet
            return None
        starts = np.cumsum(lengths) - lengths
        place = np.arange(len(codes)) - np.repeat(starts, lengths)
        keys = np.add.reduceat(index._char_indices(codes) << (place * index.bits), starts)
        order = np.argsort(keys)
        ids = np.fromiter(map(vocabulary.__getitem__, terms), dtype=np.int32, count=len(terms))
        index.keys, index.ids = keys[order], ids[order]
        return index

    def _char_indices(self, codes: np.ndarray) -> np.ndarray:
        """A character's index in the alphabet + 1; one past the alphabet for any other
        character, so an n-gram holding it has a key the vocabulary does not hold."""
        at = np.searchsorted(self.alphabet, codes).clip(max=len(self.alphabet) - 1)
        known = self.alphabet[at] == codes
        return np.where(known, at + 1, len(self.alphabet) + 1).astype(np.int64)

    def packed(self, words: list[str]) -> list[bytes]:
        """For each word (no whitespace in it), the int32 vocabulary ids of the n-grams
        scikit-learn's `_char_wb_ngrams` cuts from " word ", unknown n-grams left out."""
        if not words:
            return []
        lengths = np.fromiter((len(w) + 2 for w in words), dtype=np.int64, count=len(words))
        chars = self._char_indices(_codes("".join(f" {w} " for w in words)))
        owners = np.repeat(np.arange(len(words)), lengths)
        length_at = np.repeat(lengths, lengths)
        room = np.repeat(np.cumsum(lengths), lengths) - np.arange(len(chars))
        starts = np.cumsum(lengths) - lengths
        keys: list[np.ndarray] = []
        key_owners: list[np.ndarray] = []
        for n, prefix in enumerate(self._prefix_keys(chars), start=1):
            # every n-gram inside a longer word; a word no longer than n, once whole
            if n >= self.min_n:
                inside = np.flatnonzero((room >= n) & (length_at > n))
                keys.append(prefix[inside])
                key_owners.append(owners[inside])
            whole = np.flatnonzero(lengths == n)
            keys.append(prefix[starts[whole]])
            key_owners.append(whole)
        return self._group(np.concatenate(keys), np.concatenate(key_owners), len(words))

    def _prefix_keys(self, chars: np.ndarray) -> list[np.ndarray]:
        """For n = 1..max_n, the key of the n characters from each position (the tail
        past the text's end reads as nothing: those positions are never used)."""
        prefixes = [chars]
        for n in range(2, self.max_n + 1):
            shifted = np.zeros_like(chars)
            if len(chars) >= n:  # a text shorter than n has no n-gram at all
                shifted[: len(chars) - n + 1] = chars[n - 1 :]
            prefixes.append(prefixes[-1] | (shifted << ((n - 1) * self.bits)))
        return prefixes

    def _group(self, keys: np.ndarray, owners: np.ndarray, n_words: int) -> list[bytes]:
        """Known keys -> their ids, packed per owning word."""
        at = find_sorted(self.keys, keys).clip(max=len(self.keys) - 1)
        hit = self.keys[at] == keys
        owners = owners[hit]
        ids = self.ids[at[hit]][np.argsort(owners, kind="stable")]
        ends = (np.cumsum(np.bincount(owners, minlength=n_words)) * 4).tolist()
        data = ids.tobytes()
        return [data[start:end] for start, end in zip([0, *ends[:-1]], ends, strict=True)]
