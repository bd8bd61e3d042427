"""POST /api/v1/auth/token/: username and password in, {"token"} out."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken

from ims.api.schema import IMSAutoSchema


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class TokenView(ObtainAuthToken):
    schema = IMSAutoSchema()
    # Asking for a token needs no credentials beyond the body; a stale token header must not
    # turn a correct password into a 401.
    authentication_classes = []

    @extend_schema(
        summary="Exchange a username and password for an API token",
        auth=[],
        responses={200: TokenSerializer},
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)
