"""Questions asked without a question: "Joel pregunta si tenemos que pagar impuestos",
"I was wondering whether we can deduct it", "ich wollte fragen, ob wir zahlen müssen".

A sentence that reports or softens an ask carries no "?" and does not open like a
question, so the sentence readers missed it, and with it the legal question of many a
mixed mail ("and my husband asks whether the settlement counts as income").
"""

from __future__ import annotations

import re
from collections.abc import Callable

# The ways of asking indirectly, each with the words one of its matches always holds:
# a pattern is searched only in a sentence holding one of its words, and a sentence
# is looked at only for the patterns whose words its mail holds (one long pattern
# searched at every position of every sentence was a tenth of the classifier's time).
_WAYS: tuple[tuple[tuple[str, ...], str], ...] = (
    # whether / if after ask, wonder or want to know, let me know, tell me
    (("whether",), r"\bwhether\b"),
    (("wonder",), r"\bwonder(?:s|ed|ing)?\s+(?:if|about)\b"),
    (("ask",), r"\bask(?:s|ed|ing)?\s+(?:you\s+|me\s+|him\s+|her\s+)?if\b"),
    (
        ("know",),
        r"\b(?:want|wanted|wants|like|need|needs)\s+to\s+know\s+(?:if|how|what|when|who|why)\b"
        r"|\blet\s+(?:me|us)\s+know\s+(?:if|how|what|when|who|why)\b",
    ),
    (("tell",), r"\btell\s+(?:me|us)\s+(?:if|how|what|when|who|why)\b"),
    # si, se, ob, czy, ли, чи, and "I would like to know" in each language
    (
        ("pregunt", "saber"),
        r"\bpregunt(?:a|an|o|ó|aba|ar|ando)\s+(?:que\s+)?si\b|\bsaber\s+si\b"
        r"|\b(?:quisiera|quería|queria|gustaría|gustaria)\s+saber\b"
        r"|\bsaber\s+se\b|\b(?:gostaria|queria)\s+de\s+saber\b",
    ),
    (("pergunt",), r"\bpergunt(?:a|am|ou|ar|ando)\s+se\b"),
    (("chied",), r"\bchied(?:e|ono|eva|ere)\s+se\b"),
    (("sapere",), r"\bsapere\s+se\b|\b(?:vorrei|volevo|vorremmo)\s+sapere\b"),
    (("demand",), r"\bdemand(?:e|ent|ait|er)\s+si\b"),
    (("savoir",), r"\bsavoir\s+si\b|\b(?:voudrais|aimerais|voudrions)\s+savoir\b"),
    (
        ("wiedzieć", "informację"),
        r"\bchciał(?:a|bym|abym|ybyśmy)?\s+(?:bym\s+)?wiedzieć\b|\bproszę\s+o\s+informację\b",
    ),
    (
        ("подскажите", "уточните", "сообщите", "узнать"),
        r"\b(?:подскажите|уточните|сообщите)\b|\b(?:хотел|хотела|хотели|хочу)\s+(?:бы\s+)?узнать\b",
    ),
    (
        ("підкажіть", "уточніть", "повідомте", "дізнатися"),
        r"\b(?:підкажіть|уточніть|повідомте)\b|\b(?:хотів|хотіла|хочу)\s+(?:би\s+)?дізнатися\b",
    ),
    (
        ("biết", "biet", "hỏi", "hoi"),
        r"\bmuốn\s+biết\b|\bmuon\s+biet\b|\b(?:cho|xin)\s+(?:\w+\s+)?hỏi\b"
        r"|\b(?:cho|xin)\s+(?:\w+\s+)?hoi\b",
    ),
    (("ob",), r"\bob\b"),
    (("czy",), r"\bczy\b"),
    (("ли",), r"\bли\b"),
    (("чи",), r"\bчи\b"),
    # Vietnamese asks yes or no with a last "không" / "chưa" (and ... or not / yet)
    (("không", "khong", "chưa", "chua"), r"\b(?:không|khong|chưa|chua)\W*$"),
    # Chinese (and Cantonese) asks with a final particle or an A-not-A verb, a question
    # mark or not
    (
        tuple(
            (
                "是否 能否 可否 是不是 请问 請問 想知道 想了解 能不能 可不可以 "
                "有没有 有沒有 会不会 會不會 唔 有冇"
            ).split()
        ),
        r"是否|能否|可否|是不是|请问|請問|想知道|想了解|能不能|可不可以|有没有|有沒有|会不会"
        r"|會不會|會唔會|係唔係|可唔可以|使唔使|得唔得|要唔要|有冇",
    ),
    (("吗", "嗎", "呢"), r"[吗嗎呢][。.!！]?$"),
    # Korean with an ending (-나요, -까요, -습니까) or "whether" (-는지, -인지, -을지)
    # before "let me know" / "I wonder" (알려 주세요, 궁금합니다): inside words, no \b
    (
        tuple("궁금 알려 여쭤 여쭙 문의 나요 까요 습니까 는지 인지 을지 할지 건지".split()),
        r"궁금|알려\s?주|여쭤|여쭙|문의|나요|까요|습니까|는지|인지|을지|할지|건지",
    ),
    # Arabic and Hindi: "I want to know", "please tell me"; Hindi's vowel signs are no
    # word characters to re, so its words are told by the spaces around them.
    (
        ("أعرف", "نعرف", "معرفة", "إفادت", "أتساءل"),
        r"(?:أود|أريد|نود|نريد)\s+(?:أن\s+)?(?:أعرف|نعرف|معرفة)|أرجو\s+إفادت|يرجى\s+إفادت|أتساءل",
    ),
    (
        tuple("क्या कब कैसे क्यों कहाँ कहां कितन कौन बताइ बताएं बता जानना".split()),
        r"(?:^|\s)(?:क्या|कब|कैसे|क्यों|कहाँ|कहां|कितना|कितनी|कितने|कौन)(?=\s|$)"
        r"|बताइ|बताएं|बता\s+दीजिए|जानना\s+चाह",
    ),
)
_COMPILED = tuple((words, re.compile(pattern, re.IGNORECASE)) for words, pattern in _WAYS)
# A way whose words are all of one script other than Latin is looked for only in a text
# holding a letter of that script (one quick search of the text, where most mail would
# otherwise be searched for each such word).
_SCRIPTS = {
    "cyrillic": re.compile("[\u0400-\u04ff]"),
    "han": re.compile("[\u3400-\u9fff\uf900-\ufaff]"),
    "hangul": re.compile("[\uac00-\ud7af]"),
    "arabic": re.compile("[\u0600-\u06ff]"),
    "devanagari": re.compile("[\u0900-\u097f]"),
}


def _script(words: tuple[str, ...]) -> str | None:
    """The script all the words are written in, if one of _SCRIPTS; else None."""
    for name, letters in _SCRIPTS.items():
        if all(letters.search(word) for word in words):
            return name
    return None


_ANY_SCRIPT = re.compile("[" + "".join(p.pattern[1:-1] for p in _SCRIPTS.values()) + "]")


def _scripts_in(text: str) -> set[str]:
    """The scripts of _SCRIPTS the text holds a letter of (most mail: none, told at once)."""
    if text.isascii() or not _ANY_SCRIPT.search(text):
        return set()
    return {name for name, letters in _SCRIPTS.items() if letters.search(text)}


_BY_SCRIPT = tuple((_script(words), words, pattern) for words, pattern in _COMPILED)
# All the ways as one pattern: what the quick looks must find (the tests hold them to it).
_INDIRECT = re.compile("|".join(f"(?:{pattern})" for _, pattern in _WAYS), re.IGNORECASE)


def asks_indirectly(sentence: str) -> bool:
    """The sentence reports or softens a question ("she asks whether", "saber si")."""
    return indirect_reader(sentence)(sentence)


def indirect_reader(text: str) -> Callable[[str], bool]:
    """`asks_indirectly` for the sentences of this text, looking only for the ways whose
    words the text holds (one look at a whole mail spares each sentence most of them)."""
    lower = text.lower()
    present = _scripts_in(text)
    ways = [
        (w, p)
        for script, w, p in _BY_SCRIPT
        if (script is None or script in present) and any(map(lower.__contains__, w))
    ]
    if not ways:
        return _never

    def asks(sentence: str) -> bool:
        low = sentence.lower()
        return any(any(map(low.__contains__, w)) and p.search(sentence) for w, p in ways)

    return asks


def _never(sentence: str) -> bool:
    return False
