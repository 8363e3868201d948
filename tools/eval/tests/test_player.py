"""The evaluation's player: the script it writes for `omnichat run` in both context modes, and
how the answers map back to the conversation's assistant turns and are scored. A stand-in for
`omnichat run` answers each user line it is asked to answer with that conversation's own
expected reply, so every scored case is right and every unasked one is absent."""

from __future__ import annotations

import json
import stat
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

from tools.eval.evaluate import Player, score_conversation

RED_CIRCLE = {"background": "blue", "objects": [{"shape": "circle", "color": "red", "size": "medium", "position": "center"}]}
GREEN_CIRCLE = {"background": "blue", "objects": [{"shape": "circle", "color": "green", "size": "medium", "position": "center"}]}

CONVERSATION = {"id": "c1", "turns": [
    {"role": "user", "segments": [{"type": "text", "text": "draw a red circle on a blue background"}]},
    {"role": "assistant", "check": {"kind": "make", "category": "make_one",
                                    "said": {"background": "blue", "objects": [{"shape": "circle", "color": "red"}]}},
     "segments": [{"type": "text", "text": "Here is picture 1: a medium red circle in the center on a blue background."},
                  {"type": "image", "scene": RED_CIRCLE}]},
    {"role": "user", "segments": [{"type": "text", "text": "what colour is the circle?"}]},
    {"role": "assistant", "check": {"kind": "answer", "category": "question_made", "picture": 1},
     "segments": [{"type": "text", "text": "It is red."}]},
    {"role": "user", "segments": [{"type": "text", "text": "make it green"}]},
    {"role": "assistant", "check": {"kind": "edit", "category": "edit_latest", "source": 1},
     "segments": [{"type": "text", "text": "Here is picture 2: a medium green circle in the center on a blue background."},
                  {"type": "image", "scene": GREEN_CIRCLE}]},
]}

# Answers each line to be answered with the reply the conversation expects after it (in played
# mode the script holds only user lines, so the n-th user line gets the n-th expected reply), and
# draws its picture with the world's renderer. Records the script it was given.
FAKE_RUN = textwrap.dedent("""\
    #!{python}
    import json, sys
    sys.path.insert(0, {root!r})
    from tools.world.render import save_png
    from tools.world.scene import Scene
    args = sys.argv[1:]
    script = args[args.index("--script") + 1]
    out = args[args.index("--out") + 1]
    conversation = json.load(open({conversation!r}))
    replies = [t for t in conversation["turns"] if t["role"] == "assistant"]
    lines = [json.loads(l) for l in open(script) if l.strip()]
    json.dump(lines, open({record!r}, "w"))
    users = 0
    import os
    os.makedirs(out, exist_ok=True)
    for number, line in enumerate(lines, 1):
        if line.get("role", "user") != "user":
            continue
        reply = replies[users]
        users += 1
        if line.get("generate", True) is False:
            continue
        text = "".join(s["text"] for s in reply["segments"] if s["type"] == "text")
        images = []
        for s in reply["segments"]:
            if s["type"] == "image":
                path = os.path.join(out, "turn%d.png" % number)
                save_png(Scene.from_json(s["scene"]), path)
                images.append(path)
        print(json.dumps({{"turn": number, "text": text, "images": images, "token_ids": []}}))
    """)


class PlayerModes(unittest.TestCase):
    def setUp(self):
        self.work = Path(tempfile.mkdtemp())
        conversation_file = self.work / "conversation.json"
        conversation_file.write_text(json.dumps(CONVERSATION))
        self.record = self.work / "script-seen.json"
        binary = self.work / "fake-omnichat"
        binary.write_text(FAKE_RUN.format(python=sys.executable, root=str(Path(__file__).resolve().parents[3]),
                                          conversation=str(conversation_file), record=str(self.record)))
        binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
        self.binary = str(binary)

    def test_played_mode_sends_user_turns_only_and_scores_every_checked_turn(self):
        player = Player(self.binary, "model", [], self.work / "played")
        answers = player.play(CONVERSATION)
        script = json.loads(self.record.read_text())
        self.assertEqual([line["role"] for line in script], ["user"] * 3)
        self.assertEqual(sorted(answers), [1, 3, 5])
        records = score_conversation(CONVERSATION, answers)
        self.assertEqual([(r["category"], r["correct"]) for r in records],
                         [("make_one", True), ("question_made", True), ("edit_latest", True)])

    def test_written_mode_writes_the_replies_and_answers_only_what_is_wanted(self):
        player = Player(self.binary, "model", [], self.work / "written", written=True)
        answers = player.play(CONVERSATION, wanted=lambda index: index == 5)
        script = json.loads(self.record.read_text())
        self.assertEqual([line["role"] for line in script], ["user", "assistant"] * 3)
        self.assertEqual([line.get("generate", True) for line in script if line["role"] == "user"], [False, False, True])
        # The written reply carries its picture as a file, in the turn's own order.
        self.assertEqual([list(part) for part in script[1]["segments"]], [["text"], ["image"]])
        self.assertEqual(sorted(answers), [5])
        records = score_conversation(CONVERSATION, answers, written=True)
        # The edit is scored against the written source picture, and is right.
        self.assertEqual([(r["category"], r.get("source_right"), r["correct"]) for r in records],
                         [("edit_latest", True, True)])


if __name__ == "__main__":
    unittest.main()
