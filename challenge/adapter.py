from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    """After signing up (or logging in without a profile yet), the next step is
    "complete your profile", unless the person was on their way somewhere else."""

    def get_login_redirect_url(self, request):
        url = super().get_login_redirect_url(request)
        if url != resolve_url(settings.LOGIN_REDIRECT_URL):
            return url
        from .selectors import participant_for

        if participant_for(request.user) is None:
            return reverse("challenge:profile")
        return url
