"""The embedded broker (safeguard/broker.py): a worker never reads a message before it is whole."""

import os
import threading
from queue import Empty

import pytest
from kombu import Connection
from kombu.exceptions import ChannelError
from kombu.transport import filesystem

from safeguard import broker

QUEUE = "celery"


@pytest.fixture
def folders(tmp_path):
    for sub in ("queue", "control", "processed"):
        (tmp_path / sub).mkdir()
    return {
        "data_folder_in": str(tmp_path / "queue"),
        "data_folder_out": str(tmp_path / "queue"),
        "control_folder": str(tmp_path / "control"),
        "processed_folder": str(tmp_path / "processed"),
        "store_processed": False,
    }


@pytest.fixture
def channel(folders):
    with Connection(f"{broker.SCHEME}://localhost//", transport_options=folders) as connection:
        yield connection.default_channel


def test_the_settings_url_names_the_whole_message_transport(settings):
    connection = Connection(settings.CELERY_BROKER_URL)
    if settings.CELERY_BROKER_URL.startswith("redis"):
        assert connection.transport_cls == "redis"
    else:
        assert connection.transport_cls == broker.SCHEME
        assert isinstance(connection.transport, broker.Transport)


def test_a_message_goes_and_comes_back_whole(channel):
    channel._put(QUEUE, {"body": "heartbeat", "n": 1})
    assert channel._size(QUEUE) == 1
    assert channel._get(QUEUE) == {"body": "heartbeat", "n": 1}
    with pytest.raises(Empty):
        channel._get(QUEUE)
    assert os.listdir(channel.data_folder_in) == []


def test_a_reader_during_the_write_finds_nothing_then_the_whole_message(channel, monkeypatch):
    """The moment between writing and naming the file: a worker polling then sees no message
    (not an empty one), and the message is there, whole, once it is named."""
    seen = {}
    real_replace = os.replace

    def replace_while_a_worker_polls(src, dst):
        assert os.path.getsize(src) > 0
        try:
            seen["during"] = channel._get(QUEUE)
        except Empty:
            seen["during"] = "no message"
        seen["size_during"] = channel._size(QUEUE)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace_while_a_worker_polls)
    channel._put(QUEUE, {"body": "heartbeat"})
    monkeypatch.setattr(os, "replace", real_replace)

    assert seen == {"during": "no message", "size_during": 0}
    assert channel._get(QUEUE) == {"body": "heartbeat"}


def test_kombus_own_transport_hands_a_worker_the_empty_file(folders, monkeypatch):
    """Why safeguard/broker.py exists: kombu's file-system transport names the file before it
    writes it, so a worker polling in between reads an empty message and stops. When a kombu
    release fixes this, this test fails, and the subclass can go."""
    from json import JSONDecodeError

    with Connection("filesystem://localhost//", transport_options=folders) as connection:
        stock = connection.default_channel
        real_lock = filesystem.lock
        seen = {}

        def lock_while_a_worker_polls(f, flags):
            if "error" not in seen:
                try:
                    stock._get(QUEUE)
                    seen["error"] = None
                except JSONDecodeError as error:
                    seen["error"] = error
            return real_lock(f, flags)

        monkeypatch.setattr(filesystem, "lock", lock_while_a_worker_polls)
        stock._put(QUEUE, {"body": "heartbeat"})
    assert isinstance(seen["error"], JSONDecodeError)


def test_a_busy_producer_and_a_polling_worker_lose_nothing(channel, folders):
    """Two threads, as a web process and a worker: every message arrives, none half-read."""
    total = 400
    received, errors = [], []
    done = threading.Event()

    def worker():
        with Connection(f"{broker.SCHEME}://localhost//", transport_options=folders) as connection:
            reader = connection.default_channel
            while len(received) < total and not done.is_set():
                try:
                    received.append(reader._get(QUEUE)["n"])
                except Empty:
                    continue
                except Exception as error:  # any error is the failure under test
                    errors.append(error)
                    return

    thread = threading.Thread(target=worker)
    thread.start()
    for n in range(total):
        channel._put(QUEUE, {"n": n})
    thread.join(timeout=60)
    done.set()
    assert errors == []
    assert sorted(received) == list(range(total))


def test_a_failed_write_leaves_no_partial_file(channel, monkeypatch):
    def refuse(src, dst):
        raise PermissionError("read-only folder")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(ChannelError):
        channel._put(QUEUE, {"body": "heartbeat"})
    assert os.listdir(channel.data_folder_in) == []
