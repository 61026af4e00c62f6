"""When two e-mail addresses reach the same mailbox: the one place this is decided.

A child asked for a parent's or guardian's address must not be able to give one of
their own in disguise. `mailbox_key` reduces an address to the mailbox it delivers to:

- case does not matter anywhere (we treat the local part as case-insensitive too:
  every large provider does, and the safe side is to say "same");
- a `+tag` in the local part is delivered to the untagged mailbox;
- Gmail ignores dots in the local part, and googlemail.com is gmail.com.
"""

from collections.abc import Iterable

# Providers that deliver "j.doe" and "jdoe" to the same mailbox, and their aliases.
DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def mailbox_key(address: str) -> str:
    """The mailbox an address reaches, in one canonical spelling."""
    local, _at, domain = address.strip().casefold().rpartition("@")
    if not local:
        return address.strip().casefold()
    domain = domain.rstrip(".")
    local = local.split("+", 1)[0]
    if domain in DOTLESS_DOMAINS:
        domain = DOTLESS_DOMAINS[domain]
        local = local.replace(".", "")
    return f"{local}@{domain}"


def same_mailbox(address: str, others: Iterable[str]) -> bool:
    """True when `address` reaches the mailbox of any of `others`."""
    key = mailbox_key(address)
    return any(mailbox_key(other) == key for other in others if other)
