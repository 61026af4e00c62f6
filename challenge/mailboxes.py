"""When two e-mail addresses reach the same mailbox: the one place this is decided.

A child asked for a parent's or guardian's address must not be able to give one of
their own in disguise, and an under-13 turned away must not come back with another
spelling of the same address. `mailbox_key` reduces an address to the mailbox it
delivers to, and every check compares keys:

- the spellings RFC 5322 treats as one address: comments `(…)` and folding white
  space anywhere outside quotes, a quoted local part (`"kid"`, `"k\\id"`, `kid."x"`),
  which says the same as the plain one;
- the domain as DNS sees it (RFC 5890): a Unicode domain and its `xn--` form,
  full-width or otherwise compatible letters (NFKC), characters IDNA maps to nothing
  (a zero-width space), any case, a trailing dot;
- what providers deliver to one mailbox: the local part in any case (every large
  provider ignores it, and the safe side is to say "same"), a `+tag`, and Gmail's
  dots and its googlemail.com alias.

What it cannot make sense of is refused (`UnclearMailbox`, with a message for the
person), never guessed: no `@`, an empty part, a domain literal (`kid@[192.0.2.1]`),
and the old relaying forms that deliver somewhere else than their domain says (a
source route `@relay:kid@…`, `kid%other.example@relay`, `relay!kid`). It does not
know which addresses one person owns at different providers, nor a provider's other
aliases: those are different mailboxes as far as mail can tell.
"""

import unicodedata
from collections.abc import Iterable

from .errors import UnclearMailbox

# Providers that deliver "j.doe" and "jdoe" to the same mailbox, and their aliases.
DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}
# Characters that route mail onwards when they appear unquoted in a local part.
RELAYING = set("%!:@")


def _strip_comments_and_spaces(text: str) -> str:
    """The address without RFC 5322 comments and folding white space, which mean
    nothing; quoted strings are kept whole (a space inside quotes is part of the
    name)."""
    kept, depth, quoted, escaped = [], 0, False, False
    for char in text:
        if escaped:
            escaped = False
            if depth == 0:
                kept.append(char)
            continue
        if char == "\\" and (quoted or depth):
            escaped = True
            if depth == 0:
                kept.append(char)
            continue
        if quoted:
            kept.append(char)
            quoted = char != '"'
        elif char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                raise UnclearMailbox()
            depth -= 1
        elif depth:
            continue
        elif char == '"':
            kept.append(char)
            quoted = True
        elif not char.isspace():
            kept.append(char)
    if depth or quoted or escaped:
        raise UnclearMailbox()
    return "".join(kept)


def _split(address: str) -> tuple[list[tuple[str, bool]], str]:
    """([(local word, was quoted)…], domain): the local part's words (atoms and
    quoted strings, unescaped, dots between them dropped) and the text after the
    first unquoted `@` (a second one there is refused with the domain)."""
    words: list[tuple[str, bool]] = []
    current, quoted, escaped, was_quoted = [], False, False, False
    for index, char in enumerate(address):
        if escaped:
            current.append(char)
            escaped = False
        elif quoted:
            if char == "\\":
                escaped = True
            elif char == '"':
                quoted = False
            else:
                current.append(char)
        elif char == '"':
            quoted, was_quoted = True, True
        elif char == ".":
            words.append(("".join(current), was_quoted))
            current, was_quoted = [], False
        elif char == "@":
            words.append(("".join(current), was_quoted))
            return words, address[index + 1 :]
        else:
            current.append(char)
    raise UnclearMailbox()


def _domain_key(domain: str) -> str:
    domain = domain.removesuffix(".")
    if not domain or domain.startswith("[") or '"' in domain or "@" in domain:
        raise UnclearMailbox()
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise UnclearMailbox() from None
    ascii_domain = ascii_domain.casefold().removesuffix(".")
    if not ascii_domain or ".." in ascii_domain:
        raise UnclearMailbox()
    return ascii_domain


def mailbox_key(address: str) -> str:
    """The mailbox an address reaches, in one canonical spelling; UnclearMailbox
    when the address cannot be read as one mailbox."""
    text = unicodedata.normalize("NFKC", address or "")
    if any(unicodedata.category(char) == "Cc" for char in text.strip()):
        raise UnclearMailbox()
    words, domain = _split(_strip_comments_and_spaces(text))
    if not words or any(not word for word, _quoted in words[1:]) or not words[0][0]:
        raise UnclearMailbox()
    if any(set(word) & RELAYING for word, _quoted in words):
        raise UnclearMailbox()
    if any(unicodedata.category(char) == "Cf" for word, _q in words for char in word):
        raise UnclearMailbox()  # invisible letters: no provider reads them alike
    domain = _domain_key(domain)
    local = ".".join(word for word, _quoted in words).casefold()
    local = local.split("+", 1)[0]
    if domain in DOTLESS_DOMAINS:
        domain = DOTLESS_DOMAINS[domain]
        local = local.replace(".", "")
    if not local:
        raise UnclearMailbox()
    return f"{local}@{domain}"


def is_clear_mailbox(address: str) -> bool:
    try:
        mailbox_key(address)
    except UnclearMailbox:
        return False
    return True


def same_mailbox(address: str, others: Iterable[str]) -> bool:
    """True when `address` reaches the mailbox of any of `others`; UnclearMailbox
    when `address` cannot be read. An unreadable one among `others` (an account
    address from before these rules) is compared by its plain casefolded text."""
    key = mailbox_key(address)
    return any(_key_or_text(other) == key for other in others if other)


def _key_or_text(address: str) -> str:
    try:
        return mailbox_key(address)
    except UnclearMailbox:
        return address.strip().casefold()
