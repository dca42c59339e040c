"""Dates as people in Vietnam write them, and as decisions do: 10/03/2022 (Django's Vietnamese
short formats write 10-03-2022, which the pages mixed with the decisions' 10/03/2022). The
other formats are Django's."""

SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "H:i d/m/Y"
