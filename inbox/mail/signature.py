"""Cut the sign-off, the signature block and the disclaimer from a sender's new text.

About a third of business mail ends with a company signature (name, title, company,
address, phones) and often a confidentiality notice; none of it is what the client
asks, and it drowns a short question. The rules are structural, not tuned: a
disclaimer is cut from its opening words on; a closing line ("Best regards,",
"Saludos", "Mit freundlichen Grüßen") is cut with everything after it when what
follows is only signature lines, never when a sentence or a question follows it; a
trailing block of contact lines (phones, addresses, web and mail addresses) is cut
with the name and title lines above it. Nothing is cut if nothing would be left.
"""

from __future__ import annotations

import re

from inbox.mail.punctuation import asks, words

# Openings of confidentiality, privilege and legal notices, in the languages clients use.
_DISCLAIMER = re.compile(
    r"^\W*("
    r"confidential(ity)?( notice| note|:| information)"
    r"|privileged (and|&) confidential"
    r"|(important|legal) notice\b"
    r"|disclaimer\b"
    r"|this (e-?mail|message|communication|transmission)\b.{0,80}\b"
    r"(confidential|privileged|intended (only|solely|exclusively))"
    r"|the (information|contents?) (contained )?in this (e-?mail|message|communication)"
    r"|if you (have )?received this (e-?mail|message|communication) in error"
    r"|notice: this (e-?mail|message)"
    r"|aviso (de confidencialidad|legal)"
    r"|este (correo|mensaje|e-?mail)\b.{0,80}\b(confidencial|destinatario)"
    r"|la informaci[óo]n contenida en este"
    r"|diese (e-?mail|nachricht)\b.{0,80}\b(vertraulich|bestimmt|enth[äa]lt)"
    r"|vertraulichkeitshinweis|haftungsausschluss|pflichtangaben"
    r"|ce (message|courriel|e-?mail)\b.{0,80}\b(confidentiel|destinataire)"
    r"|avis de confidentialit[ée]"
    r"|questo (messaggio|e-?mail)\b.{0,80}\b(riservat|destinatari)"
    r"|esta mensagem\b.{0,80}\b(confidencial|destinat[áa]rio)"
    r"|ta wiadomo[śs][ćc]\b.{0,80}\b(poufn|adresat)"
    r"|(это|данное) (письмо|сообщение)\b.{0,80}(конфиденциальн|адресат)"
    r"|(цей|даний) (лист|повідомлення)\b.{0,80}(конфіденційн|адресат)"
    r"|конфиденциальн\w*:|конфіденційн\w*:"
    r"|(本|此)(电子)?(邮件|郵件|電子郵件).{0,60}(保密|机密|機密|特权|特權|收件人)"
    r"|(email|thư) này\b.{0,80}(bảo mật|người nhận)"
    r"|(이|본) (메일|이메일|전자우편).{0,60}(기밀|비밀|수신인|수신자)"
    r"|(هذه|هذا) (الرسالة|البريد|الإيميل|الايميل).{0,80}(سري|المرسل إليه)"
    r")",
    re.IGNORECASE,
)

# A line that is only a closing: "Thanks,", "Best regards", "Un saludo", "MfG".
_CLOSING = re.compile(
    r"^\W*("
    r"(many |a lot of |big )?thanks?( you)?( so much| again| in advance| very much)?"
    r"|thx|ty|cheers|best|all the best|best wishes|warmly|warm regards|respectfully"
    r"|(best|kind|warm|warmest|many|with) regards|regards|rgds|br|kr"
    r"|sincerely( yours)?|yours( sincerely| truly| faithfully)?|cordially|take care"
    r"|(un )?saludo(s)?( cordiales)?|atentamente|cordialmente|gracias( de antemano)?"
    r"|muchas gracias|un abrazo|abrazos|besos"
    r"|(mit )?(freundlichen|besten|herzlichen|sch[öo]nen|vielen|liebe[n]?) gr[üu](ß|ss)en"
    r"|(viele|beste|liebe|herzliche) gr[üu](ß|ss)e|mfg|lg|vg|danke( sch[öo]n)?|vielen dank"
    r"|cordialement|bien ([àa] vous|cordialement)|merci( beaucoup| d'avance)?"
    r"|salutations( distingu[ée]es)?|bonne journ[ée]e"
    r"|cordiali saluti|distinti saluti|saluti|grazie( mille)?"
    r"|atenciosamente|abra[çc]os?|obrigad[oa]|cumprimentos"
    r"|pozdrawiam( serdecznie)?|z powa[żz]aniem|dzi[ęe]kuj[ęe]"
    r"|с уважением|(заранее |большое )?спасибо|всего доброго|з повагою|(заздалегідь )?дякую"
    r"|谢谢|謝謝|此致敬礼|此致|祝好|敬上|感谢|感謝"
    r"|tr[âa]n tr[ọo]ng|c[ảa]m [ơo]n( anh| ch[ịi]| lu[ậa]t s[ưu])?|th[âa]n [áa]i"
    r"|감사합니다|고맙습니다|안녕히 계세요"
    r"|مع (خالص )?(التحية|التحيات|الشكر)|شكرا|شكراً|وتفضلوا بقبول فائق الاحترام"
    r"|dhanyavaad|dhanyawad|shukriya|धन्यवाद"
    r")[\s,.!:;-]*"
    r"([,\u2013-]\s*[A-Z][\w.'-]*(\s+[A-Z][\w.'-]*){0,2}[.!]?)?$",  # "Best, Anna"
    re.IGNORECASE,
)
_PHONE = re.compile(r"(\+?\d[\d\s().\-/]{7,}\d)")
_CONTACT = re.compile(
    r"(\b(tel|phone|fax|mobile|mob|cell|direct|office|m|t|f|p|e|w|тел|моб|факс|"
    r"điện thoại|đt|전화|휴대폰|팩스|هاتف|جوال|فاكس)\b\.?\s*[:|：]"
    r"|(电话|電話|手机|手機|传真|傳真|办公室)\s*[:|：]?\s*\+?[\d(]"
    r"|\bwww\.|https?://|[\w.+-]+@[\w-]+\.[\w.]+|\b(suite|ste\.?|floor|street|st\.|avenue|"
    r"ave\.?|road|rd\.|blvd|boulevard|straße|strasse|calle|avenida|rue|via|ulica)\b"
    r"|\b\d{5}(-\d{4})?\b)",
    re.IGNORECASE,
)


def _is_prose(line: str) -> bool:
    """A sentence the sender wrote: a question, or words that end like a sentence
    (not like "Brightline Manufacturing Inc." or "Partner | Smith & Co.")."""
    stripped = line.strip()
    if asks(stripped) or "¿" in stripped:
        return True
    found = words(stripped)
    if len(found) < 6 or stripped[-1:] not in ".!:。！：" or "|" in stripped:
        return False
    abbreviation = stripped.endswith(".") and found[-1][:1].isupper() and len(found[-1]) <= 4
    return not abbreviation and not _CONTACT.search(stripped)


def _is_signature_line(line: str) -> bool:
    """A short line that is no sentence: a name, a title, a company, an address, a number."""
    stripped = line.strip()
    if not stripped:
        return True
    if _is_prose(stripped):
        return False
    return len(words(stripped)) <= 8


def _cut_disclaimer(lines: list[str]) -> list[str]:
    """From the first line that opens a notice, unless a question follows it: notices
    do not ask, clients do ("Legal: can a club divide its assets?")."""
    for i, line in enumerate(lines):
        if i > 0 and _DISCLAIMER.match(line.strip()) and not asks("".join(lines[i:])):
            return lines[:i]
    return lines


def _cut_after_closing(lines: list[str]) -> list[str]:
    """From the last closing line that only signature lines follow."""
    for i in range(len(lines) - 1, 0, -1):
        if _CLOSING.match(lines[i].strip()) and all(_is_signature_line(x) for x in lines[i + 1 :]):
            return lines[:i]
    return lines


def _cut_contact_block(lines: list[str]) -> list[str]:
    """A trailing block of signature lines holding a phone, address or web/mail address:
    the run of such lines up to the sender's last sentence, else the block below the
    last blank line that holds one."""
    start = len(lines)
    while start > 0 and _is_signature_line(lines[start - 1]):
        if _ends_paragraph(lines, start - 1):
            break
        start -= 1
    if start > 0 and _is_contact_block(lines[start:]):
        return lines[:start]
    for blank in range(len(lines) - 1, 0, -1):
        below = lines[blank + 1 :]
        if lines[blank].strip() or not all(_is_signature_line(x) for x in below):
            continue
        if _is_contact_block(below):
            return lines[:blank]
    return lines


def _is_contact_block(lines: list[str]) -> bool:
    """Two lines at least (a name and a number), one of them a way to reach someone."""
    block = [x for x in lines if x.strip()]
    return len(block) >= 2 and any(_CONTACT.search(x) or _PHONE.search(x) for x in block)


def _ends_paragraph(lines: list[str], i: int) -> bool:
    """A blank line just after prose: the signature block cannot reach above it."""
    return not lines[i].strip() and i > 0 and _is_prose(lines[i - 1])


def cut_signature(text: str) -> str:
    """The new text without its sign-off, signature block and disclaimer."""
    lines = text.split("\n")
    cut = _cut_contact_block(_cut_after_closing(_cut_disclaimer(lines)))
    while cut and not cut[-1].strip():
        cut.pop()
    if not any(words(line) for line in cut):
        return text
    return "\n".join(cut)
