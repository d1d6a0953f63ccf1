"""The core's own commands: loaded by every server, whatever ``--plugins`` selects.

Each module here is a plugin like any other (``register_commands`` hook); they are registered by
:mod:`plugredis.plugins` under the names ``builtin.<module>`` and cannot be deselected.
"""

from ..args import parse_int

__all__ = ["parse_int"]
