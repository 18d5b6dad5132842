"""Drafts in the client's language: the guess, the template chosen, our own dates."""

from __future__ import annotations

from pathlib import Path

import pytest

from inbox.mail.language import guess_language
from rules.localize import localize_data, localized_template

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
CLIENT_TEMPLATES = sorted(
    p.name.removesuffix(".txt.j2") for p in (TEMPLATES / "client").glob("*.txt.j2")
)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("¿Recibieron mi pago?", "es"),
        ("Hola, ¿cuándo es la audiencia? Gracias", "es"),
        ("Ist unsere Überweisung schon eingegangen?", "de"),
        ("Bonjour, avez-vous reçu notre virement ? Merci", "fr"),
        ("Olá, vocês receberam o meu pagamento? Obrigado", "pt"),
        ("Did you get the signed forms? Thanks", "en"),
        ("Buongiorno avvocato, abbiamo ricevuto la fattura per il mese di marzo?", "it"),
        ("Dzień dobry, czy faktura jest już zapłacona? Pozdrawiam", "pl"),
        ("Olá, a informação sobre o processo ainda não chegou", "pt"),
        ("Марк, суд уже назначил дату слушания? Our USCIS case too.", "ru"),
        ("Добрий день, чи отримали ви мої документи?", "uk"),
        ("赵律师，租户的答辩有没有送到你们那里？", "zh"),
        ("변호사님, 청문회 날짜가 정해졌나요?", "ko"),
        ("هل وصلتكم الأوراق الموقعة؟", "ar"),
        ("Luật sư ơi, hồ sơ của tôi đã nộp chưa ạ?", "vi"),
        ("Sir, mera H-1B transfer ka kya update hai? Abhi tak kuch nahi aaya", "hi"),
    ],
)
def test_language_guess_from_the_mails_words(text: str, language: str) -> None:
    assert guess_language(text) == language


def test_a_language_without_templates_gets_the_english_draft_and_a_note() -> None:
    chosen, note = localized_template(TEMPLATES, "client/status_request", "ko")
    assert chosen == "client/status_request"
    assert note == "the client wrote in Korean: this draft is in English (no template)"


@pytest.mark.parametrize("language", ["es", "de", "fr"])
@pytest.mark.parametrize("name", CLIENT_TEMPLATES)
def test_every_client_template_exists_in_spanish_german_and_french(
    name: str, language: str
) -> None:
    chosen, note = localized_template(TEMPLATES, f"client/{name}", language)
    assert (chosen, note) == (f"client/{language}/{name}", None)


def test_another_language_gets_english_with_a_note_for_the_va() -> None:
    chosen, note = localized_template(TEMPLATES, "client/billing_balance", "pt")
    assert chosen == "client/billing_balance"
    assert note is not None and "Portuguese" in note


def test_attorney_notices_stay_in_english() -> None:
    assert localized_template(TEMPLATES, "attorney/escalation", "es") == (
        "attorney/escalation",
        None,
    )


def test_our_dates_and_phrases_are_written_in_the_clients_language() -> None:
    data = {"rows": [{"due": "November 29, 2026"}], "response_time": "within one business day"}
    assert localize_data(data, "es") == {
        "rows": [{"due": "29 de noviembre de 2026"}],
        "response_time": "en el plazo de un día hábil",
    }
    assert localize_data(data, "de")["rows"][0]["due"] == "29. November 2026"
    assert localize_data(data, "fr")["rows"][0]["due"] == "29 novembre 2026"
    assert localize_data(data, "en") == data
