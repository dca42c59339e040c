"""Small but genuine evidence files for tests: the images are drawn by Pillow and the PDF is
written by pypdf (the portal reads each file as its format), and the office documents are real
ZIP packages with the parts their readers look for."""

import io
import struct
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter


def pdf(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)  # A4, in points
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def image(kind: str, size: tuple[int, int] = (16, 16)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (0, 128, 64)).save(buffer, kind)
    return buffer.getvalue()


PDF = pdf()
PNG = image("PNG")
JPEG = image("JPEG")
PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 40  # a Windows executable's start


def package(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def with_zeros(content: bytes, member: str, size: int) -> bytes:
    """The package with one more member of ``size`` zero bytes, deflated as a zip bomb's are
    (a thousand times smaller), written a mebibyte at a time."""
    buffer = io.BytesIO(content)
    with (
        zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open(member, "w") as stream,
    ):
        chunk = bytes(1024 * 1024)
        for start in range(0, size, len(chunk)):
            stream.write(chunk[: size - start])
    return buffer.getvalue()


def declaring(content: bytes, member: str, size: int) -> bytes:
    """The package with the directory entry of ``member`` declaring ``size`` bytes unpacked,
    its data unchanged: a header that lies (what a crafted bomb does)."""
    data = bytearray(content)
    entry = data.find(b"PK\x01\x02")  # a central directory entry
    while entry != -1:
        (length,) = struct.unpack_from("<H", data, entry + 28)
        if data[entry + 46 : entry + 46 + length] == member.encode():
            struct.pack_into("<I", data, entry + 24, size)  # its uncompressed size
            return bytes(data)
        entry = data.find(b"PK\x01\x02", entry + 4)
    raise ValueError(f"no member {member}")


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
