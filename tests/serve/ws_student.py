"""A student's tab without a browser: connects to a served session's websocket, says `ready`
once the tutorial has drawn its first screen, then does whatever the test does to it (kill,
stop) while it sleeps.  Usage: python ws_student.py WS_URL"""

from __future__ import annotations

import asyncio
import sys

import aiohttp


async def main(url: str) -> None:
    async with aiohttp.ClientSession() as session, \
            session.ws_connect(url + "?width=80&height=24", autoping=True) as websocket:
        async for message in websocket:
            if message.type == aiohttp.WSMsgType.BINARY:
                print("ready", flush=True)
                break
        async for message in websocket:
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                break
    print("closed", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
