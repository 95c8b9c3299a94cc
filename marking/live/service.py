"""The live-scoring service of one process: contexts, the mark writer and the boards, together."""

from __future__ import annotations

from litestar.channels import ChannelsPlugin

from marking.live.board import BoardService
from marking.live.context import ContextCache
from marking.live.ingest import MarkWriter


class Live:
    def __init__(self, channels: ChannelsPlugin) -> None:
        self.channels = channels
        self.contexts = ContextCache()
        self.boards = BoardService(channels, self.contexts)
        self.writer = MarkWriter(self.contexts, on_committed=self.boards.committed)

    async def stop(self) -> None:
        await self.writer.stop()
        await self.boards.stop()
