"""Evidence is proved by reading it as its format, not by its first bytes alone: a PDF's table,
trailer and first page are found, an image is decoded, an office package's directory must not
unpack past core.files' limits. Each hostile file is refused with a message that says what is
wrong with it, and nothing is stored."""

import io
import random
import struct
import warnings
import zlib

import pytest
from django.core.exceptions import ValidationError
from PIL import Image
from pypdf import PdfWriter

from core import files
from criteria.models import Evidence
from criteria.services import attach_evidence, create_assessment
from tests.criteria.files import (
    PDF,
    PNG,
    declaring,
    image,
    odf,
    ooxml,
    package,
    pdf,
    stored_files,
    upload,
    with_zeros,
)
from tests.web.test_assessment_pages import PAGE, as_user, text

pytestmark = pytest.mark.django_db

MiB = 1024 * 1024


@pytest.fixture
def draft(small_set, bach_dang, cast):
    return create_assessment(commune=bach_dang, year=2023, user=cast.officer_74)


def attach(draft, user, name, content):
    return attach_evidence(
        assessment=draft, measure_code="plan", upload=upload(name, content), user=user
    )


def refusal(draft, user, name, content) -> str:
    with pytest.raises(ValidationError) as error:
        attach(draft, user, name, content)
    [message] = error.value.message_dict["file"]
    return message


# --- files built here, in memory --------------------------------------------------------------


def photo(kind="JPEG", size=(320, 240), mode="RGB") -> bytes:
    """A picture of noise: its pixel data is most of the file, as a camera's is."""
    noise = random.Random(13).randbytes(size[0] * size[1] * len(mode))
    buffer = io.BytesIO()
    Image.frombytes(mode, size, noise).save(buffer, kind)
    return buffer.getvalue()


def png_of(width: int, height: int) -> bytes:
    """A genuine black-and-white PNG of width x height pixels, all black: a few kilobytes that
    would decode to width x height pixels (a decompression bomb)."""
    row = bytes(1 + (width + 7) // 8)  # a filter byte, then one bit a pixel
    packer = zlib.compressobj(9)
    pixels = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def locked_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="mat-khau", owner_password="chu-so-huu")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def owner_only_pdf() -> bytes:
    """Encrypted, but opens without a password (printing restricted, as many offices issue)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="", owner_password="chu-so-huu")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def altered(content: bytes, at: int) -> bytes:
    return content[:at] + bytes([content[at] ^ 0xFF]) + content[at + 1 :]


JPEG_PHOTO = photo()
DOCX = ooxml("word/")
XLSX = ooxml("xl/")
ODT = odf("text")
HTML = b"<html><body><script>fetch('/api/v1/').then(r => r.text())</script></body></html>\n"
SIGNATURE_ONLY_PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)


# --- what passes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bien-ban-3-trang.pdf", pdf(3)),
        ("chi-doc.pdf", owner_only_pdf()),
        ("anh-chup.jpg", JPEG_PHOTO),
        ("anh-xam.jpeg", photo(mode="L")),
        ("so-do.png", photo("PNG", (200, 150))),
        ("so-do-trong-suot.png", photo("PNG", (64, 48), "RGBA")),
        ("anh-nho.png", image("PNG", (1, 1))),
        ("bao-cao.docx", DOCX),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_real_files_pass_and_are_stored_as_sent(draft, cast, media, name, content):
    evidence = attach(draft, cast.officer_74, name, content)
    assert (media / evidence.file.name).read_bytes() == content


# --- PDF ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "trang-web.pdf",
            b"%PDF-1.7\n" + HTML,
            "“trang-web.pdf” is not a readable PDF document: its structure or pages cannot "
            "be read.",
        ),
        (
            "chi-dau-tep.pdf",
            SIGNATURE_ONLY_PDF,
            "“chi-dau-tep.pdf” is not a readable PDF document: its structure or pages cannot "
            "be read.",
        ),
        (
            "cat-do.pdf",
            PDF[: len(PDF) // 2],
            "“cat-do.pdf” is not a readable PDF document: its structure or pages cannot be read.",
        ),
        ("trong.pdf", pdf(0), "“trong.pdf” is a PDF document without any page."),
        (
            "khoa.pdf",
            locked_pdf(),
            "“khoa.pdf” is protected by a password: attach a copy that opens without one.",
        ),
    ],
    ids=["html-after-the-signature", "signature-only", "truncated", "no-page", "password"],
)
def test_what_only_starts_like_a_pdf_is_refused(draft, cast, media, name, content, message):
    assert refusal(draft, cast.officer_74, name, content) == message
    assert not Evidence.objects.exists() and stored_files(media) == []


# --- images -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("shell.png", b"\x89PNG\r\n\x1a\n<?php system($_GET['c']); ?>\n"),
        ("shell-after-header.png", PNG[:33] + b"<?php system($_GET['c']); ?>\n"),
        ("altered.png", altered(PNG, len(PNG) - 20)),  # a byte of its pixels: a wrong checksum
        ("cut.png", PNG[:-12]),  # no end chunk
        ("cut.jpg", JPEG_PHOTO[: len(JPEG_PHOTO) * 2 // 3]),
        ("garbage.jpg", b"\xff\xd8\xff\xe0" + random.Random(7).randbytes(4000)),
        ("html.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + HTML),
        ("png-inside.jpg", b"\xff\xd8\xff" + PNG),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_an_image_that_does_not_decode_is_refused(draft, cast, media, name, content):
    kind = "PNG" if name.endswith(".png") else "JPEG"
    assert refusal(draft, cast.officer_74, name, content) == (
        f"“{name}” is not a readable {kind} image: its content is damaged or is not an image."
    )
    assert not Evidence.objects.exists() and stored_files(media) == []


BOMB_MESSAGE = "has too many pixels, more than 89 million: attach a smaller image."


@pytest.mark.parametrize("action", ["error", "ignore"])
@pytest.mark.parametrize(
    ("width", "height"),
    # Past twice Pillow's limit it refuses to open the image; between once and twice it warns,
    # and whether a warning is an error depends on where the code runs. Both are refusals.
    [(20_000, 20_000), (10_000, 10_000)],
    ids=["past-twice-the-limit", "past-the-limit"],
)
def test_an_image_of_too_many_pixels_is_refused_before_it_is_decoded(
    draft, cast, media, width, height, action
):
    content = png_of(width, height)
    assert len(content) < 100_000
    with warnings.catch_warnings():
        warnings.simplefilter(action, Image.DecompressionBombWarning)
        message = refusal(draft, cast.officer_74, "ban-do.png", content)
    assert message == f"“ban-do.png” {BOMB_MESSAGE}"
    assert not Evidence.objects.exists() and stored_files(media) == []


def test_an_image_at_the_pixel_limit_passes(draft, cast, media, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 400 * 300)
    assert attach(draft, cast.officer_74, "vua-du.png", png_of(400, 300))
    with pytest.raises(ValidationError, match="has too many pixels"):
        attach(draft, cast.officer_74, "qua.png", png_of(400, 301))


# --- office packages ----------------------------------------------------------------------------


RATIO_MESSAGE = (
    "times its packed size, more than the 100 times of a real document: it is refused as a "
    "possible zip bomb."
)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bom.docx", with_zeros(DOCX, "word/media/image1.bin", 4 * MiB)),
        ("bom.xlsx", with_zeros(XLSX, "xl/worksheets/sheet2.xml", 4 * MiB)),
        ("bom.odt", with_zeros(ODT, "content.xml", 4 * MiB)),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_a_package_packed_like_a_zip_bomb_is_refused(draft, cast, media, name, content):
    assert len(content) < 20_000  # 4 MiB in a few kilobytes
    message = refusal(draft, cast.officer_74, name, content)
    assert message.startswith(f"“{name}” unpacks to ")
    assert message.endswith(RATIO_MESSAGE)
    assert not Evidence.objects.exists() and stored_files(media) == []


def test_a_member_that_declares_a_gibibyte_is_refused(draft, cast, media):
    document = package({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>" * 100})
    bomb = declaring(document, "word/document.xml", 1024 * MiB)
    assert refusal(draft, cast.officer_74, "bom.docx", bomb) == (
        "“bom.docx” would unpack to 1.0\xa0GB, more than the 100.0\xa0MB a document may hold: "
        "it is refused as a possible zip bomb."
    )
    assert not Evidence.objects.exists() and stored_files(media) == []


def test_the_unpacked_size_limit_is_the_module_constant(draft, cast, media, monkeypatch):
    # Pictures pack hardly at all: 2 MiB of them stay 2 MiB, far below the ratio limit.
    pictures = random.Random(3).randbytes(2 * MiB)
    content = package({"[Content_Types].xml": b"<Types/>", "word/media/image1.jpeg": pictures})
    monkeypatch.setattr(files, "ZIP_MAX_UNPACKED_BYTES", MiB)
    assert refusal(draft, cast.officer_74, "anh.docx", content) == (
        "“anh.docx” would unpack to 2.0\xa0MB, more than the 1.0\xa0MB a document may hold: "
        "it is refused as a possible zip bomb."
    )
    monkeypatch.setattr(files, "ZIP_MAX_UNPACKED_BYTES", 2 * MiB + 8)
    assert attach(draft, cast.officer_74, "anh.docx", content)
    assert len(stored_files(media)) == 1


# --- on the page --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("trang-web.pdf", b"%PDF-1.7\n" + HTML, "is not a readable PDF document"),
        ("shell.png", b"\x89PNG\r\n\x1a\n<?php echo 1; ?>", "is not a readable PNG image"),
        ("bom.docx", with_zeros(DOCX, "word/media/x.bin", 4 * MiB), "possible zip bomb"),
    ],
    ids=["html-pdf", "php-png", "zip-bomb"],
)
def test_the_page_answers_400_beside_the_measure_and_stores_nothing(
    client, cast, draft, media, name, content, reason
):
    as_user(client, cast.officer_74)
    response = client.post(f"{PAGE}evidence/", {"measure": "plan", "file": upload(name, content)})
    assert response.status_code == 400
    assert f"No file was attached. “{name}” " in text(response)
    assert reason in text(response)
    assert not Evidence.objects.exists() and stored_files(media) == []
