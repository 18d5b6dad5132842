"""Split what the sender wrote now from quoted history, forwards and signatures.

The classifier reads only the new text: a client's question on top of a quoted
billing reminder is about what the client asks, not about the reminder.
"""

from __future__ import annotations

import re

from inbox.mail.signature import cut_signature

# The line mail programs put above the original in a reply or a forward, in the
# languages of the mail we get ("-----Messaggio originale-----", "-----原始邮件-----").
_SEPARATOR_NAMES = (
    "original message|urspr[üu]ngliche nachricht|mensaje original|message d'origine"
    "|messaggio originale|mensagem original|wiadomo[śs][ćc] oryginalna"
    "|oryginalna wiadomo[śs][ćc]|исходное сообщение|вихідне повідомлення|p[ůu]vodn[íi] zpr[áa]va"
    "|oorspronkelijk bericht|originalmeddelande|原始邮件|原始郵件|원본 메시지|원본 메일"
    "|元のメッセージ|الرسالة الأصلية|th[ưu] g[ốo]c"
    "|forwarded|weitergeleitete|mensaje reenviado|message transf[ée]r[ée]|messaggio inoltrato"
    "|mensagem encaminhada|wiadomo[śs][ćc] przekazana|пересылаемое сообщение"
    "|转发的邮件|轉寄的郵件|전달된 메시지|doorgestuurd bericht"
)
# A line that starts the quoted history (everything from it on is dropped).
_HISTORY_STARTS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        rf"^-{{2,}}\s*({_SEPARATOR_NAMES})[^-\n]*-{{2,}}",
        # "--- Em 20/04/2026, Alcides Bento escreveu ---"
        r"^-{2,}.{0,200}\b(wrote|escreveu|escribi[óo]|ha scritto|schrieb|a [ée]crit)\s*-{2,}\s*$",
        r"^begin forwarded message:",
        r"^_{10,}\s*$",  # Outlook's rule above its From:/Sent: block
        r"^on .{0,300}\bwrote:\s*$",
        r"^am .{0,300}\bschrieb .{0,200}:\s*$",
        r"^el .{0,300}\bescribi[óo]:?\s*$",
        r"^le .{0,300}\ba [ée]crit\s*:\s*$",
        r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}.{0,200}<[^>]+@[^>]+>.{0,20}:\s*$",
    )
]
# A reply's attribution line in any language: the sender's address in brackets, a date
# or time, and a colon at the end, a few words after the address ("Em seg., 2 de mar. de
# 2026 às 10:41, Thaís <t@x.com> escreveu:", "2026년 3월 20일 (금) 오전 10:11, 김하나
# <h@x.com>님이 작성:", "在 2026年2月9日 下午3:22，Amy <a@x.com> 写道：").
_ADDRESS = re.compile(r"<[^<>\s]+@[^<>\s]+>")
_DATE_OR_TIME = re.compile(r"\d{4}|\d{1,2}[:.]\d{2}|[٠-٩]{4}")
# After the address: nothing ("пн, 9 мар. 2026 г. в 10:02, Имя <a@x.com>:"), the verb
# ("escreveu", "님이 작성", "写道") or the time ("... <a@x.com> w dniu 4 mar 2026, o godz.
# 11:37:"), then the colon: a client's own "send it to Jane <j@x.com> and me:" is not one.
_WROTE_VERBS = (
    "wrote|escreveu|ha scritto|napisa[łl]a?(?:\\(a\\))?|pisze|님이 작성|작성|写道|寫道"
    "|[đd][ãa] vi[ếe]t|пише|пишет|написала?(?:\\(а\\))?|كتب|ने लिखा|a [ée]crit|escribi[óo]"
    "|skrev|schreef|kirjoitti|yazd[ıi]|napsala?(?:\\(a\\))?|[íi]rta"
)
_ATTRIBUTION_END = re.compile(
    rf">\)?\s*(?:(?:{_WROTE_VERBS})|[^<>]{{0,60}}\d{{1,2}}[:.]\d{{2}})?\s*[:：]\s*$",
    re.IGNORECASE,
)
# An Outlook header block: "From:" followed within a few lines by "Sent:"/"Date:".
_FROM_LINE = re.compile(
    r"^\*?(from|von|de|da|od|от|від|van|från|fra|kimden|发件人|寄件者|보낸 사람|差出人|من)"
    r"\s*\*?[:：]\*?\s?",
    re.IGNORECASE,
)
_SENT_LINE = re.compile(
    r"^\*?(sent|date|gesendet|datum|enviad[oa]|fecha|envoy[ée]|inviato|data|wysłano"
    r"|отправлено|надіслано|verzonden|skickat|sendt|gönderildi|发送时间|寄件日期|傳送時間"
    r"|日期|보낸 날짜|送信日時|التاريخ)(\s+\w+){0,2}\s*\*?[:：]",
    re.IGNORECASE,
)
# "On Tue, 3 Mar 2026, Dana" / "Whitfield <d@x> wrote:" split over two lines.
_WROTE_TAIL = re.compile(r"(wrote|schrieb|escribi[óo]|a [ée]crit)\s*:?\s*$", re.IGNORECASE)
_WROTE_HEAD = re.compile(r"^(on|am|el|le)\s", re.IGNORECASE)

_SIGNATURE_STARTS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^-- ?$",
        r"^sent from my \w+",
        r"^sent from (outlook|mail|yahoo mail|samsung|gmail)",
        r"^get outlook for \w+",
        r"^enviado desde mi \w+",
        r"^von meinem \w+ gesendet",
        r"^gesendet von meinem \w+",
        r"^envoy[ée] de mon \w+",
        r"^(отправлено|послано) (с|из) (моего )?\w+",
        r"^надіслано з (мого )?\w+",
        r"^(发自|來自|来自)我的\s?\w+",
        r"^從我的\s?\w+\s?傳送",
        r"^g[ửu]i t[ừu] \w+( c[ủu]a t[ôo]i)?",
        r"^\w+에서 보냄",
        r"^(أُ?رسلت|تم الإرسال) من\s",
    )
]


def _is_attribution(line: str) -> bool:
    """The line above a quoted reply as mail programs write it in any language (a date
    or time, the original sender's address, the verb or nothing, a colon): one rule for
    what would be a pattern per language and program."""
    return (
        "@" in line  # most lines: no regex run at all
        and len(line) < 400
        and _ADDRESS.search(line) is not None
        and _ATTRIBUTION_END.search(line) is not None
        and _DATE_OR_TIME.search(line) is not None
    )


def _is_history_start(lines: list[str], i: int) -> bool:
    line = lines[i].strip()
    if not line:
        return False
    if any(p.match(line) for p in _HISTORY_STARTS):
        return True
    if _is_attribution(line) or (
        "<" in line.rpartition(">")[2]  # the address broken over two lines
        and i + 1 < len(lines)
        and _is_attribution(line + " " + lines[i + 1].strip())
    ):
        return True
    if _WROTE_HEAD.match(line) and i + 1 < len(lines):
        joined = line + " " + lines[i + 1].strip()
        if _WROTE_TAIL.search(joined) and len(joined) < 400:
            return True
    if _FROM_LINE.match(line):
        window = lines[i + 1 : i + 5]
        if any(_SENT_LINE.match(w.strip()) for w in window):
            return True
    return False


def split_new_text(text: str) -> str:
    """Return the sender's own new words: no quoted history, no sign-off, signature
    block or disclaimer (inbox/mail/signature.py)."""
    return cut_signature(strip_history(text))


def strip_history(text: str) -> str:
    """The text above the quoted history, forwards and mobile footers; and a reply
    written between the quoted lines (inline), without them."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        if _is_history_start(lines, i):
            if _answers_inline(lines, i + 1):
                continue
            break
        stripped = line.strip()
        if _is_signature_start(stripped):
            break
        if stripped.startswith(">"):
            # A quoted block ends the new text unless real text follows it
            # (inline replies): keep going but skip the quoted lines.
            continue
        kept.append(line.rstrip())
    while kept and not kept[-1].strip():
        kept.pop()
    while kept and not kept[0].strip():
        kept.pop(0)
    return "\n".join(kept)


def _answers_inline(lines: list[str], start: int) -> bool:
    """The quoted message below an "On ... wrote:" line is answered between its lines:
    the sender's words stand between two quoted lines ("> 2. Can you send the letter?"
    / "Attached." / "> Any other questions?"). Words only after the last quoted line
    are a sign-off or signature under a quote, not an answer."""
    quoted_before = False
    words_between = False
    for line in lines[start:]:
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith(">"):
            if words_between:
                return True
            quoted_before = True
        elif not quoted_before or _is_signature_start(stripped):
            return False
        else:
            words_between = True
    return False


def _is_signature_start(line: str) -> bool:
    return any(p.match(line) for p in _SIGNATURE_STARTS)
