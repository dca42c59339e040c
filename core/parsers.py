"""The API's JSON parser: DRF's, with bounds. A body nested deeper than MAX_DEPTH (json's own
recursion would otherwise end in a 500) and strings no database can store (core.text) are a
400 naming where they are; the body's size is bounded by DATA_UPLOAD_MAX_MEMORY_SIZE."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as BaseJSONParser

from core.text import text_problem

MAX_DEPTH = 32


class JSONParser(BaseJSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.") from None
        problem = _first_problem(data)
        if problem:
            raise ParseError(problem)
        return data


def _first_problem(data) -> str:
    """The first nesting or text problem of a parsed body, walked without recursion."""
    pending = [(data, "$", 0)]
    while pending:
        value, path, depth = pending.pop()
        if depth > MAX_DEPTH:
            return f"JSON parse error - nested deeper than {MAX_DEPTH} levels at {path}."
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                return f"{path}: {problem}"
        elif isinstance(value, dict):
            for key, item in value.items():
                problem = text_problem(key)
                if problem:
                    return f"{path}: {problem}"
                pending.append((item, f"{path}.{key}", depth + 1))
        elif isinstance(value, list):
            pending.extend((item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))
    return ""
