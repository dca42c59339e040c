"""Checks on uploaded files that more than one part of the portal reads.

Office documents and workbooks (docx, xlsx, odt, ods) are ZIP packages: a few megabytes can
unpack to gigabytes (a "zip bomb") and exhaust the memory of whatever reads them. The sizes a
package declares in its directory are the most any reader here can get out of it (Python's
zipfile, which openpyxl also uses, stops a member at its declared size and fails its checksum
if the data says otherwise), so checking the declared sizes is enough, and nothing needs
unpacking to check them.
"""

import zipfile

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# At most this much in all once unpacked. The largest upload (10 MB of evidence, 5 MB for an
# import) holds a few tens of megabytes of XML at most (XML packs 5 to 20 times), and an
# import's 20,000 rows are a few megabytes of sheet: 100 MiB leaves room for any real
# document and keeps a bomb far from exhausting a worker's memory.
ZIP_MAX_UNPACKED_BYTES = 100 * 1024 * 1024
# At most this many times larger unpacked than packed. Office XML packs 5 to 20 times, a
# package's pictures hardly at all; a bomb packs hundreds or a thousand times.
ZIP_MAX_RATIO = 100

# What a damaged or hostile ZIP can raise while its directory is read.
BAD_ZIP = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, RuntimeError)


def check_zip_package(file, *, name: str, max_total_bytes: int, max_ratio: int) -> None:
    """Refuse, with a ValidationError naming the file ``name``, a ZIP package whose members
    declare more than ``max_total_bytes`` in all once unpacked, or that unpacks to more than
    ``max_ratio`` times its packed size. Only the package's directory is read. A file that is
    not a readable ZIP raises one of BAD_ZIP: the caller knows what the file should have been
    and says so. The file is read from its start and left at its start."""
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as package:
            members = package.infolist()
    finally:
        file.seek(0)
    unpacked = sum(member.file_size for member in members)
    if unpacked > max_total_bytes:
        raise ValidationError(
            _(
                "“%(name)s” would unpack to %(size)s, more than the %(limit)s a document may "
                "hold: it is refused as a possible zip bomb."
            )
            % {
                "name": name,
                "size": filesizeformat(unpacked),
                "limit": filesizeformat(max_total_bytes),
            },
            code="zip_too_large",
        )
    packed = sum(member.compress_size for member in members)
    if unpacked > max_ratio * max(packed, 1):
        raise ValidationError(
            _(
                "“%(name)s” unpacks to %(ratio)s times its packed size, more than the "
                "%(limit)s times of a real document: it is refused as a possible zip bomb."
            )
            % {"name": name, "ratio": unpacked // max(packed, 1), "limit": max_ratio},
            code="zip_ratio",
        )
