"""`taskengine serve --demo`: a requester, a worker and a published campaign using every component, to try at once.

Seeding is idempotent: whatever of the demo exists already is found and reused, so a second `serve --demo` on the
same data folder prints the same accounts and ids.
"""

from __future__ import annotations

import asyncio
import shlex
import shutil
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

import msgspec
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from taskengine.catalogue import url_policy
from taskengine.db.models import Campaign, Requester, Worker
from taskengine.domain.accounts import create_requester, credit_requester
from taskengine.domain.authoring import JobIn, LocalMediaSizes, create_job, create_task, sequence_of, set_tasks
from taskengine.domain.campaigns import CampaignIn, create_campaign, job_ids_of, set_jobs, transition
from taskengine.domain.workers import create_worker
from taskengine.engine import ComponentDefinition, default_engine
from taskengine.settings import Settings

REQUESTER_EMAIL = "demo@taskengine.local"
REQUESTER_PASSWORD = "demo-password"
REQUESTER_CREDIT = "100.00"
WORKER_EMAIL = "worker@taskengine.local"
WORKER_PASSWORD = "worker-password"
CAMPAIGN_NAME = "taskengine demo"

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "media"
"""The sample media of a source checkout (made by media/make_samples.py); an installed wheel has none."""
SAMPLES = ("picture.jpg", "sideways.jpg", "cat.jpg", "dog.jpg", "tone.aac", "clip.mp4")
_BY_SUFFIX = {
    **dict.fromkeys((".jpg", ".jpeg", ".png", ".gif", ".webp"), "picture.jpg"),
    **dict.fromkeys((".aac", ".m4a", ".mp3", ".wav", ".ogg"), "tone.aac"),
    **dict.fromkeys((".mp4", ".mov", ".webm"), "clip.mp4"),
}
_BY_COMPONENT = {"ImageRotation": "sideways.jpg"}  # a picture that needs turning

# (task name, what its leading Text says, component types); registered types not named here get a task of their own.
THEMES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "Look at a picture",
        "Look at the picture, then tag it, rate it and say whether it is blurry.",
        ("Image", "Tagging", "Rating", "Toggle"),
    ),
    (
        "Choose",
        "Pick one of the two pictures, then answer two questions.",
        ("BinaryImageChoice", "BinaryChoice", "MultipleChoice"),
    ),
    (
        "Work on a picture",
        "Draw on the picture, crop it, and turn the sideways one until it stands upright.",
        ("ImageMarker", "ImageCrop", "ImageRotation"),
    ),
    ("Listen and watch", "Listen to the tone and watch the clip, then set the stepper.", ("Audio", "Video", "Stepper")),
    ("Write", "Correct the text and describe what you saw.", ("TextEdit", "TextInput")),
    ("Record", "Record a few seconds of sound, then of video.", ("AudioRecording", "VideoRecording")),
)
INTRO = "Text"
OTHERS = ("More components", "Components without a theme of their own yet, with their catalogue examples.")


class DemoInfo(msgspec.Struct, kw_only=True, frozen=True):
    """What `serve --demo` seeded (or found): accounts, ids and where the sample media went."""

    requester_email: str
    requester_password: str
    requester_id: int
    worker_email: str
    worker_password: str
    worker_id: int
    campaign_id: int
    campaign_state: str
    job_id: int
    task_ids: tuple[int, ...]
    component_types: tuple[str, ...]
    media_dir: str
    media_urls: tuple[str, ...]
    """URLs of the sample media the tasks show; empty when there were no samples to copy."""
    created: bool
    """Whether this call created the campaign (False: it was there already)."""


def copy_samples(media_dir: Path, source: Path | None = None) -> list[str]:
    """Copy the sample media into the service's media folder; the names copied (none without a source checkout)."""
    source = SAMPLES_DIR if source is None else source
    if not all((source / name).is_file() for name in SAMPLES):
        return []
    media_dir.mkdir(parents=True, exist_ok=True)
    for name in SAMPLES:
        target = media_dir / name
        if not target.is_file() or target.read_bytes() != (source / name).read_bytes():
            shutil.copyfile(source / name, target)
    return list(SAMPLES)


def _sample_for(component: str, url: str) -> str | None:
    """The local sample to show instead of `url`: the same kind of media (None for a kind there is no sample of)."""
    path = PurePosixPath(url.split("?", 1)[0].split("#", 1)[0])
    sample = _BY_SUFFIX.get(path.suffix.lower())
    if sample == "picture.jpg":  # cat.jpg and dog.jpg stay themselves; some components want a particular picture
        sample = _BY_COMPONENT.get(component) or (path.name.lower() if path.name.lower() in SAMPLES else sample)
    return sample


def localised(definition: ComponentDefinition, media_base: str | None) -> dict[str, Any]:
    """The definition's example properties, with every media URL it shows pointing at a local sample."""
    if media_base is None:
        return definition.example
    shown = set(definition.media_urls(msgspec.convert(definition.example, definition.attributes)))

    def swap(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: swap(item) for key, item in value.items()}
        if isinstance(value, list):
            return [swap(item) for item in value]
        if isinstance(value, str) and value in shown and (sample := _sample_for(definition.name, value)):
            return f"{media_base}/{sample}"
        return value

    return swap(definition.example)  # type: ignore[no-any-return]


def demo_tasks(media_base: str | None) -> list[dict[str, Any]]:
    """Task definitions that together use every registered component type, grouped by theme."""
    registry = {definition.name: definition for definition in default_engine().registry}
    themes = [(name, text, [t for t in types if t in registry]) for name, text, types in THEMES]
    placed = {t for _, _, types in themes for t in types} | {INTRO}
    rest = [name for name in registry if name not in placed]
    themes += [(f"{OTHERS[0]} {i // 8 + 1}", OTHERS[1], rest[i : i + 8]) for i in range(0, len(rest), 8)]
    tasks = []
    for name, text, types in themes:
        if not types:
            continue
        intro = [{"type": INTRO, "properties": {"text": text, "style": "Instruction"}}] if INTRO in registry else []
        components = [{"type": t, "properties": localised(registry[t], media_base)} for t in types]
        tasks.append({"name": f"Demo: {name}", "components": intro + components})
    return tasks


async def _first(session: AsyncSession, statement: Any) -> Any:
    return (await session.exec(statement)).first()


async def seed_demo(session: AsyncSession, settings: Settings) -> DemoInfo:
    """Create what is missing of the demo and return all of it; the caller commits."""
    media_dir = settings.data_dir / "media"
    copied = copy_samples(media_dir)
    media_base = f"{settings.base_url}/media" if copied else None

    requester = await _first(session, select(Requester).where(Requester.email == REQUESTER_EMAIL))
    if requester is None:
        requester = await create_requester(
            session, REQUESTER_EMAIL, REQUESTER_PASSWORD, Decimal(settings.commission_rate)
        )
        requester = await credit_requester(session, REQUESTER_EMAIL, REQUESTER_CREDIT)
    worker = await _first(session, select(Worker).where(Worker.email == WORKER_EMAIL))
    if worker is None:
        worker = await create_worker(session, WORKER_EMAIL, WORKER_PASSWORD)

    owner = requester.id
    campaign = await _first(
        session,
        select(Campaign).where(Campaign.owner_id == owner, Campaign.name == CAMPAIGN_NAME).order_by(Campaign.id),  # type: ignore[arg-type]
    )
    created = campaign is None
    if campaign is None:
        sizes = LocalMediaSizes(media_dir, settings.base_url)
        urls = url_policy(settings)  # the samples live at the service's own URL, which every policy allows
        task_ids = [(await create_task(session, owner, body, sizes, urls=urls)).id for body in demo_tasks(media_base)]
        job = await create_job(
            session, owner, JobIn(name="Every component", description="One job whose tasks use every component.")
        )
        await set_tasks(session, owner, job.id, task_ids)  # type: ignore[arg-type]
        campaign = await create_campaign(
            session,
            owner,
            CampaignIn(
                name=CAMPAIGN_NAME,
                title="Try every component",
                description="A short job that shows each kind of component once: look, choose, write and record.",
                est_duration="5 min",
                worker_payment="0.10",
                results=3,
            ),
        )
        await set_jobs(session, owner, campaign.id, [job.id])  # type: ignore[arg-type]
        campaign = await transition(session, owner, campaign.id, "publish")  # type: ignore[arg-type]

    job_id = (await job_ids_of(session, campaign.id))[0]
    tasks = await sequence_of(session, job_id)
    types = sorted({c["type"] for task in tasks for c in msgspec.json.decode(task.components)})
    return DemoInfo(
        requester_email=REQUESTER_EMAIL,
        requester_password=REQUESTER_PASSWORD,
        requester_id=owner,
        worker_email=WORKER_EMAIL,
        worker_password=WORKER_PASSWORD,
        worker_id=worker.id,
        campaign_id=campaign.id,
        campaign_state=campaign.state,
        job_id=job_id,
        task_ids=tuple(task.id for task in tasks),  # type: ignore[misc]
        component_types=tuple(types),
        media_dir=str(media_dir.resolve()),
        media_urls=tuple(f"{media_base}/{name}" for name in copied),
        created=created,
    )


def seed(settings: Settings) -> DemoInfo:
    """Seed the demo in one committed transaction on the configured (migrated) database."""
    from taskengine.db import Database

    async def run() -> DemoInfo:
        db = Database(settings.resolved_database_url)
        try:
            async with db.transaction() as session:
                return await seed_demo(session, settings)
        finally:
            await db.dispose()

    return asyncio.run(run())


def demo_banner(info: DemoInfo, base_url: str) -> str:
    """What `serve --demo` prints: the accounts, what was seeded, and commands to try."""

    # Every URL and body is shell-quoted: the public URL comes from the operator and is pasted into a shell.
    def url(path: str) -> str:
        return shlex.quote(f"{base_url}{path}")

    def sign_in(path: str, email: str, password: str) -> str:
        body = msgspec.json.encode({"email": email, "password": password}).decode()
        return f"curl -X POST {url(path)} -H 'Content-Type: application/json' -d {shlex.quote(body)}"

    if info.media_urls:
        media = f"copied to {info.media_dir}; the tasks show {base_url}/media/<file> ({len(info.media_urls)} files)"
    else:
        media = "no media/ folder of a source checkout was found, so the tasks show external example URLs"
    lines = [
        f"Demo {'seeded' if info.created else 'found (seeded earlier)'} on {base_url}:",
        f"  requester  {info.requester_email}  password {info.requester_password}  (id {info.requester_id})",
        f"  worker     {info.worker_email}  password {info.worker_password}  (id {info.worker_id})",
        f"  campaign {info.campaign_id} is {info.campaign_state}: job {info.job_id} with {len(info.task_ids)} tasks "
        f"using all {len(info.component_types)} component types",
        f"  sample media: {media}",
        "",
        "Try it (each token request answers with an accessToken):",
        f"  curl {url('/components')}",
        "  " + sign_in("/auth/token/request", info.requester_email, info.requester_password),
        f"  curl {url(f'/jobs/{info.job_id}/tasks')} -H 'X-Auth-Token: REQUESTER_TOKEN'   # the job preview",
        "  " + sign_in("/worker/auth/token/request", info.worker_email, info.worker_password),
        f"  curl {url('/worker/jobs')} -H 'X-Auth-Token: WORKER_TOKEN'",
        f"  curl -X POST {url(f'/worker/campaigns/{info.campaign_id}/jobs/{info.job_id}/start')} "
        "-H 'X-Auth-Token: WORKER_TOKEN'",
        f"  curl {url('/worker/assignments/ASSIGNMENT_ID')} -H 'X-Auth-Token: WORKER_TOKEN'   # id from the start",
        f"  curl {url('/schema/openapi.json')}",
    ]
    return "\n".join(lines)
