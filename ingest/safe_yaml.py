"""YAML for untrusted files (front matter, corrections.yaml): no aliases, bounded size and depth.

`yaml.safe_load` builds only plain values but still expands aliases: nine levels of
`&a [*b, *b, ...]` in 600 bytes make billions of list items (minutes and gigabytes before a
MemoryError). Real front matter and corrections never need anchors, so `SafeLoader` here
refuses any alias (`*name`) with a YAML error at its line; it also refuses nesting deeper than
MAX_DEPTH (the pure-Python composer would otherwise end in a RecursionError), and `check_size`
refuses text over a cap before any parsing.
"""
from __future__ import annotations

import yaml
from yaml.composer import ComposerError
from yaml.events import AliasEvent, MappingStartEvent, SequenceStartEvent

MAX_DEPTH = 64


class SafeLoader(yaml.SafeLoader):
    """`yaml.SafeLoader` that refuses aliases and deep nesting (a MarkedYAMLError at the spot)."""

    _depth = 0

    def compose_node(self, parent, index):  # noqa: D401 (PyYAML's hook)
        if self.check_event(AliasEvent):
            event = self.peek_event()
            raise ComposerError(None, None, f"YAML aliases (*{event.anchor}) are not allowed in this file",
                                event.start_mark)
        nested = self.check_event(MappingStartEvent, SequenceStartEvent)
        if nested:
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise ComposerError(None, None, f"nested more than {MAX_DEPTH} levels deep",
                                    self.peek_event().start_mark)
        try:
            return super().compose_node(parent, index)
        finally:
            if nested:
                self._depth -= 1


def check_size(text: str, limit: int, what: str) -> str | None:
    """A one-line reason when `text` is over `limit` characters (None when it is fine)."""
    if len(text) > limit:
        return f"{what} is {len(text):,} characters, over the {limit:,} limit"
    return None
