"""The admin login form says when an account is locked (instead of "wrong password")."""
from django.core.exceptions import ValidationError
from wagtail.admin.forms.auth import LoginForm

from ..services.auth import locked_message, login_locked


class LockoutAwareLoginForm(LoginForm):
    def clean(self):
        username = self.cleaned_data.get("username")
        if username and login_locked(username):
            raise ValidationError(locked_message(), code="account_locked")
        try:
            return super().clean()
        except ValidationError:
            if username and login_locked(username):  # this attempt reached the limit
                raise ValidationError(locked_message(), code="account_locked") from None
            raise
