"""allauth's own strings that a client reads on the sign-in and account
pages, listed so that our catalogue can say them in the app's voice.

allauth's Spanish speaks formally (usted: "¿Ha olvidado su contraseña?")
while every page around it speaks to the client as tú. Django reads the
project's catalogue (LOCALE_PATHS) before an app's, so an entry here,
same msgid, wins; makemessages keeps an entry only while it finds the
string in our code, hence this list. If allauth changes a sentence, its
own translation shows again: nothing breaks."""

from django.utils.translation import gettext_noop

ALLAUTH_STRINGS = (
    # Signing in, and its messages.
    gettext_noop("The email address and/or password you specified are not correct."),
    gettext_noop("Too many failed login attempts. Try again later."),
    gettext_noop("Successfully signed in as %(name)s."),
    gettext_noop("Are you sure you want to sign out?"),
    gettext_noop("You have signed out."),
    # Forgotten password.
    gettext_noop(
        "Forgotten your password? Enter your email address below, and we'll send you an "
        "email allowing you to reset it."
    ),
    gettext_noop("Please contact us if you have any trouble resetting your password."),
    gettext_noop(
        "We have sent you an email. If you have not received it please check your spam "
        "folder. Otherwise contact us if you do not receive it in a few minutes."
    ),
    gettext_noop(
        "The password reset link was invalid, possibly because it has already been used.  "
        'Please request a <a href="%(passwd_reset_url)s">new password reset</a>.'
    ),
    gettext_noop("Your password is now changed."),
    # Account: password, email addresses, confirming it is them.
    gettext_noop("Please type your current password."),
    gettext_noop("Password successfully changed."),
    gettext_noop("Password successfully set."),
    gettext_noop("Please reauthenticate to safeguard your account."),
    gettext_noop("Enter your password:"),
    gettext_noop("Use your password"),
    gettext_noop("The following email addresses are associated with your account:"),
    gettext_noop("Do you really want to remove the selected email address?"),
    gettext_noop("You cannot remove your primary email address (%(email)s)."),
    gettext_noop("Confirmation email sent to %(email)s."),
    gettext_noop("You have confirmed %(email)s."),
    gettext_noop("Removed email address %(email)s."),
    gettext_noop("Primary email address set."),
)
