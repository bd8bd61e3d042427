"""Channel API keys: `Authorization: Api-Key <key>` authenticates as that channel.

A key may act only for its own channel, and only on the endpoints that say so: a view lists the
actions a key may use in `channel_key_actions`; anywhere else a key gets 403 (so a channel can
never adjust stock or read another channel's orders). User tokens and sessions act for all.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from channels.models import SalesChannel
from channels.selectors import channel_key_resolve

KEYWORD = b"api-key"


class ChannelPrincipal:
    """request.user for a channel key: authenticated, no person, no staff rights."""

    is_authenticated = True
    is_channel_key = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = id = None

    def __init__(self, key):
        self.key = key
        self.channel: SalesChannel = key.channel

    def get_username(self) -> str:
        return f"channel:{self.channel.code}"

    def __str__(self) -> str:
        return self.get_username()


def channel_of(request) -> SalesChannel | None:
    """The channel a request acts for, or None when a person (token or session) acts for all."""
    user = getattr(request, "user", None)
    return user.channel if isinstance(user, ChannelPrincipal) else None


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Give one channel key: 'Api-Key <key>'.")
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("That channel key is not valid.") from None
        key = channel_key_resolve(raw)
        if key is None:
            raise exceptions.AuthenticationFailed("Unknown or revoked channel key.")
        if not key.channel.active:
            raise exceptions.AuthenticationFailed(f"Channel {key.channel.code} is not active.")
        # What a key may call is each view's `channel_key_actions` (ims.kits.access).
        return ChannelPrincipal(key), key

    def authenticate_header(self, request):
        return "Api-Key"


class ApiKeySchema(OpenApiAuthenticationExtension):
    """Documents channel keys in the OpenAPI schema (security scheme `channelKey`)."""

    target_class = ApiKeyAuthentication
    name = "channelKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A sales channel's key: `Api-Key <key>`. Acts only for its own "
            "channel's orders, listings and availability.",
        }
