"""Errors the services of every app share."""

from django.core.exceptions import ValidationError


class AlreadyExistsError(ValidationError):
    """What is to be created exists already (found before inserting, or by the database's
    unique constraint when two requests race). A ValidationError of ``field`` for forms; the
    API answers 409 "exists" with the existing one's id (core.api)."""

    def __init__(self, message: str, existing_id: int | None, *, field: str):
        super().__init__({field: [message]})
        self.existing_id = existing_id
