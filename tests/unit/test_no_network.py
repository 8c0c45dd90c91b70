"""tests/unit has no network (tests/unit/conftest.py): the block holds, and lets Unix sockets through."""

from __future__ import annotations

import socket

import pytest
from pytest_socket import SocketBlockedError

pytestmark = pytest.mark.filterwarnings("ignore:A test tried to use socket")


def test_an_internet_socket_cannot_be_made():
    with pytest.raises(SocketBlockedError):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with pytest.raises(SocketBlockedError):
        socket.socket()


def test_a_name_cannot_be_resolved():
    with pytest.raises(SocketBlockedError):
        socket.getaddrinfo("localhost", 443)


def test_a_unix_socket_can():
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM):
        pass
