"""flask-smorest wiring: the project's Api, Blueprint, base Schema and argument parser."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any, NoReturn, TypeVar

import flask_smorest
import marshmallow as ma
from flask import Flask
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException

from intake.blueprints import BlueprintFactory
from intake.errors import InvalidInputError, UnsupportedMediaTypeError, handle_http_exception
from intake.state import state_of

UNKNOWN_FIELD = "_unknown"
# Request limits gunicorn.conf.py sets (gunicorn answers 414 and 431 over them); the OpenAPI
# description states them.
LIMIT_REQUEST_LINE = 4094
LIMIT_REQUEST_FIELDS = 100
LIMIT_REQUEST_FIELD_SIZE = 8190


# The widest integer every integer column here holds (PostgreSQL's INTEGER; SQLite's is wider):
# a larger number in a query makes the driver raise (OverflowError on SQLite, "integer out of
# range" on PostgreSQL) instead of the input being refused.
MAX_INTEGER = 2**31 - 1

# A NUL as json.dumps writes it: ``\u0000`` after an even number of backslashes (an odd number
# is a backslash written out, followed by the text "u0000").
_ESCAPED_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")

# The attribute marking an API view whose JSON may carry base64 images (the larger body limit).
BASE64_UPLOADS = "intake_accepts_base64_uploads"
ViewT = TypeVar("ViewT", bound=Callable[..., Any])


def accepts_base64_uploads(view: ViewT) -> ViewT:
    """Let this API view's JSON body carry a base64 image of up to ``max_upload_bytes``."""
    setattr(view, BASE64_UPLOADS, True)
    return view


class Schema(ma.Schema):
    """Base schema: unknown fields are refused, never silently dropped; integers are bounded."""

    class Meta:
        unknown = ma.RAISE

    def on_bind_field(self, field_name: str, field_obj: ma.fields.Field[Any]) -> None:
        """Give every integer field the columns' range, whatever range it declares."""
        if isinstance(field_obj, ma.fields.Integer):
            field_obj.validators = [
                *field_obj.validators,
                ma.validate.Range(-MAX_INTEGER, MAX_INTEGER, error="The number is out of range."),
            ]


def _safe_messages(messages: Any, schema: ma.Schema | None) -> dict[str, Any]:
    """Keep field names our schema declares and our own messages; hide unknown keys."""
    declared: Mapping[str, Any] = schema.fields if schema is not None else {}
    safe: dict[str, Any] = {}
    if not isinstance(messages, Mapping):
        return {UNKNOWN_FIELD: ["The request body must be a JSON object."]}
    for key, value in messages.items():
        if key == "_schema":
            safe["_schema"] = ["The request body must be a JSON object."]
        elif isinstance(key, str) and key in declared:
            field = declared[key]
            nested = getattr(field, "schema", None)
            if isinstance(value, Mapping) and nested is not None:
                safe[key] = _safe_messages(value, nested)
            elif isinstance(value, list):
                safe[key] = [str(m) for m in value if isinstance(m, str)][:3]
            else:
                safe[key] = ["Invalid value."]
        else:
            safe[UNKNOWN_FIELD] = ["Unknown fields are not accepted."]
    return safe


class ErrorBodySchema(Schema):
    """What went wrong, in words of ours: never the submitted values."""

    status = ma.fields.Integer(required=True, metadata={"description": "The HTTP status"})
    code = ma.fields.String(
        required=True, metadata={"description": "A stable machine code, e.g. invalid_input"}
    )
    message = ma.fields.String(required=True, metadata={"description": "A sentence for people"})
    # `fields` is a Schema attribute, so the field has another name and keeps its JSON key.
    field_errors = ma.fields.Dict(
        data_key="fields",
        keys=ma.fields.String(),
        metadata={
            "description": "Per declared field, what is wrong with it; unknown fields are "
            "reported under `_unknown` without their names"
        },
    )


class ErrorSchema(Schema):
    """The one error shape every API and webhook answer uses (see intake.errors)."""

    error = ma.fields.Nested(ErrorBodySchema, required=True)


class IntakeParser(FlaskParser):
    """Validation failures are 400 with sanitised messages; non-JSON bodies are 415."""

    DEFAULT_VALIDATION_STATUS = 400

    def load_json(self, req: Any, schema: ma.Schema) -> Any:
        """Refuse bodies that do not say they are JSON before reading them."""
        if req.method in {"POST", "PUT", "PATCH"} and not req.is_json:
            raise UnsupportedMediaTypeError()
        return super().load_json(req, schema)

    def handle_error(
        self,
        error: ma.ValidationError,
        req: Any,
        schema: ma.Schema,
        *,
        error_status_code: int | None,
        error_headers: Any,
    ) -> NoReturn:
        """Raise the project's validation error with messages that never echo input."""
        messages = error.messages
        # Messages come keyed by where the arguments were read (a body, or the query string).
        for location in ("json", "query"):
            if isinstance(messages, Mapping) and location in messages:
                messages = messages[location]
        raise InvalidInputError(fields=_safe_messages(messages, schema))

    def _handle_invalid_json_error(
        self, error: Any, req: Any, *args: Any, **kwargs: Any
    ) -> NoReturn:
        raise InvalidInputError("The request body is not valid JSON.")

    def _raw_load_json(self, req: Any) -> Any:
        """The body as JSON, refusing what ``json`` reads but nothing here can hold.

        Nesting past the interpreter's recursion limit (RecursionError), an integer longer than
        Python converts (ValueError) and a lone surrogate escape such as ``"\\ud800"`` (a string
        UTF-8 cannot encode, so sealing it fails) are invalid JSON, not a 500; a NUL character
        anywhere is refused too.
        """
        try:
            data = super()._raw_load_json(req)
        except json.JSONDecodeError:
            raise  # webargs' own handling: an empty body is missing, the rest invalid
        except (RecursionError, ValueError):
            raise InvalidInputError("The request body is not valid JSON.") from None
        if data is ma.missing:
            return data
        try:
            text = json.dumps(data, ensure_ascii=False)
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidInputError("The request body is not valid JSON.") from None
        if _ESCAPED_NUL.search(text):
            # PostgreSQL's text cannot hold it, and no one types it (see intake._refuse_nul).
            raise InvalidInputError("Text must not contain NUL characters.")
        return data


class SmorestBlueprint(flask_smorest.Blueprint):
    """A smorest blueprint using the project's parser."""

    ARGUMENTS_PARSER = IntakeParser()


class Blueprint(BlueprintFactory[SmorestBlueprint]):
    """An API blueprint, made for each app (documented in that app's OpenAPI document).

    ``arguments``, ``response``, ``alt_response`` and ``doc`` wrap the view at once (they only
    describe it); routes are added to each app's blueprint when it is built.
    """

    def __init__(self, name: str, import_name: str, **options: Any) -> None:
        super().__init__(name, import_name, **options)
        # Never registered: it only makes the describing decorators.
        self._describer = SmorestBlueprint(name, import_name, **options)

    def _new(self) -> SmorestBlueprint:
        return SmorestBlueprint(self.name, self.import_name, **self.options)

    def arguments(self, *args: Any, **kwargs: Any) -> Callable[[ViewT], ViewT]:
        """The view's arguments, parsed and validated (flask-smorest's ``arguments``)."""
        decorator: Callable[[ViewT], ViewT] = self._describer.arguments(*args, **kwargs)
        return decorator

    def response(self, *args: Any, **kwargs: Any) -> Callable[[ViewT], ViewT]:
        """The view's answer, serialised (flask-smorest's ``response``)."""
        decorator: Callable[[ViewT], ViewT] = self._describer.response(*args, **kwargs)
        return decorator

    def alt_response(self, *args: Any, **kwargs: Any) -> Callable[[ViewT], ViewT]:
        """Another documented answer (flask-smorest's ``alt_response``)."""
        decorator: Callable[[ViewT], ViewT] = self._describer.alt_response(*args, **kwargs)
        return decorator

    def doc(self, **kwargs: Any) -> Callable[[ViewT], ViewT]:
        """More of the view's OpenAPI description (flask-smorest's ``doc``)."""
        decorator: Callable[[ViewT], ViewT] = self._describer.doc(**kwargs)
        return decorator


class Api(flask_smorest.Api):
    """The API object, answering errors in the project's one shape."""

    # Every documented error response (the default one and each status component) publishes the
    # shape intake.errors really answers, not flask-smorest's own.
    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error: HTTPException) -> Any:
        """Use the project's error body for every HTTP error."""
        return handle_http_exception(error)

    def _register_error_handlers(self) -> None:
        # errors.register_error_handlers installs the handlers for the whole app.
        pass


def init_api(app: Flask) -> None:
    """Configure OpenAPI and give the app its own Api (and OpenAPI document)."""
    app.config.setdefault("API_TITLE", "Intake")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": (
                    "Errors have one shape: "
                    '`{"error": {"status", "code", "message", "fields"}}`. '
                    f"Request limits: the request line (method, path and query) at most "
                    f"{LIMIT_REQUEST_LINE} bytes (414 `uri_too_long`); at most "
                    f"{LIMIT_REQUEST_FIELDS} headers of at most {LIMIT_REQUEST_FIELD_SIZE} "
                    "bytes each (431 `headers_too_large`)."
                )
            }
        },
    )
    state_of(app).api = Api(app)
