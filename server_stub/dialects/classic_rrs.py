"""Azure ML Studio (classic) Request-Response: ``POST /workspaces/{ws}/services/{service}/execute?api-version=2.0``.

The input table is scored at once and answered as ``{"Results": {"output1":
table}}``; ``details=true`` adds the column names and types.
"""

from __future__ import annotations

from aiohttp import web

from ..state import Stub
from .classic import authorize, claim, read_table, scored


def register(stub: Stub, router: web.UrlDispatcher) -> None:
    async def execute(request: web.Request) -> web.Response:
        authorize(stub, request)
        names, rows = await read_table(stub, request)
        details = request.query.get("details", "").lower() == "true"
        return web.json_response({"Results": {"output1": scored(stub, names, rows, details)}})

    router.add_post(claim(stub) + "/execute", execute)
