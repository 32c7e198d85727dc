"""Consents as the client's pages name them, in the viewer's language."""

from django import template

from coaching.consent_wording import recipient_in_words

register = template.Library()


@register.filter
def recipient_words(consent) -> str:
    """ "Acme Health Plan", or the single TPO consent's class of recipients
    in the active language (Consent.recipient_label is the English)."""
    return recipient_in_words(consent)
