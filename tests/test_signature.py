"""Sign-offs, company signature blocks and disclaimers never reach the model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from inbox.mail.parse import parse_message
from inbox.mail.quoting import split_new_text, strip_history
from inbox.mail.signature import cut_signature
from tests.conftest import REALMAIL, require

AP_CLERK = """Hello,

Could you send us a copy of invoice 4471? Our auditors need it by Friday.

Best regards,

Maria Lopez
Accounts Payable Specialist | Brightline Manufacturing Inc.
1200 Industrial Pkwy, Suite 400
Springfield, IL 62701
T: +1 (217) 555-0142 | F: +1 (217) 555-0199
www.brightline-mfg.com

CONFIDENTIALITY NOTICE: This e-mail and any attachments are confidential and intended
solely for the use of the addressee. If you have received it in error, please delete it."""

GERMAN = """Sehr geehrte Frau Keller,

wie ist der Stand beim Markenverfahren? Hat das Amt schon reagiert?

Mit freundlichen Grüßen

Hans Müller
Geschäftsführer
Müller Bau GmbH
Hauptstraße 5, 80331 München
Tel. +49 89 1234567

Diese E-Mail enthält vertrauliche und/oder rechtlich geschützte Informationen.
Geschäftsführer: Hans Müller, Amtsgericht München HRB 12345"""

SPANISH = """Hola Lucía,

¿ya presentaron la demanda contra el arrendador?

Un saludo,
Pedro Ramírez
Ramírez Importaciones S.L.
Calle Mayor 12, 28013 Madrid
Móvil: +34 612 345 678

AVISO DE CONFIDENCIALIDAD: Este mensaje y sus anexos son confidenciales y están dirigidos
exclusivamente a su destinatario."""

FRENCH = """Bonjour Maître,

Pouvez-vous me dire où en est le dossier de succession ?

Cordialement,
Claire Dubois

Ce message et ses pièces jointes sont confidentiels et destinés exclusivement à leur
destinataire."""

RUSSIAN = """Марк, добрый день.

Подскажите, суд уже назначил дату слушания по аренде?

С уважением,
Гарик Аванесов
Brighton Express Car Service LLC
Тел.: (718) 555-0191

Это письмо и вложения конфиденциальны и предназначены только для адресата."""

CHINESE = """赵律师，租户的答辩有没有送到你们那里？

谢谢！
郑浩然 Henry Zheng
Golden Dragon Properties LLC
手机 (415) 555-0152

本邮件可能含有受律师—客户特权保护的保密信息。如您误收，请通知发件人并删除。"""

KOREAN = """변호사님, 청문회 날짜가 정해졌나요?

감사합니다.
김민수 드림
iPhone에서 보냄"""


@pytest.mark.parametrize(
    ("text", "question"),
    [
        (RUSSIAN, "Подскажите, суд уже назначил дату слушания по аренде?"),
        (CHINESE, "赵律师，租户的答辩有没有送到你们那里？"),
        (KOREAN, "변호사님, 청문회 날짜가 정해졌나요?"),
    ],
    ids=["ru-llc", "zh-disclaimer", "ko-mobile"],
)
def test_sign_offs_and_notices_in_more_languages_are_cut(text: str, question: str) -> None:
    assert parse_message(
        f"From: c@example.com\nSubject: q\nContent-Type: text/plain; charset=utf-8\n\n{text}".encode()
    ).new_text.endswith(question)


@pytest.mark.parametrize(
    ("text", "question"),
    [
        (AP_CLERK, "Could you send us a copy of invoice 4471? Our auditors need it by Friday."),
        (GERMAN, "wie ist der Stand beim Markenverfahren? Hat das Amt schon reagiert?"),
        (SPANISH, "¿ya presentaron la demanda contra el arrendador?"),
        (FRENCH, "Pouvez-vous me dire où en est le dossier de succession ?"),
    ],
    ids=["en-ap-clerk", "de-gmbh", "es-movil", "fr-maitre"],
)
def test_company_signature_and_disclaimer_are_cut_after_the_question(
    text: str, question: str
) -> None:
    kept = cut_signature(text)
    assert kept.endswith(question)
    assert not re.search(r"confiden|vertraulich|Tel|Móvil|www|Müller Bau", kept)


def test_a_question_after_the_thanks_line_is_kept() -> None:
    text = "Thanks for sending the lease.\n\nThanks!\nOh, one more thing: can you send the W-9?"
    assert cut_signature(text) == text


def test_a_sign_off_with_the_name_on_its_line_is_cut() -> None:
    assert cut_signature("Any update on the closing?\n\nBest, Anna") == (
        "Any update on the closing?"
    )
    assert cut_signature("did you get the signed pages\nthx\nJ") == "did you get the signed pages"


def test_a_contact_block_without_a_sign_off_is_cut() -> None:
    text = "Please confirm receipt.\n\nJohn Smith\nDirector of Finance\nAcme Corp\n(555) 123-4567"
    assert cut_signature(text) == "Please confirm receipt."


def test_a_request_that_names_an_address_is_not_a_signature() -> None:
    text = "Hi Dana,\n\nCan you help?\n\nPlease send the invoice copy to ap@acme.com"
    assert cut_signature(text) == text


def test_a_mail_that_is_only_a_thanks_is_left_as_it_is() -> None:
    assert cut_signature("Thanks!") == "Thanks!"
    assert cut_signature("Thank you so much!\nMaria") == "Thank you so much!\nMaria"


def test_the_parser_gives_the_model_the_question_without_the_signature() -> None:
    raw = (
        "From: Maria Lopez <maria@brightline-mfg.com>\r\nTo: clients@firm.example\r\n"
        "Subject: invoice copy\r\nMessage-ID: <sig-1@brightline-mfg.com>\r\n\r\n"
        + AP_CLERK.replace("\n", "\r\n")
        + "\r\n\r\nOn Tue, Mar 3, 2026 at 9:14 AM Dana <dana@firm.example> wrote:\r\n> Hi Maria\r\n"
    ).encode()
    parsed = parse_message(raw)
    assert parsed.new_text.endswith("Our auditors need it by Friday.")
    assert "Springfield" not in parsed.new_text and "Dana" not in parsed.new_text
    assert split_new_text(parsed.text) == parsed.new_text


@pytest.mark.slow  # parses the whole real-world corpus
def test_no_real_mail_with_words_loses_all_of_them() -> None:
    require(REALMAIL.is_dir(), f"real-world corpus not found at {REALMAIL}")
    words = re.compile(r"[^\W\d_]+")
    checked = 0
    for path in sorted(p for p in Path(REALMAIL).rglob("*") if p.is_file()):
        try:
            parsed = parse_message(path.read_bytes())
        except Exception:  # quarantined mail has no new text to check
            continue
        if words.search(strip_history(parsed.text)):
            assert words.search(parsed.new_text), path.name
            checked += 1
    assert checked > 1000


def test_a_paragraph_headed_legal_that_asks_is_the_clients_question_not_a_notice() -> None:
    body = (
        "Two things from our club.\n\n"
        "Billing: can you send the invoices to both me and our secretary?\n\n"
        "Legal: we own a building and some members want to split the sale money. "
        "Can a nonprofit club divide its assets among its members?\n\n"
        "Chuck Bauman\nTreasurer, Woodbury Optimist Club"
    )
    assert "divide its assets" in cut_signature(body)


# Chinese runs its words together, so a paragraph is one "word" by spaces; with a
# tracking number in it (phone-like digits), the whole mail below the greeting was cut
# as a signature block before inbox/mail/punctuation.py counted its words.
CHINESE_RECEIPT = """赵律师您好！

我儿子的I-20、成绩单和学校的那封信，我昨天已经用DHL寄到您旧金山的办公室了，单号是 4478 2210 96。网上显示已签收。麻烦您帮我确认一下是否收到，谢谢！

刘芳"""

ARABIC_QUESTIONS = """الأستاذ رامي،

أنوي شراء سوبرماركت في هيوستن بقيمة 220 ألف دولار. هل المبلغ كافٍ؟

وكم أتعابكم للملف كاملاً؟"""


def test_chinese_paragraphs_are_prose_not_a_signature_block() -> None:
    cut = cut_signature(CHINESE_RECEIPT)
    assert "确认一下是否收到" in cut
    assert "单号是 4478 2210 96" in cut


def test_a_question_with_the_arabic_question_mark_is_never_cut() -> None:
    assert "وكم أتعابكم للملف كاملاً؟" in cut_signature(ARABIC_QUESTIONS)


def test_a_chinese_signature_block_is_still_cut() -> None:
    text = "请问我的案子有进展吗？\n\n谢谢\n刘芳\n上海某某科技有限公司\n电话：+86 21 5555 0142"
    assert cut_signature(text) == "请问我的案子有进展吗？"
