"""Forms of the import page: a file to check (and the status to import it as), the
confirmation of a checked file, and the Excel template to download.

Between the check and the confirmation the file stays on the server: the upload is kept in
the default storage under the uploader's id and a random token, beside what the check found
(each commune-year's assessment version: the confirmation imports only if none has moved),
and the confirmation names only the token. Another user's token, or one older than an hour,
finds nothing. What the file holds and who may import it is the import service's to judge,
not these forms'."""

import json
import re
import secrets
from datetime import timedelta

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import tables
from criteria.services.imports import APPROVED, DRAFT, CommuneChange, import_access

PENDING = "imports/pending"
SEEN = ".seen.json"  # beside a kept file: what its check found
KEPT_FOR = timedelta(hours=1)
EXTENSIONS = (".csv", ".xlsx")
TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def may_import_approved(user) -> bool:
    """Whether the page offers "approved": the import service's rule, asked."""
    try:
        import_access(user, APPROVED)
    except PermissionDenied:
        return False
    return True


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File (.csv or .xlsx)"),
        error_messages={
            "required": _("Choose a file to import."),
            "empty": _("The file is empty."),
        },
    )
    status = forms.ChoiceField(label=_("Import as"), initial=DRAFT)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(DRAFT, _("Draft (to be submitted for approval)"))]
        if may_import_approved(user):
            choices.append((APPROVED, _("Approved (submitted and approved at once)")))
        self.fields["status"].choices = choices

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(EXTENSIONS):
            raise forms.ValidationError(
                _("Upload the long CSV (.csv) or the Excel template (.xlsx).")
            )
        if upload.size > tables.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload

    def keep(self, user, communes: list[CommuneChange]) -> str:
        """Store the upload for ``user`` until confirmed, with the versions its check found
        (``communes``, the report's); returns its token."""
        forget_expired()
        upload = self.cleaned_data["file"]
        token = secrets.token_urlsafe(24)
        extension = upload.name.lower().rsplit(".", 1)[-1]
        name = f"{_folder(user)}/{token}.{self.cleaned_data['status']}.{extension}"
        upload.seek(0)
        default_storage.save(name, ContentFile(upload.read()))
        seen = [[c.commune_code, c.year, c.version] for c in communes]
        default_storage.save(name + SEEN, ContentFile(json.dumps(seen).encode()))
        return token


class ConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_token(self) -> str:
        """The stored file's name in the default storage, if the token is this user's and
        recent."""
        token = self.cleaned_data["token"]
        name = _find(self.user, token) if TOKEN.fullmatch(token) else None
        if name is None or _expired(name):
            raise forms.ValidationError(
                _("This checked file is no longer kept (or is not yours): upload it again.")
            )
        return name

    @property
    def status(self) -> str:
        return self.cleaned_data["token"].rsplit(".", 2)[-2]


def _folder(user) -> str:
    return f"{PENDING}/{user.pk}"


def _find(user, token: str) -> str | None:
    try:
        _dirs, names = default_storage.listdir(_folder(user))
    except FileNotFoundError:
        return None
    found = [name for name in names if name.startswith(token + ".") and not name.endswith(SEEN)]
    return f"{_folder(user)}/{found[0]}" if found else None


def seen_versions(name: str) -> dict[tuple[str, int], int | None] | None:
    """What the check of the kept file ``name`` found: each commune-year's assessment
    version (import_values' ``seen``); None when that is not kept, or not readable (written
    halfway, altered): the file must then be checked again."""
    try:
        with default_storage.open(name + SEEN, "rb") as file:
            return {(str(code), int(year)): version for code, year, version in json.load(file)}
    except (OSError, ValueError, TypeError):
        return None


def _expired(name: str) -> bool:
    try:
        return timezone.now() - default_storage.get_modified_time(name) > KEPT_FOR
    except FileNotFoundError:  # deleted meanwhile (confirmed, or swept by another request)
        return True


def forget(name: str) -> None:
    default_storage.delete(name)
    default_storage.delete(name + SEEN)


def forget_expired() -> None:
    """Delete every upload left unconfirmed for more than an hour (any user's)."""
    try:
        folders, _names = default_storage.listdir(PENDING)
    except FileNotFoundError:
        return
    for folder in folders:
        _dirs, names = default_storage.listdir(f"{PENDING}/{folder}")
        for name in names:
            path = f"{PENDING}/{folder}/{name}"
            if _expired(path):
                forget(path)  # the storage's delete ignores a file already gone


class TemplateForm(forms.Form):
    """The Excel template of a province's year (the province: national users only; others
    get their own)."""

    province = forms.ChoiceField(label=_("Province"))
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)

    def __init__(self, *args, provinces: list[tuple[str, str]] | None, years, **kwargs):
        super().__init__(*args, **kwargs)
        if provinces is None:
            del self.fields["province"]
        else:
            self.fields["province"].choices = provinces
        self.fields["year"].choices = [(year, year) for year in years]
