"""The text-message page on a 320 px phone (issue 32, item 3), in Spanish:
the client reaches it from the header, gives a number and ticks the
consent, types back the code that came by text, turns texts off and on
again and removes the number. Every state of the page fits 320 px
without sideways scrolling, with 44 px tap targets, and axe-core finds
nothing serious. (The whole flow, with reminders and STOP by text, is the
lead's browser test.)"""

import re
import uuid

from playwright.sync_api import expect

from sessions_log.models import TextNumber
from sessions_log.tasks import text_code_send
from tests.e2e.browser import PHONE, expect_heading, expect_message, sign_in
from tests.e2e.test_trust_loop_phone import check_client_page

SMALL = {**PHONE, "viewport": {"width": 320, "height": 568}}

_BUTTONS = """() => [...document.querySelectorAll('main button, main a.button')]
    .map(el => ({text: el.innerText, height: el.getBoundingClientRect().height}))"""


def _check(page, name):
    check_client_page(page, 320, name)
    for button in page.evaluate(_BUTTONS):
        assert button["height"] >= 44, f"{name}: {button['text']!r} is {button['height']} px tall"


def test_a_spanish_speaking_client_opts_in_on_a_small_phone(
    open_page, texts_on, settings, client_user
):
    # The page's on_commit queues the code's task; no worker here takes it
    # (the test runs the task itself), so it waits on a queue of its own.
    settings.REMINDER_QUEUE = f"test-{uuid.uuid4().hex[:8]}"
    client_user.language = "es"
    client_user.save(update_fields=["language"])
    phone = open_page(**SMALL)
    sign_in(phone, client_user)
    phone.get_by_role("link", name="Mensajes de texto").click()
    expect_heading(phone, "Mensajes de texto")
    assert "Pueden aplicarse tarifas de mensajes y datos." in phone.content()
    _check(phone, "texts-none")

    phone.get_by_label("Número de celular").fill("(555) 201-9876")
    phone.get_by_label("Acepto recibir estos mensajes de texto.").check()
    phone.get_by_role("button", name="Enviar código").click()
    expect_message(phone, "Un código va en camino a tu teléfono.")
    _check(phone, "texts-unconfirmed")

    assert text_code_send(TextNumber.objects.get().pk) == "sent"
    code = re.search(r"\b(\d{6})\b", texts_on.messages[-1]["body"]).group(1)
    phone.get_by_label("Código").fill(code)
    phone.get_by_role("button", name="Confirmar").click()
    expect_message(phone, "Los mensajes de texto están activados.")
    expect(phone.locator("#texts-state")).to_contain_text("termina en 9876")
    _check(phone, "texts-on")

    phone.get_by_role("button", name="Dejar de recibir mensajes de texto").click()
    expect_message(phone, "Los mensajes de texto están desactivados.")
    _check(phone, "texts-stopped")
    phone.get_by_role("button", name="Volver a activar los mensajes de texto").click()
    expect_message(phone, "Los mensajes de texto están activados otra vez.")
    phone.get_by_role("button", name="Quitar número").click()
    expect_message(phone, "Quitamos tu número.")
    assert not TextNumber.objects.exists()
