"""ImageCrop: the worker crops an image to a rectangle (answer type `crop`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from msgspec import Meta

from taskengine.engine import Attributes, BadExample, ComponentDefinition, HttpUrl, Problem, Result, Rule

MAX_IMAGE_PIXELS = 100_000

AspectRatio = Annotated[float, Meta(gt=0, le=100)]
"""Width divided by height."""

Offset = Annotated[int, Meta(ge=0, le=MAX_IMAGE_PIXELS)]
"""A distance from the image's left or top edge, in pixels."""

Extent = Annotated[int, Meta(ge=1, le=MAX_IMAGE_PIXELS)]
"""A width or height, in pixels."""


class ImageCropAttributes(Attributes, frozen=True):
    url: Annotated[HttpUrl, Meta(description="url of the image to crop")]
    aspect_ratio: Annotated[
        AspectRatio | None,
        Meta(description="width / height the crop must have, e.g. 1.7778 for 16:9 (default none: any shape)"),
    ] = None


class ImageCropResult(Result, frozen=True):
    x: Annotated[Offset, Meta(description="left edge of the crop, in pixels from the image's left edge")]
    y: Annotated[Offset, Meta(description="top edge of the crop, in pixels from the image's top edge")]
    width: Annotated[Extent, Meta(description="width of the crop, in pixels")]
    height: Annotated[Extent, Meta(description="height of the crop, in pixels")]
    image_width: Annotated[Extent, Meta(description="width of the image as the device loaded it, in pixels")]
    image_height: Annotated[Extent, Meta(description="height of the image as the device loaded it, in pixels")]


def _crop_fits(attrs: ImageCropAttributes, result: ImageCropResult) -> Sequence[Problem]:
    # One rule, not two, so the usual valid crop costs a single call on the hot path.
    x_end, y_end, ratio = result.x + result.width, result.y + result.height, attrs.aspect_ratio
    # Rounding the height to a whole pixel moves the matching width by up to `ratio` pixels.
    at_ratio = ratio is None or abs(result.width - result.height * ratio) <= max(1.0, ratio)
    if x_end <= result.image_width and y_end <= result.image_height and at_ratio:
        return ()
    problems = []
    if x_end > result.image_width:
        problems.append(
            Problem(
                "width",
                f"must keep the crop inside the image: x + width is {x_end}, imageWidth is {result.image_width}",
                "crop-inside-image-at-ratio",
            )
        )
    if y_end > result.image_height:
        problems.append(
            Problem(
                "height",
                f"must keep the crop inside the image: y + height is {y_end}, imageHeight is {result.image_height}",
                "crop-inside-image-at-ratio",
            )
        )
    if not at_ratio:
        assert ratio is not None
        problems.append(
            Problem(
                "width",
                f"must match aspectRatio {ratio:g} (width / height): about {result.height * ratio:.0f} for height "
                f"{result.height}, got {result.width}",
                "crop-inside-image-at-ratio",
            )
        )
    return problems


COMPONENT = ComponentDefinition(
    name="ImageCrop",
    description="The image at `url`, which the worker crops to a rectangle of width / height `aspectRatio` "
    "(default none: any shape). The result gives the rectangle and the image's size in pixels of the image as the "
    "device loaded it; the rectangle lies inside the image.",
    attributes=ImageCropAttributes,
    result=ImageCropResult,
    example={"url": "https://example.com/street.jpg", "aspectRatio": 1.7778},
    example_result={"x": 100, "y": 50, "width": 1280, "height": 720, "imageWidth": 1600, "imageHeight": 1200},
    result_rules=(Rule("crop-inside-image-at-ratio", _crop_fits),),
    shows=lambda attrs: (attrs.url,),
    bad_examples=(
        BadExample("attributes", "schema", {"aspectRatio": 1.5}, "url"),
        BadExample("attributes", "schema", {"url": "https://example.com/a.jpg", "aspectRatio": 0}, "aspectRatio"),
        BadExample("attributes", "schema", {"url": "https://example.com/a.jpg", "aspectRatio": "16:9"}, "aspectRatio"),
        BadExample(
            "result",
            "crop-inside-image-at-ratio",
            {"x": 400, "y": 0, "width": 1280, "height": 720, "imageWidth": 1600, "imageHeight": 1200},
            "width",
        ),
        BadExample(
            "result",
            "crop-inside-image-at-ratio",
            {"x": 0, "y": 0, "width": 1200, "height": 1300, "imageWidth": 1600, "imageHeight": 1200},
            "height",
            properties={"url": "https://example.com/street.jpg"},
        ),
        BadExample(
            "result",
            "crop-inside-image-at-ratio",
            {"x": 0, "y": 0, "width": 1000, "height": 720, "imageWidth": 1600, "imageHeight": 1200},
            "width",
        ),
        BadExample(
            "result",
            "schema",
            {"x": -1, "y": 0, "width": 1280, "height": 720, "imageWidth": 1600, "imageHeight": 1200},
            "x",
        ),
        BadExample(
            "result",
            "schema",
            {"x": 0, "y": 0, "width": 0, "height": 720, "imageWidth": 1600, "imageHeight": 1200},
            "width",
        ),
    ),
)
