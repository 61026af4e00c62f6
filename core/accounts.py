"""What the site adds to django-allauth's account pages (core imports no app).

- The login form says when signing in is paused after failed attempts, so the page
  can offer the way back in: a password reset by e-mail, which clears the account's
  failed-login count (allauth) and signs the owner in (ACCOUNT_LOGIN_ON_PASSWORD_RESET).
- The "check your e-mail" page says whether a mail really went: allauth silently
  skips the confirmation mail when its "confirm_email" limit is reached, yet shows
  the same page. The adapter records what happened (VerificationMailAdapterMixin)
  and the page offers "send it again" (verification_resend).
- Every link in allauth's mails starts with SITE_URL (SiteUrlMailAdapterMixin), never
  with the Host header of the request that asked for the mail.
"""

from urllib.parse import urlsplit, urlunsplit

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.internal.flows.email_verification import (
    send_verification_email_at_login,
)
from allauth.account.stages import EmailVerificationStage, LoginStageController
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .ratelimit import limit_or_429

LOCKED_OUT = "too_many_login_attempts"
# allauth adds this message only once the confirmation mail has really been sent.
MAIL_SENT_MESSAGE = "account/messages/email_confirmation_sent.txt"
# "sent" or "limited": what the last attempt to send the confirmation mail did.
VERIFICATION_MAIL = "account_verification_mail"


class LoginForm(AllauthLoginForm):
    @property
    def locked_out(self) -> bool:
        return self.is_bound and self.has_error(NON_FIELD_ERRORS, LOCKED_OUT)


class VerificationMailAdapterMixin:
    """For the account adapter: remember whether the confirmation mail went."""

    def add_message(self, request, level, message_template=None, *args, **kwargs):
        if message_template == MAIL_SENT_MESSAGE:
            request.verification_mail_sent = True
        return super().add_message(request, level, message_template, *args, **kwargs)

    def respond_email_verification_sent(self, request, user):
        sent = getattr(request, "verification_mail_sent", False)
        request.session[VERIFICATION_MAIL] = "sent" if sent else "limited"
        return super().respond_email_verification_sent(request, user)


class DatabaseAwayLoginAdapterMixin:
    """For the account adapter: a log-in the database could not judge (it was away:
    the visitor gets the 503 page) is not counted as a failed attempt. allauth counts
    the attempt before it asks the database; left counted, people who kept trying
    during an outage found signing in paused (10 a minute per address, 5 in 5
    minutes per account) during it and after it. Found by bench/chaos.py."""

    def authenticate(self, request, **credentials):
        from django.db import InterfaceError, OperationalError

        try:
            return super().authenticate(request, **credentials)
        except (OperationalError, InterfaceError):
            # allauth's own undo for the attempt it counted (the one it uses after
            # a successful log-in).
            self._rollback_login_failed_rl_usage()
            raise


class SiteUrlMailAdapterMixin:
    """For the account adapter: absolute links in allauth's mails (password reset,
    e-mail confirmation, "you already have an account") start with SITE_URL.

    allauth builds them from the request, and Django checks the Host header's name
    against ALLOWED_HOSTS but not its port: a request sent with `Host: site:6666`
    would mail a reset link to that port, and with log-in on reset a link that opens
    elsewhere gives the account away. Links of the asking host are rebased here,
    whichever allauth flow built them.
    """

    def send_mail(self, template_prefix, email, context):
        request = context.get("request") or getattr(self, "request", None)
        if request is not None:
            host = request.get_host()
            context = {key: _on_site(value, host) for key, value in context.items()}
        return super().send_mail(template_prefix, email, context)


def _on_site(value, host: str):
    if not isinstance(value, str) or "://" not in value:
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or parts.netloc != host:
        return value
    site = urlsplit(settings.SITE_URL)
    return urlunsplit(
        (site.scheme, site.netloc, parts.path, parts.query, parts.fragment)
    )


def person_label(user) -> str:
    """Who acted, as staff pages, the audit log and its CSV say it: a staff member's
    name as set in the admin (else "Staff member N"), "participant" for anyone else,
    "system" for the site itself. Never a username: allauth makes it from the local
    part of the e-mail address."""
    if user is None:
        return gettext("system")
    if user.is_staff:
        return user.get_full_name() or gettext("Staff member %(id)s") % {"id": user.pk}
    return gettext("participant")


@require_POST
def verification_resend(request):
    """The "send the e-mail again" button of the confirmation page.

    Works for the sign-up or sign-in waiting in this session for its address to be
    confirmed (allauth's pending login). Limited twice: per IP address here
    ("resend_confirmation", a 429 page), and per address by allauth's own
    "confirm_email" limit, which the page then states instead of claiming a mail.
    """
    limited = limit_or_429(request, action="resend_confirmation")
    if limited is not None:
        return limited
    stage = LoginStageController.enter(request, EmailVerificationStage.key)
    if stage is None or stage.login is None:
        messages.info(
            request,
            _(
                "This page has expired. Log in again and we will send you a new "
                "confirmation email."
            ),
        )
        return redirect("account_login")
    sent = send_verification_email_at_login(request, stage.login)
    request.session[VERIFICATION_MAIL] = "sent" if sent else "limited"
    return redirect("account_email_verification_sent")
