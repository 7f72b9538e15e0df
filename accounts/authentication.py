"""API token authentication that reads the user's unit with the token.

Every API answer needs the caller's unit (the scope is its path), so DRF's token lookup,
which joins the user only, was followed by one more query for the unit on every request.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        # DRF's own lookup and messages, with the unit joined.
        model = self.get_model()
        try:
            token = model.objects.select_related("user__unit").get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
