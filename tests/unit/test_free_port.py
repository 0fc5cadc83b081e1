"""Ports chosen for servers that start later come from below the kernel's ephemeral range, where
no outgoing connection's source port can take them first (devtools/embedded.py)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from devtools.embedded import LOCALHOST, free_port

RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")


@pytest.mark.skipif(not RANGE.exists(), reason="Linux's ephemeral range")
def test_a_free_port_is_below_the_ephemeral_range_and_bindable() -> None:
    low = int(RANGE.read_text().split()[0])
    for _ in range(20):
        port = free_port()
        assert 20_000 <= port < low
        with socket.socket() as sock:
            sock.bind((LOCALHOST, port))


def test_a_preferred_port_in_use_is_not_given() -> None:
    with socket.socket() as held:
        held.bind((LOCALHOST, 0))
        held.listen()
        taken = held.getsockname()[1]
        assert free_port(taken) != taken
    assert free_port(taken) == taken  # free again once closed
