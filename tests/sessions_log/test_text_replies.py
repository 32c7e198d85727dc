"""Every reply by text fits one GSM-7 part (160 characters) in every
language, with a long sender name and the help phone."""

import pytest

from sessions_log import text_replies

# GSM 03.38: the basic set (one character each) and the extension table
# (two each: an escape and the character).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")
SENDER = "Northside Peer Recovery Centre"


def gsm7_length(text: str) -> int:
    """Its length in GSM-7 septets; ValueError if it is not GSM-7."""
    length = 0
    for character in text:
        if character in GSM7_BASIC:
            length += 1
        elif character in GSM7_EXTENDED:
            length += 2
        else:
            raise ValueError(f"not GSM-7: {character!r} in {text!r}")
    return length


def test_the_sender_name_of_the_test_is_thirty_characters():
    assert len(SENDER) == 30


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("phone", ["+1 555 010 0199", ""])
@pytest.mark.parametrize("kind", text_replies.KINDS)
def test_every_reply_is_one_gsm7_part(settings, language, phone, kind):
    settings.TEXTS_SENDER_NAME, settings.TEXTS_HELP_PHONE = SENDER, phone
    reply = text_replies.reply(kind, language)
    assert reply.startswith(SENDER + ": ")
    assert gsm7_length(reply) <= 160, reply
    if phone and kind in (text_replies.HELP, text_replies.NOT_READ):
        assert phone in reply


def test_spanish_replies_are_spanish(settings):
    settings.TEXTS_SENDER_NAME = SENDER
    for kind in text_replies.KINDS:
        assert text_replies.reply(kind, "es") != text_replies.reply(kind, "en"), kind


def test_an_unknown_language_gets_english(settings):
    assert text_replies.reply(text_replies.HELP, None) == text_replies.reply(
        text_replies.HELP, "en"
    )
    assert text_replies.reply(text_replies.HELP, "xx") == text_replies.reply(
        text_replies.HELP, "en"
    )
