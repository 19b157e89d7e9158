"""The embedded broker (filesystem://) never lets a worker read a message still being written:
CI once saw the worker take beat's heartbeat message while it was empty and stop
("Unrecoverable error: JSONDecodeError")."""

import os
from queue import Empty

import pytest
from kombu import Connection

import civic.celery  # noqa: F401  (registers the transport for filesystem://)
from civic import celery_filesystem


@pytest.fixture
def channel(tmp_path):
    folder = tmp_path / "queue"
    folder.mkdir()
    options = {"data_folder_in": str(folder), "data_folder_out": str(folder)}
    with Connection("filesystem://", transport_options=options) as connection:
        yield connection.default_channel


def test_filesystem_scheme_uses_the_atomic_transport(channel):
    assert isinstance(channel, celery_filesystem.Channel)


def test_a_message_is_invisible_until_it_is_whole(channel, monkeypatch):
    seen_while_writing = []
    real_replace = os.replace

    def replace_after_a_reader_looked(src, dst):
        try:
            seen_while_writing.append(channel._get("celery"))
        except Empty:
            seen_while_writing.append("nothing")
        real_replace(src, dst)

    monkeypatch.setattr(celery_filesystem.os, "replace", replace_after_a_reader_looked)
    channel._put("celery", {"body": "heartbeat"})
    assert seen_while_writing == ["nothing"]
    assert channel._get("celery") == {"body": "heartbeat"}
    with pytest.raises(Empty):
        channel._get("celery")
