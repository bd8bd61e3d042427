"""POST /api/v1/auth/token/: username and password in, {"token"} out.

django-axes watches these sign-ins as it watches the screen's: the serializer authenticates with
the Django request (axes reads the client address from it and flags a lockout on it), a locked
out username and address get 429 `throttled` with Retry-After, and a success resets their count.
"""

from axes.handlers.proxy import AxesProxyHandler
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response

from ims.kits.schema import IMSAutoSchema
from ims.throttling.lockout import lockout_message, lockout_seconds
from ims.throttling.throttles import SignInThrottle


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class TokenView(ObtainAuthToken):
    schema = IMSAutoSchema()
    # Asking for a token needs no credentials beyond the body; a stale token header must not
    # turn a correct password into a 401.
    authentication_classes = []
    throttle_classes = [SignInThrottle]

    def get_serializer_context(self):
        # The Django request, not DRF's wrapper: axes sets its lockout flag on what it is given,
        # and its middleware reads the flag from the Django request.
        return {**super().get_serializer_context(), "request": self.request._request}

    @extend_schema(
        summary="Exchange a username and password for an API token",
        auth=[],
        responses={200: TokenSerializer},
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            if getattr(request._request, "axes_locked_out", False):
                seconds = lockout_seconds(request._request)
                raise exceptions.Throttled(wait=seconds, detail=lockout_message(seconds))
            raise exceptions.ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        # A token is a sign-in: axes records it and forgets this pair's failures.
        AxesProxyHandler.user_logged_in(sender=type(self), request=request._request, user=user)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
