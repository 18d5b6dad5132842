"""Questions asked without a question: "Joel pregunta si tenemos que pagar impuestos",
"I was wondering whether we can deduct it", "ich wollte fragen, ob wir zahlen müssen".

A sentence that reports or softens an ask carries no "?" and does not open like a
question, so the sentence readers missed it, and with it the legal question of many a
mixed mail ("and my husband asks whether the settlement counts as income").
"""

from __future__ import annotations

import re

# Words that introduce an indirect question, in the languages the corpus is written in:
# whether / if after ask, wonder or want to know; si, se, ob, czy, ли, чи; 是否, 能否.
_INDIRECT = re.compile(
    r"\b(?:whether"
    r"|wonder(?:s|ed|ing)?\s+(?:if|about)"
    r"|ask(?:s|ed|ing)?\s+(?:you\s+|me\s+|him\s+|her\s+)?if"
    r"|(?:want|wanted|wants|like|need|needs)\s+to\s+know\s+(?:if|how|what|when|who|why)"
    r"|let\s+(?:me|us)\s+know\s+(?:if|how|what|when|who|why)"
    r"|tell\s+(?:me|us)\s+(?:if|how|what|when|who|why)"
    r"|pregunt(?:a|an|o|ó|aba|ar|ando)\s+(?:que\s+)?si|saber\s+si"
    r"|(?:quisiera|quería|queria|gustaría|gustaria)\s+saber"
    r"|pergunt(?:a|am|ou|ar|ando)\s+se|saber\s+se|(?:gostaria|queria)\s+de\s+saber"
    r"|chied(?:e|ono|eva|ere)\s+se|sapere\s+se|(?:vorrei|volevo|vorremmo)\s+sapere"
    r"|demand(?:e|ent|ait|er)\s+si|savoir\s+si|(?:voudrais|aimerais|voudrions)\s+savoir"
    r"|chciał(?:a|bym|abym|ybyśmy)?\s+(?:bym\s+)?wiedzieć|proszę\s+o\s+informację"
    r"|подскажите|уточните|сообщите|(?:хотел|хотела|хотели|хочу)\s+(?:бы\s+)?узнать"
    r"|підкажіть|уточніть|повідомте|(?:хотів|хотіла|хочу)\s+(?:би\s+)?дізнатися"
    r"|muốn\s+biết|muon\s+biet|(?:cho|xin)\s+(?:\w+\s+)?hỏi|(?:cho|xin)\s+(?:\w+\s+)?hoi"
    r"|ob|czy|ли|чи)\b"
    # Vietnamese asks yes or no with a last "không" / "chưa" (and ... or not / yet)
    r"|\b(?:không|khong|chưa|chua)\W*$"
    # Chinese (and Cantonese) asks with a final particle or an A-not-A verb, a question
    # mark or not; Korean with an ending (-나요, -까요, -습니까) or "whether" (-는지,
    # -인지, -을지) before "let me know" / "I wonder" (알려 주세요, 궁금합니다), which
    # sit inside words, so no \b around them.
    r"|是否|能否|可否|是不是|请问|請問|想知道|想了解|能不能|可不可以|有没有|有沒有|会不会|會不會"
    r"|會唔會|係唔係|可唔可以|使唔使|得唔得|要唔要|有冇|[吗嗎呢][。.!！]?$"
    r"|궁금|알려\s?주|여쭤|여쭙|문의|나요|까요|습니까|는지|인지|을지|할지|건지"
    # Arabic and Hindi: "I want to know", "please tell me"; Hindi's vowel signs are no
    # word characters to re, so its words are told by the spaces around them.
    r"|(?:أود|أريد|نود|نريد)\s+(?:أن\s+)?(?:أعرف|نعرف|معرفة)|أرجو\s+إفادت|يرجى\s+إفادت|أتساءل"
    r"|(?:^|\s)(?:क्या|कब|कैसे|क्यों|कहाँ|कहां|कितना|कितनी|कितने|कौन)(?=\s|$)"
    r"|बताइ|बताएं|बता\s+दीजिए|जानना\s+चाह",
    re.IGNORECASE,
)


# Every match holds one of these: looking for them first spares most sentences the
# pattern's position-by-position search (the classifier reads every sentence).
_MARKERS = (
    "whether", "wonder", "ask", "know", "pregunt", "saber", "pergunt", "chied", "sapere",
    "demand", "savoir", "tell", "ob", "czy", "ли", "чи", "是否", "能否", "可否", "是不是",
    "wiedzieć", "informację", "подскажите", "уточните", "сообщите", "узнать", "підкажіть",
    "уточніть", "повідомте", "дізнатися", "biết", "biet", "hỏi", "hoi", "không", "khong",
    "chưa", "chua", "请问", "請問", "想知道", "想了解", "能不能", "可不可以", "有没有",
    "有沒有", "会不会", "會不會", "唔", "有冇", "吗", "嗎", "呢", "궁금", "알려", "여쭤",
    "여쭙", "문의", "나요", "까요", "습니까", "는지", "인지", "을지", "할지", "건지", "أعرف",
    "نعرف", "معرفة", "إفادت", "أتساءل", "क्या", "कब", "कैसे", "क्यों", "कहाँ", "कहां",
    "कितन", "कौन", "बताइ", "बताएं", "बता", "जानना",
)  # fmt: skip


def asks_indirectly(sentence: str) -> bool:
    """The sentence reports or softens a question ("she asks whether", "saber si")."""
    return may_ask_indirectly(sentence) and bool(_INDIRECT.search(sentence))


def may_ask_indirectly(text: str) -> bool:
    """Whether the text holds a marker, without which none of its sentences asks
    indirectly: one look at a whole mail spares each sentence its own look."""
    lower = text.lower()
    return any(map(lower.__contains__, _MARKERS))
