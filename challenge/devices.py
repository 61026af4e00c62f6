"""What the site may know about the device and network a request comes from, and no
more: a coarse kind of device (never the User-Agent itself) and a keyed hash of the
network (never the address). Plain functions of plain values, no models.

Used to tell a guardian's answer apart from the participant's own (see
services/devices.py and services/guardian.py).
"""

import hashlib
import hmac
import ipaddress

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Networks, not addresses: a home router's IPv4 address is shared by the whole family
# and changes with the provider; an IPv6 prefix is the household's /64. Comparing
# networks catches "the same home", which is all a moderator's flag needs.
IPV4_PREFIX = 24
IPV6_PREFIX = 64


class DeviceKind(models.TextChoices):
    PHONE = "phone", _("phone")
    TABLET = "tablet", _("tablet")
    COMPUTER = "computer", _("computer")
    UNKNOWN = "unknown", _("unknown device")


# Order matters: iPads and Android tablets also say "Mobile" or "Safari" somewhere.
_TABLET_MARKS = ("ipad", "tablet", "kindle", "silk/", "playbook")
_PHONE_MARKS = ("iphone", "ipod", "mobile", "windows phone", "blackberry", "opera mini")
_COMPUTER_MARKS = ("windows nt", "macintosh", "x11", "cros", "linux x86_64")


def device_kind(user_agent: str) -> str:
    """Phone, tablet or computer, from the User-Agent; "unknown" for anything else
    (a bot, an empty header). Android without "Mobile" is a tablet, by Google's own
    convention for Chrome on Android."""
    agent = (user_agent or "").casefold()
    if not agent:
        return DeviceKind.UNKNOWN
    if any(mark in agent for mark in _TABLET_MARKS):
        return DeviceKind.TABLET
    if "android" in agent and "mobile" not in agent:
        return DeviceKind.TABLET
    if any(mark in agent for mark in _PHONE_MARKS) or "android" in agent:
        return DeviceKind.PHONE
    if any(mark in agent for mark in _COMPUTER_MARKS):
        return DeviceKind.COMPUTER
    return DeviceKind.UNKNOWN


def network_of(address: str) -> str:
    """The /24 (IPv4) or /64 (IPv6) an address belongs to, as text; "" for anything
    that is not an address. An IPv4 address mapped into IPv6 counts as IPv4."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = IPV4_PREFIX if ip.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def network_hash(address: str) -> str:
    """A keyed hash (HMAC-SHA256 with the secret key) of the address's network: equal
    for two addresses of one network, useless to anyone without the key. "" when
    the address is unknown."""
    network = network_of(address)
    if not network:
        return ""
    return hmac.new(
        settings.SECRET_KEY.encode(), f"network:{network}".encode(), hashlib.sha256
    ).hexdigest()
