from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.urls import reverse

from core.accounts import (
    DatabaseAwayLoginAdapterMixin,
    SiteUrlMailAdapterMixin,
    VerificationMailAdapterMixin,
)

from .errors import UnclearMailbox
from .mailboxes import is_clear_mailbox
from .models import Participant
from .selectors.participants import participant_for
from .views.devices import device_remember


def _has_profile(user) -> bool:
    return Participant.objects.filter(user=user).exists()


class AccountAdapter(
    DatabaseAwayLoginAdapterMixin,
    SiteUrlMailAdapterMixin,
    VerificationMailAdapterMixin,
    DefaultAccountAdapter,
):
    """After signing up and confirming the email (or logging in without a profile
    yet), the next step is "complete your profile". A `?next=` still wins: allauth
    only asks the adapter when there is none. The "check your e-mail" page says
    whether the mail really went (core.accounts)."""

    def get_login_redirect_url(self, request):
        if request.user.is_authenticated and not _has_profile(request.user):
            return reverse("challenge:profile")
        return super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request):
        # Asked at signup, before the account is logged in (after email
        # verification): a new account has no profile yet.
        return reverse("challenge:profile")

    def get_email_verification_redirect_url(self, email_address):
        if not _has_profile(email_address.user):
            return reverse("challenge:profile")
        return super().get_email_verification_redirect_url(email_address)

    def post_login(self, request, user, **kwargs):
        """Remember this browser as the participant's (views/devices.py): after
        logging out it still cannot answer for their guardian."""
        response = super().post_login(request, user, **kwargs)
        device_remember(request, response, participant_for(user))
        return response

    def clean_email(self, email):
        """Sign-up, a new address and password reset take only addresses that read
        as one mailbox: the age gate and the guardian checks compare mailboxes."""
        email = super().clean_email(email)
        if not is_clear_mailbox(email):
            raise forms.ValidationError(UnclearMailbox.message)
        return email
