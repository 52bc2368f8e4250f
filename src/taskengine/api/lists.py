"""The typed list envelopes: `{"_links": ..., "<key>": [...]}` as SWARMS shapes them."""

from __future__ import annotations

import msgspec

from taskengine.api.representation import Listed
from taskengine.domain import authoring, campaigns, review, workers


class TaskList(Listed, kw_only=True):
    tasks: list[authoring.TaskOut]


class JobList(Listed, kw_only=True):
    jobs: list[authoring.JobOut]


class CampaignList(Listed, kw_only=True):
    campaigns: list[campaigns.CampaignOut]


class GroupList(Listed, kw_only=True):
    worker_groups: list[workers.GroupOut] = msgspec.field(name="workerGroups")


class ResultList(Listed, kw_only=True):
    results: list[review.ResultOut]


class ApprovedResults(msgspec.Struct, kw_only=True):
    results: list[review.ResultOut]
