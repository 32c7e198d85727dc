"""Every email the app sends goes through `send`.

An email is three templates under templates/emails/: `<name>_subject.txt`,
`<name>.txt` and `<name>.html`. Emails say as little as possible: anyone may
read them over the recipient's shoulder.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def build(
    *,
    template: str,
    to: str,
    context: dict,
    headers: dict | None = None,
    attachments: list[tuple[str, str, str]] = (),
) -> EmailMultiAlternatives:
    """Render one email. `attachments` are (filename, content, mimetype)."""
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{template}.txt", context),
        to=[to],
        headers=headers or {},
        attachments=list(attachments),
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    return message


def send(**kwargs) -> None:
    """Render and send one email (see `build`). SMTP errors propagate: the
    caller decides whether to retry."""
    build(**kwargs).send()
