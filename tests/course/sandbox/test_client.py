"""SandboxKernelClient (nlpcourse/course/sandbox/client.py): ready against a real kernel, then
runs code; a dead kernel is an error, not a hang."""

from __future__ import annotations

import asyncio

import pytest
from jupyter_client.manager import AsyncKernelManager

from nlpcourse.course.sandbox.client import SandboxKernelClient


async def _started():
    km = AsyncKernelManager(client_class="nlpcourse.course.sandbox.client.SandboxKernelClient")
    await km.start_kernel()
    kc = km.client()
    assert isinstance(kc, SandboxKernelClient)
    kc.start_channels()
    return km, kc


def test_ready_then_runs_code():
    async def go():
        km, kc = await _started()
        try:
            await kc.wait_for_ready(timeout=60)
            got = []
            reply = await kc.execute_interactive(
                "print(6 * 7)",
                timeout=30,
                output_hook=lambda m: got.append(m["content"].get("text", "")),
            )
            return reply["content"]["status"], "".join(got)
        finally:
            kc.stop_channels()
            await km.shutdown_kernel(now=True)

    assert asyncio.run(go()) == ("ok", "42\n")


def test_a_dead_kernel_is_an_error():
    async def go():
        km, kc = await _started()
        try:
            await km._async_kill_kernel()
            with pytest.raises(RuntimeError, match="died|respond"):
                await kc.wait_for_ready(timeout=5)
        finally:
            kc.stop_channels()
            await km._async_cleanup_resources()

    asyncio.run(go())


def test_the_sandbox_kernel_manager_makes_this_client():
    from nlpcourse.course.sandbox.kernel import SandboxKernelManager

    assert isinstance(SandboxKernelManager().client(), SandboxKernelClient)
