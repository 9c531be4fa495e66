"""Deployments: what "Create" starts. A deployment is a list of steps, each one or a few ARM calls, run in order
in the background while its page shows the progress; the first error stops it and is shown with Azure's code
and message."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from vaultlink.core.clock import clock
from vaultlink.portal.arm import ArmError

MAX_DEPLOYMENTS = 500

StepRun = Callable[[], Awaitable[str]]
"""Does one step; returns the id of the resource it made or changed."""


@dataclass
class Step:
    title: str
    run: StepRun
    status: str = "Waiting"
    resource: str = ""


@dataclass
class Deployment:
    id: str
    name: str
    group: str
    owner: str
    steps: list[Step]
    result: str = ""
    """The resource "Go to resource" opens."""
    status: str = "Deploying"
    error: ArmError | None = None
    started: float = field(default_factory=clock.now)
    ended: float | None = None

    @property
    def done(self) -> bool:
        return self.status != "Deploying"


class Deployments:
    def __init__(self) -> None:
        self._all: dict[str, Deployment] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, name: str, group: str, owner: str, steps: list[Step], result: str) -> Deployment:
        if len(self._all) >= MAX_DEPLOYMENTS:
            for key in [k for k, d in self._all.items() if d.done][: MAX_DEPLOYMENTS // 2]:
                del self._all[key]
        stamp = clock.utcnow().strftime("%Y%m%d%H%M%S")
        deployment = Deployment(f"{name}-{stamp}-{secrets.token_hex(3)}", name, group, owner, steps, result)
        self._all[deployment.id] = deployment
        task = asyncio.get_running_loop().create_task(self._run(deployment))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return deployment

    def find(self, deployment_id: str, owner: str) -> Deployment | None:
        found = self._all.get(deployment_id)
        return found if found is not None and found.owner == owner else None

    async def _run(self, deployment: Deployment) -> None:
        for step in deployment.steps:
            step.status = "Running"
            try:
                step.resource = await step.run()
            except ArmError as e:
                step.status = "Failed"
                deployment.status, deployment.error = "Failed", e
                break
            step.status = "Succeeded"
            await asyncio.sleep(0)
        else:
            deployment.status = "Succeeded"
        deployment.ended = clock.now()
