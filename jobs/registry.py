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


def _nothing(params: dict) -> None:
    return None


@dataclass(frozen=True)
class JobKind:
    name: str
    run: Callable[[dict, Progress], object]
    check: Callable[[dict], dict]
    # What a job that never ran to its end leaves behind, cleared (its kept upload...): called
    # when it could not be queued, or was failed as stuck.
    abandon: Callable[[dict], None] = _nothing


_kinds: dict[str, JobKind] = {}


def register(
    name: str,
    *,
    run: Callable,
    check: Callable[[dict], dict] = dict,
    abandon: Callable[[dict], None] = _nothing,
) -> None:
    _kinds[name] = JobKind(name, run, check, abandon)


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
