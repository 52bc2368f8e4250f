"""Tasks and jobs on the wire, and the one place rows become wire objects."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

from taskengine.db.models import Job, Task
from taskengine.domain.authoring._sizes import format_size
from taskengine.engine import CustomProperties, Name, OptionalLongText

Links = dict[str, Any]


def aware(moment: datetime | None) -> datetime | None:
    """Rows hold naive UTC; the wire says so (ISO-8601 with Z)."""
    return None if moment is None else moment.replace(tzinfo=UTC)


class TaskOut(msgspec.Struct, rename="camel", kw_only=True):
    name: str
    components: msgspec.Raw
    properties: msgspec.Raw
    resources_size: str
    resources_size_bytes: int
    estimated_upload_size: str
    estimated_upload_size_bytes: int
    id: int
    read_only: bool
    last_modified_at: datetime
    created_at: datetime
    archived: bool
    links: Links | msgspec.UnsetType = msgspec.field(default=msgspec.UNSET, name="_links")


class JobIn(msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=True):
    """A job's own fields; its tasks are set with PUT /jobs/{id}/tasks."""

    name: Name
    description: OptionalLongText = ""
    properties: CustomProperties = {}


class JobOut(msgspec.Struct, rename="camel", kw_only=True):
    name: str
    description: str
    properties: msgspec.Raw
    resources_size: str
    resources_size_bytes: int
    estimated_upload_size: str
    estimated_upload_size_bytes: int
    id: int
    read_only: bool
    last_modified_at: datetime
    created_at: datetime
    archived: bool
    links: Links | msgspec.UnsetType = msgspec.field(default=msgspec.UNSET, name="_links")


def task_out(task: Task) -> TaskOut:
    assert task.id is not None
    return TaskOut(
        name=task.name,
        components=msgspec.Raw(task.components.encode()),
        properties=msgspec.Raw(task.properties.encode()),
        resources_size=format_size(task.resources_bytes),
        resources_size_bytes=task.resources_bytes,
        estimated_upload_size=format_size(task.upload_bytes),
        estimated_upload_size_bytes=task.upload_bytes,
        id=task.id,
        read_only=task.read_only,
        last_modified_at=aware(task.last_modified_at),  # type: ignore[arg-type]
        created_at=aware(task.created_at),  # type: ignore[arg-type]
        archived=task.archived,
    )


def job_out(job: Job, sizes: tuple[int, int]) -> JobOut:
    assert job.id is not None
    resources, upload = sizes
    return JobOut(
        name=job.name,
        description=job.description,
        properties=msgspec.Raw(job.properties.encode()),
        resources_size=format_size(resources),
        resources_size_bytes=resources,
        estimated_upload_size=format_size(upload),
        estimated_upload_size_bytes=upload,
        id=job.id,
        read_only=job.read_only,
        last_modified_at=aware(job.last_modified_at),  # type: ignore[arg-type]
        created_at=aware(job.created_at),  # type: ignore[arg-type]
        archived=job.archived,
    )
