"""A user's own account: password change, and reset by e-mail for a forgotten one (Django's
views, with the portal's templates; the new password goes through accounts.services)."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from accounts import security
from accounts.services import set_password

FORM = "registration/account_form.html"
MESSAGE = "registration/account_message.html"


class _SetsPassword:
    """SetPasswordForm.save, through the service: tokens revoked, the change logged."""

    def save(self, commit=True):
        set_password(self.user, self.cleaned_data["new_password1"])
        return self.user


class ChangeForm(_SetsPassword, PasswordChangeForm):
    pass


class ResetForm(_SetsPassword, SetPasswordForm):
    pass


class ResetRequest(auth_views.PasswordResetView):
    template_name = FORM
    extra_context = {"title": _("Forgotten password")}
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        security.record(security.Kind.PASSWORD_RESET, username=form.cleaned_data["email"])
        return super().form_valid(form)


password_change = auth_views.PasswordChangeView.as_view(
    template_name=FORM, form_class=ChangeForm, extra_context={"title": _("Change password")}
)
password_change_done = auth_views.PasswordChangeDoneView.as_view(
    template_name=MESSAGE,
    extra_context={"title": _("Password changed"), "message": _("Your password was changed.")},
)
password_reset = ResetRequest.as_view()
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name=MESSAGE,
    extra_context={
        "title": _("Forgotten password"),
        "message": _(
            "If an account has this e-mail address, a message with a link to choose a new "
            "password is on its way."
        ),
    },
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name=FORM, form_class=ResetForm, extra_context={"title": _("Choose a new password")}
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name=MESSAGE,
    extra_context={
        "title": _("Password changed"),
        "message": _("Your password was changed. You can log in with it now."),
    },
)
