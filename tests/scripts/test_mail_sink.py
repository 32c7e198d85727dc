"""`make run`'s mail sink prints an email so that its link can be followed."""

from email.message import EmailMessage

from scripts.mail_sink import readable

LINK = "http://127.0.0.1:8822/invite/" + "x" * 70 + "=/"


def test_it_prints_the_link_whole_on_a_line_of_its_own():
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@x.test", "b@x.test", "Invitation"
    message.set_content(f"Open this link:\n{LINK}\n", cte="quoted-printable")
    raw = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    assert b"=3D" in raw  # what aiosmtpd's own handler would have printed

    printed = readable(raw, ["b@x.test"])

    assert LINK in printed.splitlines()
    assert "\r" not in printed and "=3D" not in printed
    assert "Subject: Invitation" in printed
