"""A Spanish-speaking client on a 320 px phone (issue: Spanish for clients).

Their browser asks for Spanish; their account says Spanish. They sign in,
open their home, answer a check-in from the link in its (Spanish) email,
read My check-ins, their plan, a consent waiting for them and "Who viewed
my record". On every page each text node (and each label a screen reader
reads) is checked against the English catalogue: none may be an English
sentence we translate, nor read as English (two or more English function
words); only what is marked as another language (lang="en") may be.
Every page fits 320 px, its targets are 44 px, axe finds nothing serious."""

import re
from datetime import date
from pathlib import Path

import polib
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.audit import audit_record
from coaching import checkin_wording, consent_wording
from coaching.models import CheckIn, CheckInRequest, Information
from coaching.services.consents import consent_prepare
from sessions_log.models import Reminder
from sessions_log.services.outbox import reminders_sweep
from tests.conftest import PASSWORD, wait_until
from tests.e2e.browser import PHONE
from tests.e2e.test_trust_loop_phone import check_client_page
from tests.helpers import _completed, first_link, text_body

ROOT = Path(__file__).resolve().parents[2]
SPANISH_PHONE = {**PHONE, "viewport": {"width": 320, "height": 568}, "locale": "es-ES"}

# Words of English that are no words of Spanish: two in one text node read
# as English whatever the catalogue says (a string nobody marked).
ENGLISH_ONLY = frozenset(
    re.findall(
        r"\w+",
        "the and your you with of is are this was were have will what when who how please our "
        "we to for from by it be been not can could would should their they there which",
    )
)
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|<[^>]+>|{\w*}")
_WORDS = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")

_TEXTS = """() => {
  const texts = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    if (parent && parent.closest("script, style")) continue;
    // Declared in another language on purpose: the switch's "English",
    // the English record kept beside a signed Spanish consent.
    if (parent && parent.closest("[lang]").getAttribute("lang") !== "es") continue;
    const text = node.textContent.replace(/\\s+/g, " ").trim();
    if (text) texts.push(text);
  }
  for (const element of document.querySelectorAll("[aria-label], [title], [placeholder], [alt]")) {
    if (element.closest("[lang]").getAttribute("lang") !== "es") continue;
    for (const name of ["aria-label", "title", "placeholder", "alt"]) {
      const value = element.getAttribute(name);
      if (value && value.trim()) texts.push(value.trim());
    }
  }
  for (const button of document.querySelectorAll("input[type=submit], input[type=button]")) {
    texts.push(button.value.trim());
  }
  return texts;
}"""


def _side_by_side(value):
    """(English, Spanish) of the wording kept outside the catalogue: the
    check-in's statements and anchors, the consent's sections."""
    if isinstance(value, dict):
        if isinstance(value.get("en"), str) and isinstance(value.get("es"), str):
            yield value["en"], value["es"]
        elif isinstance(value.get("en"), dict) and isinstance(value.get("es"), dict):
            for key, english in value["en"].items():
                if isinstance(english, str) and isinstance(value["es"].get(key), str):
                    yield english, value["es"][key]
        else:
            for inner in value.values():
                yield from _side_by_side(inner)


def english_sentences() -> list[re.Pattern]:
    """The English catalogue: each translated msgid (its pieces between
    placeholders and tags) whose Spanish differs, as a pattern; and the
    English of the wording kept side by side in code."""
    catalogue = polib.pofile(str(ROOT / "locale" / "es" / "LC_MESSAGES" / "django.po"))
    pairs = []
    for entry in catalogue.translated_entries():
        pairs.append((entry.msgid, entry.msgstr or entry.msgstr_plural.get(0, "")))
        if entry.msgid_plural:
            pairs.append((entry.msgid_plural, entry.msgstr_plural[1]))
    for module in (checkin_wording, consent_wording):
        for name, value in vars(module).items():
            if name.isupper() or name.startswith("_") and name[1:].isupper():
                pairs += list(_side_by_side(value))
    patterns = []
    for english, spanish in pairs:
        if " ".join(english.split()).lower() == " ".join(spanish.split()).lower():
            continue  # the same in both ("Agenda")
        pieces = [" ".join(p.split()) for p in _PLACEHOLDER.split(english)]
        if len(pieces) > 1 and len(_WORDS.findall(" ".join(pieces))) < 2:
            continue  # mostly placeholders ("%(a)s to %(b)s"): it would match anything
        patterns.append(re.compile(".+?".join(re.escape(p) for p in pieces)))
        # A piece of three words or more, wherever it stands.
        patterns += [re.compile(re.escape(p)) for p in pieces if len(p.split()) >= 3]
    return patterns


def english_on(texts: list[str], sentences: list[re.Pattern]) -> list[str]:
    found = []
    for text in texts:
        words = {word.lower() for word in _WORDS.findall(text)}
        if len(words & ENGLISH_ONLY) >= 2:
            found.append(f"reads as English: {text!r}")
            continue
        for pattern in sentences:
            long_piece = pattern.pattern.count(" ") >= 2
            if pattern.fullmatch(text) or (long_piece and pattern.search(text)):
                found.append(f"English catalogue string {pattern.pattern!r} in {text!r}")
                break
    return found


def check_spanish_page(page: Page, sentences, name: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "es")
    assert english_on(page.evaluate(_TEXTS), sentences) == [], f"{name}: {page.url}"
    check_client_page(page, 320, f"es-{name}")


def test_the_detector_finds_english():
    sentences = english_sentences()
    assert english_on(["Sign out"], sentences)  # a catalogue string
    assert english_on(["My coach listened and understood me."], sentences)  # the instrument
    assert english_on([consent_wording.NO_ORGANISATION["en"]], sentences)
    assert english_on(["Please call your coach"], sentences)  # unmarked English
    assert english_on(["Cerrar sesión", "Tu coach", "PDF", "Robin Park"], sentences) == []


def test_a_spanish_speaking_client_uses_the_app_in_spanish_on_a_small_phone(
    open_page, live_server, celery_worker_process, mailbox, coach, client_user
):
    client_user.language = "es"
    client_user.save(update_fields=["language"])
    sentences = english_sentences()
    consent = consent_prepare(
        actor=coach,
        client=client_user,
        legal_name="Robin Alexandra Park",
        person_name="Jamie Park",
        purpose="Que mi hermana sepa cómo estoy",
        information=[Information.RECOVERY_PLAN],
        information_from=date(2026, 1, 1),
        ends_on_event="Cuando yo lo diga",
    )
    audit_record(actor=coach, action="client.view", obj=client_user, client=client_user)
    session = _completed(coach, client_user)
    assert CheckInRequest.objects.filter(session=session).exists()
    Reminder.objects.filter(session=session, kind="checkin_request").update(
        next_attempt_at=session.ends_at
    )
    reminders_sweep()
    asking = lambda: [m for m in mailbox if "/checkins/link/" in text_body(m)]  # noqa: E731
    assert wait_until(asking, timeout=30)
    (request,) = asking()
    assert english_on([request["Subject"], *text_body(request).splitlines()], sentences) == []
    link = first_link(request, r"http://testserver/checkins/link/\S+/")

    phone = open_page(**SPANISH_PHONE)
    phone.goto("/accounts/login/")
    check_spanish_page(phone, sentences, "login")
    phone.locator("input[name=login]").fill(client_user.email)
    phone.locator("input[name=password]").fill(PASSWORD)
    phone.locator("main form button[type=submit]").first.click()
    expect(phone).to_have_url(re.compile(reverse("coaching:client_home") + "$"))
    check_spanish_page(phone, sentences, "home")

    phone.goto(link.replace("http://testserver", live_server.url))
    check_spanish_page(phone, sentences, "checkin")
    for radio_name in ("heard", "safe", "focus", "trust", "helping"):
        phone.locator(f"input[name={radio_name}][value='8']").check()
    phone.locator("main form button[type=submit]").last.click()
    expect(phone.locator("h1")).to_be_visible()
    assert wait_until(lambda: CheckIn.objects.filter(client=client_user).exists(), timeout=10)
    check_spanish_page(phone, sentences, "checkin-thanks")

    for name, url in [
        ("my-checkins", reverse("coaching:my_checkins")),
        ("plan", reverse("coaching:my_plan")),
        ("consents", reverse("coaching:my_consents")),
        ("consent", reverse("coaching:my_consent", args=[consent.pk])),
        ("who-viewed", reverse("accounts:record_views")),
    ]:
        phone.goto(url)
        check_spanish_page(phone, sentences, name)
