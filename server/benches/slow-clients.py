#!/usr/bin/env python3
"""Holds many slow or idle connections open against a local portal, for slow-clients.sh.

Half of the connections send nothing; the other half send half a request head and then one
more header line every 10 s, as a slowloris client does. Whenever the portal closes one, it
is opened again a second later, so the pressure lasts. Connections come from many loopback
addresses (127.0.0.2 ...), as from many clients. Only 127.0.0.0/8 is ever contacted, and
the script stops by itself after --seconds.

Every 5 s it prints one line: connections open now, opened in all, closed by the portal.
"""
import argparse
import asyncio
import resource
import time


async def hold(port, source, trickle, deadline, stats):
    while time.monotonic() < deadline:
        try:
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", port, local_addr=(source, 0))
        except OSError:
            stats["failed"] += 1
            await asyncio.sleep(1)
            continue
        stats["opened"] += 1
        stats["open"] += 1
        try:
            if trickle:
                writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            while time.monotonic() < deadline:
                try:
                    data = await asyncio.wait_for(reader.read(1024), timeout=10)
                except asyncio.TimeoutError:
                    if trickle:
                        writer.write(b"X-Still-Typing: 1\r\n")
                        await writer.drain()
                    continue
                if not data:
                    break
        except OSError:
            pass
        finally:
            stats["open"] -= 1
            writer.close()
        if time.monotonic() < deadline:
            stats["closed_by_server"] += 1
            await asyncio.sleep(1)


async def report(deadline, stats):
    while time.monotonic() < deadline:
        await asyncio.sleep(5)
        print(f"slow clients: {stats['open']} open, {stats['opened']} opened, "
              f"{stats['closed_by_server']} closed by the portal, "
              f"{stats['failed']} failed to connect", flush=True)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=5000)
    parser.add_argument("--addresses", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, args.connections + 1024), hard))
    deadline = time.monotonic() + args.seconds
    stats = {"open": 0, "opened": 0, "closed_by_server": 0, "failed": 0}
    tasks = []
    for i in range(args.connections):
        source = f"127.0.0.{2 + i % args.addresses}"
        tasks.append(asyncio.create_task(hold(args.port, source, i % 2 == 1, deadline, stats)))
        if i % 200 == 199:
            await asyncio.sleep(0.05)  # open them over a second or two, not in one burst
    await asyncio.gather(report(deadline, stats), *tasks)


if __name__ == "__main__":
    asyncio.run(main())
