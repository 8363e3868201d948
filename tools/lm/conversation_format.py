"""The conversation format of the built-in model: how turns become one token sequence.

The format is data, written as `conversation.json` into the model directory, so that the Swift
engine reads it instead of assuming it (and other checkpoints can declare theirs). Pieces are
strings that may name special tokens (`<reserved08706>`); they are tokenised with the model's
tokenizer without adding `<s>`.

    sequence  = begin + turn*
    turn      = prefix(role) + segments + suffix(role)
    segment   = text | begin_image + codes + end_image

The built-in model uses Chameleon/Anole's own convention: no role markers, every turn (user or
assistant) ends with the end-of-turn token `<reserved08706>`; turns alternate, user first. The
assistant's reply is generated after the user's end-of-turn and stops at the next one.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

FILE_NAME = "conversation.json"
VERSION = 1


@dataclass(frozen=True)
class RolePieces:
    prefix: str = ""
    suffix: str = "<reserved08706>"


@dataclass(frozen=True)
class ConversationFormat:
    version: int = VERSION
    begin: str = "<s>"
    user: RolePieces = field(default_factory=RolePieces)
    assistant: RolePieces = field(default_factory=RolePieces)
    begin_image: str = "<racm3:break>"
    end_image: str = "<eoss>"
    end_of_sequence: str = "</s>"
    stop: tuple[str, ...] = ("<reserved08706>", "</s>")

    def to_json(self) -> dict:
        data = asdict(self)
        data["stop"] = list(self.stop)
        return data

    def save(self, directory: Path) -> None:
        (directory / FILE_NAME).write_text(json.dumps(self.to_json(), indent=2) + "\n")


BUILTIN = ConversationFormat()
