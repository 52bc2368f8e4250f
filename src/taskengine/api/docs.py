"""The OpenAPI side of the contract: documented error responses, and the docs page served offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import swagger_ui_bundle  # type: ignore[import-untyped]
from litestar import Request, Router
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.openapi import ResponseSpec
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler
from litestar.typing import FieldDefinition

from taskengine.api.ratelimits import TOO_MANY, RateLimitedOperation
from taskengine.errors import DomainError, ErrorBody, ErrorCode

_WHY = {
    400: "Malformed request (40000-40002): an id that is not plain digits, a bad query parameter, header or JSON",
    401: "No valid token in X-Auth-Token or Authorization: Bearer (40100)",
    402: "The available balance is too low (40200)",
    403: "Not allowed (40300): e.g. a worker's token on a requester's route, or the other way round",
    404: "No such object, or not yours (40400)",
    409: "Not possible in the object's current state (409xx)",
    413: "The body is larger than the service accepts (41300)",
    415: "The body is not JSON, or its Content-Encoding is not supported (415xx)",
    422: "The body is invalid: `problems` lists every problem with its path (422xx)",
}

BODY = (413, 415, 422)
"""What a route taking a body may answer besides the rest."""

SWAGGER_ASSETS = "/schema/assets"
_SWAGGER_DIR = Path(swagger_ui_bundle.swagger_ui_path)


ALWAYS = (400, 413, 415)
"""What any request may be answered: malformed, or a body (sent even where none is read) too large or undecodable."""


def errors(*statuses: int) -> dict[str, Any]:
    """Handler keyword arguments documenting its error responses: ALWAYS, plus `statuses` (429 with Retry-After).

    A route that needs a token (401) also answers 403 to a live token of the other kind of account."""
    wanted = {*ALWAYS, *statuses} | ({403} if 401 in statuses else set())
    responses: dict[int, ResponseSpec] = {
        status: ResponseSpec(ErrorBody, description=_WHY[status], generate_examples=False)
        for status in sorted(wanted - {429})
    }
    if 429 in statuses:
        responses.update(TOO_MANY)
        return {"responses": responses, "operation_class": RateLimitedOperation}
    return {"responses": responses}


class ClosedStructs(StructSchemaPlugin):
    """Bodies refuse fields they do not know (422 "is not a known field"): their schemas say so, with
    additionalProperties false, so generated clients and fuzzers do not send extras. Litestar's Struct plugin does the
    rest (it has no public home; Litestar's own tests cover it)."""

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        return bool(
            super().is_plugin_supported_field(field_definition)
            and field_definition.type_.__struct_config__.forbid_unknown_fields
        )

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        schema: Schema = super().to_openapi_schema(field_definition, schema_creator)
        schema.additional_properties = False
        for field in msgspec.structs.fields(field_definition.type_):
            target = (schema.properties or {}).get(field.encode_name)
            if isinstance(target, Schema) and target.type == OpenAPIType.OBJECT:
                _document_mapping(target, field.type)
        return schema


def _document_mapping(target: Schema, annotation: Any) -> None:
    """The bounds of a mapping's keys, values and size (Litestar documents only the values' type), read off
    msgspec's own schema of the annotation."""
    described = msgspec.json.schema(annotation)
    if isinstance(names := described.get("propertyNames"), dict):
        target.property_names = Schema(min_length=names.get("minLength"), max_length=names.get("maxLength"))
    target.max_properties = described.get("maxProperties", target.max_properties)
    values = described.get("additionalProperties")
    if isinstance(values, dict) and isinstance(target.additional_properties, Schema):
        target.additional_properties.max_length = values.get("maxLength", target.additional_properties.max_length)


def render_plugins() -> list[Any]:
    """/schema/openapi.json, and Swagger UI at /schema/swagger loading its assets from this service."""
    return [
        JsonRenderPlugin(),
        SwaggerRenderPlugin(
            js_url=f"{SWAGGER_ASSETS}/swagger-ui-bundle.js",
            css_url=f"{SWAGGER_ASSETS}/swagger-ui.css",
            standalone_preset_js_url=f"{SWAGGER_ASSETS}/swagger-ui-standalone-preset.js",
            favicon=f"<link rel='icon' type='image/png' href='{SWAGGER_ASSETS}/favicon-32x32.png'>",
        ),
    ]


def swagger_assets() -> ControllerRouterHandler:
    """The Swagger UI files of the `swagger-ui-bundle` package, so the docs page works with no network."""
    return create_static_files_router(path=SWAGGER_ASSETS, directories=[_SWAGGER_DIR], include_in_schema=False)


async def _no_html_404(request: Request[Any, Any, Any]) -> None:
    """Unknown /schema/* paths answer our JSON 404, not the HTML page Litestar's schema router has for them."""
    # Matched by name: the handler lives in a private module of Litestar's.
    if getattr(request.route_handler.fn, "__name__", "") == "handle_schema_path_not_found":
        raise DomainError(ErrorCode.NOT_FOUND, "no resource at this path")


def schema_router() -> Router:
    """The router Litestar puts the documentation routes on (as its default one, plus the JSON 404)."""
    return Router(
        "/schema", route_handlers=[], include_in_schema=False, dto=None, return_dto=None, before_request=_no_html_404
    )
