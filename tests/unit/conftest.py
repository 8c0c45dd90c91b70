"""Unit tests run without network: every test under tests/unit has ``socket.socket`` (except Unix
sockets), ``getaddrinfo`` and ``gethostbyname`` blocked by pytest-socket, during its fixtures too.

A test that needs a socket does not belong here: tests/contract, tests/integration and tests/sim keep
their network (HTTPS to the org emulator, moto). pytest-socket lifts the block after each test.
"""

from __future__ import annotations

import pytest
from pytest_socket import disable_socket


def pytest_runtest_setup(item: pytest.Item) -> None:
    # Called only for items under this directory, and before fixtures are set up.
    disable_socket(allow_unix_socket=True)
