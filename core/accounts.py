"""What the site adds to django-allauth's account pages (core imports no app).

- The login form says when the account or the address is locked out after failed
  attempts, so the page can offer the way back in: a password reset by e-mail, which
  clears the account's failed-login count (allauth) and signs the owner in
  (ACCOUNT_LOGIN_ON_PASSWORD_RESET).
"""

from allauth.account.forms import LoginForm as AllauthLoginForm
from django.core.exceptions import NON_FIELD_ERRORS

LOCKED_OUT = "too_many_login_attempts"


class LoginForm(AllauthLoginForm):
    @property
    def locked_out(self) -> bool:
        return self.is_bound and self.has_error(NON_FIELD_ERRORS, LOCKED_OUT)
