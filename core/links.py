"""Signed links bound to the state they were issued for.

Django's PasswordResetTokenGenerator hashes the account's password and last login
into the token, so a new password kills every older reset link without a table of
revoked tokens. The same here, for any row: the token carries the row's key and an
HMAC of the state the link was issued for (a consent's decision and request time, a
notes request's setting and address...). On a click, the owner of the link computes
the row's state as it is now: a different fingerprint means the state changed since
the mail went, and the link no longer works. The state is hashed, never written into
the link, so an address in it does not leak through the URL.

The caller decides what the state is (a tuple of plain values), and writes it down
next to the token: what is not in it does not kill the link.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

# Between the values of a state: a character no value of ours contains, so that
# ("a.b", "c") and ("a", "b.c") never hash alike.
_SEPARATOR = "\x1f"


def _fingerprint(salt: str, state: tuple) -> str:
    value = _SEPARATOR.join("" if part is None else str(part) for part in state)
    return salted_hmac(f"{salt}.state", value, algorithm="sha256").hexdigest()[:32]


@dataclass(frozen=True)
class BoundToken:
    """A link's token whose signature checked out: the row it names, and the
    fingerprint of the state it was issued for."""

    salt: str
    pk: str
    fingerprint: str

    def issued_for(self, state: tuple) -> bool:
        """Is `state` (the row as it is now) the state the link was issued for?"""
        return constant_time_compare(self.fingerprint, _fingerprint(self.salt, state))


def bound_token(*, salt: str, pk, state: tuple) -> str:
    """A token for row `pk` that works while the row's state is `state`."""
    signer = signing.TimestampSigner(salt=salt)
    return signer.sign(f"{pk}.{_fingerprint(salt, state)}")


def bound_token_read(
    token: str, *, salt: str, max_age: timedelta | None = None
) -> BoundToken:
    """Check the signature (and the age, when `max_age` is given).

    Raises signing.SignatureExpired for an old link and signing.BadSignature for
    anything else that was not made by bound_token with this salt. The state is
    checked by the caller, once it has loaded the row (BoundToken.issued_for).
    """
    value = signing.TimestampSigner(salt=salt).unsign(token, max_age=max_age)
    pk, separator, fingerprint = value.partition(".")
    if not separator or not pk.isdigit() or not fingerprint:
        raise signing.BadSignature("not a bound token")
    return BoundToken(salt=salt, pk=pk, fingerprint=fingerprint)
