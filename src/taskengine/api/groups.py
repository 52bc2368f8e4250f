"""Routes for a requester's worker groups (a campaign's `workerGroup` limits its jobs to one)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, delete, get, post, put
from litestar.params import JSONBody

from taskengine.api.body import id_list_body, json_body
from taskengine.api.context import TOKEN_SECURITY, AnyRequest, as_requester, requires_token
from taskengine.api.docs import BODY, errors
from taskengine.api.lists import GroupList
from taskengine.api.path_ids import PathId
from taskengine.api.representation import Link
from taskengine.domain import workers


class GroupController(Controller):
    path = "/worker-groups"
    tags = ["worker groups"]
    guards = [requires_token]
    security = TOKEN_SECURITY

    @get("/", summary="Your worker groups", **errors(401))
    async def list_groups(self, request: AnyRequest) -> GroupList:
        async with as_requester(request, write=False) as (session, requester_id):
            groups = [await workers.group_out(session, g) for g in await workers.list_groups(session, requester_id)]
        return GroupList(links={"self": Link("/worker-groups")}, worker_groups=groups)

    @post(
        "/",
        summary="Create a worker group",
        **json_body(workers.GroupIn, description='send {"name": ...}'),
        **errors(401, *BODY),
    )
    async def create_group(self, request: AnyRequest, data: JSONBody[workers.GroupIn]) -> workers.GroupOut:
        async with as_requester(request) as (session, requester_id):
            group = await workers.create_group(session, requester_id, data)
            return await workers.group_out(session, group)

    @get("/{group_id:int}", summary="One worker group and its workers", **errors(401, 404))
    async def get_group(self, request: AnyRequest, group_id: PathId) -> workers.GroupOut:
        async with as_requester(request, write=False) as (session, requester_id):
            return await workers.group_out(session, await workers.get_group(session, requester_id, group_id))

    @put(
        "/{group_id:int}/workers",
        summary="Set the group's workers: a JSON array of worker ids",
        **id_list_body(workers.MAX_GROUP_SIZE, "worker"),
        **errors(401, 404, *BODY),
    )
    async def set_workers(self, request: AnyRequest, group_id: PathId, data: JSONBody[list[Any]]) -> workers.GroupOut:
        async with as_requester(request) as (session, requester_id):
            group = await workers.set_members(session, requester_id, group_id, data)
            return await workers.group_out(session, group)

    @delete("/{group_id:int}", summary="Delete a worker group", **errors(401, 404, 409))
    async def delete_group(self, request: AnyRequest, group_id: PathId) -> None:
        async with as_requester(request) as (session, requester_id):
            await workers.delete_group(session, requester_id, group_id)
