"""kombu's filesystem transport (the embedded broker of `make run`), with each message written
whole before a worker can see it.

kombu writes a message by creating its final `*.<queue>.msg` file and then writing into it under
an advisory lock that its reader never takes; a worker polling at that moment moves the still
empty file away, fails to decode it and stops ("Unrecoverable error: JSONDecodeError"), which CI
saw once beat sent the heartbeat. Here the message is written under a name no queue matches and
renamed into place (`os.replace` is atomic within a folder), so a reader finds whole messages or
none. Registered for the `filesystem://` scheme in civic/celery.py.
"""

from __future__ import annotations

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # "<name>.partial": its part after the first dot never equals "<queue>.msg".
        partial = f"{final}.partial"
        try:
            with open(partial, "wb", buffering=0) as fh:
                fh.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
