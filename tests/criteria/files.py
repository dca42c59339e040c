"""Small but genuine evidence files for tests: each starts as its format starts, and the office
documents are real ZIP packages with the parts their readers look for."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 17
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 16 + b"\xff\xd9"
PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 40  # a Windows executable's start


def package(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def ooxml(folder: str) -> bytes:
    return package({"[Content_Types].xml": b"<Types/>", f"{folder}main.xml": b"<x/>"})


def odf(kind: str) -> bytes:
    # ODF: the first member, "mimetype", names the document's type.
    return package({"mimetype": f"application/vnd.oasis.opendocument.{kind}".encode()})


SAMPLES = {
    "quyet-dinh.pdf": (PDF, "application/pdf"),
    "anh-hien-truong.jpg": (JPEG, "image/jpeg"),
    "ANH.JPEG": (JPEG, "image/jpeg"),
    "so-do.png": (PNG, "image/png"),
    "bao-cao.docx": (
        ooxml("word/"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "bang-so-lieu.xlsx": (
        ooxml("xl/"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "bien-ban.odt": (odf("text"), "application/vnd.oasis.opendocument.text"),
    "thong-ke.ods": (odf("spreadsheet"), "application/vnd.oasis.opendocument.spreadsheet"),
}


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    """A file as a browser sends it; the declared content type is whatever the browser says."""
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(root) -> list:
    """Every file under a storage root (the test's temporary MEDIA_ROOT)."""
    return sorted(path for path in root.rglob("*") if path.is_file())
