"""The kinds of background job, registered by the domain apps that own the work (from their
AppConfig.ready()), so that jobs depends on none of them.

A kind is a callable ``run(params, progress) -> result``: ``params`` is the dict returned by
the kind's ``check`` (which raises ValidationError on bad parameters, before anything is
written); ``progress(done, total, message="")`` records how far it has got; the result must be
JSON-serialisable.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

Progress = Callable[..., None]


@dataclass(frozen=True)
class JobKind:
    name: str
    run: Callable[[dict, Progress], object]
    check: Callable[[dict], dict]


_kinds: dict[str, JobKind] = {}


def register(name: str, *, run: Callable, check: Callable[[dict], dict] = dict) -> None:
    _kinds[name] = JobKind(name, run, check)


def get(name: str) -> JobKind:
    try:
        return _kinds[name]
    except KeyError:
        known = ", ".join(sorted(_kinds)) or "-"
        raise ValidationError(
            _("Unknown job kind %(kind)s (known: %(known)s).") % {"kind": name, "known": known}
        ) from None


def names() -> list[str]:
    return sorted(_kinds)
