from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

from core.accounts import VerificationMailAdapterMixin

from .models import Participant


def _has_profile(user) -> bool:
    return Participant.objects.filter(user=user).exists()


class AccountAdapter(VerificationMailAdapterMixin, DefaultAccountAdapter):
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
