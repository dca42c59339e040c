"""Evidence files: checked by content before anything is stored, attached to one measure."""

import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image
from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError

from core import files
from criteria.models import (
    Assessment,
    Evidence,
    Measure,
)
from criteria.services.closures import refuse_if_closed
from criteria.services.errors import LockedError
from criteria.services.values import locked_current, locked_message


@dataclass(frozen=True)
class FileKind:
    """A type of evidence file the portal accepts, recognised first by its leading bytes, then
    by reading it (_check_readable)."""

    label: str
    content_type: str
    signature: bytes
    ooxml_folder: str = ""  # an OOXML package's main folder (word/, xl/)
    odf: bool = False  # an ODF package names its type in its "mimetype" member


ZIP = b"PK\x03\x04"
JPEG = FileKind("JPEG", "image/jpeg", b"\xff\xd8\xff")
OOXML = "application/vnd.openxmlformats-officedocument."
ODF = "application/vnd.oasis.opendocument."
EVIDENCE_KINDS = {
    ".pdf": FileKind("PDF", "application/pdf", b"%PDF-"),
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".png": FileKind("PNG", "image/png", b"\x89PNG\r\n\x1a\n"),
    ".docx": FileKind("DOCX", f"{OOXML}wordprocessingml.document", ZIP, ooxml_folder="word/"),
    ".xlsx": FileKind("XLSX", f"{OOXML}spreadsheetml.sheet", ZIP, ooxml_folder="xl/"),
    ".odt": FileKind("ODT", f"{ODF}text", ZIP, odf=True),
    ".ods": FileKind("ODS", f"{ODF}spreadsheet", ZIP, odf=True),
}
# The formats Pillow may name a JPEG file: a phone's multi-picture JPEG opens as MPO.
IMAGE_FORMATS = {"JPEG": {"JPEG", "MPO"}, "PNG": {"PNG"}}


def _package_matches(upload, kind: FileKind) -> bool:
    """Whether a ZIP file is the office document its extension claims (any ZIP renamed .docx
    is not a document)."""
    try:
        with zipfile.ZipFile(upload) as package:
            names = set(package.namelist())
            if kind.odf:
                if "mimetype" not in names:
                    return False
                with package.open("mimetype") as member:
                    return member.read(100) == kind.content_type.encode()
            folder = kind.ooxml_folder
            return "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)
    except (*files.BAD_ZIP, NotImplementedError):
        return False


def _content_matches(upload, kind: FileKind) -> bool:
    upload.seek(0)
    head = upload.read(len(kind.signature))
    matches = head == kind.signature and (
        not (kind.ooxml_folder or kind.odf) or _package_matches(upload, kind)
    )
    upload.seek(0)
    return matches


def check_evidence_file(upload) -> tuple[str, FileKind]:
    """The upload's extension and kind, or a ValidationError saying what is wrong with it.
    The content decides, not the name alone: a renamed program is refused, and the file is
    read as its format, so that only a real document, image or package is stored."""
    if upload is None:
        raise ValidationError({"file": _("Choose a file to attach.")})
    name = upload.name or ""
    extension = Path(name).suffix.lower()
    kind = EVIDENCE_KINDS.get(extension)
    if kind is None:
        raise ValidationError({"file": _wrong_type(name)})
    if not upload.size:
        raise ValidationError({"file": _("“%(name)s” is empty.") % {"name": name}})
    limit = settings.NTM_EVIDENCE_MAX_BYTES
    if upload.size > limit:
        raise ValidationError({"file": _too_large(name, upload.size, limit)})
    if not _content_matches(upload, kind):
        message = _("“%(name)s” is not a real %(kind)s file: its content does not match its name.")
        raise ValidationError({"file": message % {"name": name, "kind": kind.label}})
    try:
        _check_readable(upload, name, kind)
    finally:
        upload.seek(0)
    return extension, kind


def _check_readable(upload, name: str, kind: FileKind) -> None:
    """Read the file as its format, far enough to prove it is one: a start that matches hides
    nothing behind it (HTML after "%PDF-", a script after a PNG's first bytes), and a package
    that would unpack past the limits is refused before anything unpacks it."""
    if kind.ooxml_folder or kind.odf:
        try:
            files.check_zip_package(
                upload,
                name=name,
                max_total_bytes=files.ZIP_MAX_UNPACKED_BYTES,
                max_ratio=files.ZIP_MAX_RATIO,
            )
        except ValidationError as error:
            raise ValidationError({"file": error.messages}) from None
    elif kind.label in IMAGE_FORMATS:
        _check_image(upload, name, kind)
    else:
        _check_pdf(upload, name)


def _check_image(upload, name: str, kind: FileKind) -> None:
    """Pillow opens the image and checks it: a PNG's every chunk against its checksum, a JPEG
    by decoding it (at an eighth of its size: the whole of it is read, in a fraction of the
    memory). An image of more pixels than Pillow's decompression-bomb limit is refused before
    it is decoded, whether Pillow warns or refuses."""
    limit = Image.MAX_IMAGE_PIXELS
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            too_many = bool(limit) and image.width * image.height > limit
            if image.format not in IMAGE_FORMATS[kind.label]:
                raise ValueError(f"{image.format} is not {kind.label}")
            if not too_many:
                image.verify()
        if kind.label == "JPEG" and not too_many:
            upload.seek(0)
            with Image.open(upload) as image:
                image.draft(None, (max(image.width // 8, 1), max(image.height // 8, 1)))
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        too_many = True
    except Exception as error:  # Pillow raises many kinds for a damaged image
        message = _(
            "“%(name)s” is not a readable %(kind)s image: its content is damaged or is not "
            "an image."
        )
        raise ValidationError({"file": message % {"name": name, "kind": kind.label}}) from error
    if too_many:
        message = _(
            "“%(name)s” has too many pixels, more than %(limit)s million: attach a smaller image."
        )
        raise ValidationError({"file": message % {"name": name, "limit": limit // 1_000_000}})


def _check_pdf(upload, name: str) -> None:
    """pypdf reads the document's cross-reference table and trailer and finds its first page.
    It reads leniently, as PDF viewers do, so that a scan with a slightly wrong offset table
    passes; what only starts like a PDF has no table, trailer or page to find."""
    pages = 1
    try:
        upload.seek(0)
        reader = PdfReader(upload, strict=False)
        pages = len(reader.pages)
        if pages:
            reader.pages[0]  # finding the page is the check
    except FileNotDecryptedError:
        message = _("“%(name)s” is protected by a password: attach a copy that opens without one.")
        raise ValidationError({"file": message % {"name": name}}) from None
    except DependencyError:
        # Encrypted with a cipher this server cannot decrypt: its table, trailer and encryption
        # dictionary were read, which is as far as a PDF can be proved without its key.
        return
    except Exception as error:  # pypdf raises many kinds for a damaged file
        message = _(
            "“%(name)s” is not a readable PDF document: its structure or pages cannot be read."
        )
        raise ValidationError({"file": message % {"name": name}}) from error
    if not pages:
        message = _("“%(name)s” is a PDF document without any page.")
        raise ValidationError({"file": message % {"name": name}})


def _wrong_type(name: str) -> str:
    return _(
        "“%(name)s” cannot be attached: attach a PDF, a JPEG or PNG image, or an office "
        "document (docx, xlsx, odt, ods)."
    ) % {"name": name}


def _too_large(name: str, size: int, limit: int) -> str:
    return _("“%(name)s” is too large (%(size)s): the limit is %(limit)s.") % {
        "name": name,
        "size": filesizeformat(size),
        "limit": filesizeformat(limit),
    }


def _display_name(name: str, extension: str) -> str:
    """The uploaded name as people see it and download it again: no folders, and no control
    characters (a line break would break the download's header)."""
    name = "".join(char for char in Path(name).name if char.isprintable()).strip()
    return name[-255:] if len(name) > len(extension) else f"evidence{extension}"


def _evidence_measure(assessment: Assessment, code: str) -> Measure:
    measure = assessment.criteria_set.measures.filter(code=code).first()
    if measure is None:
        raise ValidationError(
            {
                "measure": _("Unknown measure “%(code)s” in %(set)s.")
                % {"code": code, "set": assessment.criteria_set.code}
            }
        )
    return measure


def _open_for_changes(assessment: Assessment) -> Assessment:
    """The assessment, row-locked (so that no file slips in while it is being submitted),
    if the province may still change it (open, in a year not closed); else the refusal that
    says why."""
    current = locked_current(assessment, None)
    refuse_if_closed(current.commune_id, current.year)
    if not current.is_editable:
        raise LockedError(locked_message(current))
    return current


@transaction.atomic
def attach_evidence(*, assessment: Assessment, measure_code: str, upload, user=None) -> Evidence:
    """Attach a file to one measure of an assessment the province is working on. Every check
    comes before the file is stored, so a refusal leaves nothing behind."""
    current = _open_for_changes(assessment)
    measure = _evidence_measure(current, measure_code)
    extension, kind = check_evidence_file(upload)
    evidence = Evidence(
        assessment=current,
        measure=measure,
        original_name=_display_name(upload.name, extension),
        content_type=kind.content_type,
        size=upload.size,
        uploaded_by=user,
    )
    evidence.file.save(f"evidence{extension}", upload, save=False)
    evidence._history_user = user
    try:
        evidence.save()
    except Exception:
        # The row was not written: the stored file would belong to nothing.
        evidence.file.delete(save=False)
        raise
    return evidence


@transaction.atomic
def remove_evidence(*, evidence: Evidence, user=None) -> None:
    """Remove a file while the province works on the assessment; the history keeps the row."""
    _open_for_changes(evidence.assessment)
    storage, name = evidence.file.storage, evidence.file.name
    evidence._history_user = user
    evidence.delete()
    # The file goes only once the removal is committed: a rollback keeps the row and its file.
    transaction.on_commit(lambda: storage.delete(name))
