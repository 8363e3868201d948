"""Command line: render and check round trip, conversations are JSON lines, bad input is one line."""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
import unittest

from tools.world.__main__ import main


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


class CommandLine(unittest.TestCase):
    def test_render_then_check(self):
        scene = {"background": "blue", "objects": [{"shape": "star", "color": "yellow", "size": "medium",
                                                      "position": "top right"}]}
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "star.png")
            self.assertEqual(run("render", json.dumps(scene), "--out", path)[0], 0)
            code, out, _ = run("check", path)
        self.assertEqual(code, 0)
        self.assertEqual(json.loads(out), {"scene": scene, "mismatched_pixels": 0})

    def test_bad_input_gives_one_line_errors(self):
        code, _, err = run("render", '{"background": "blue", "objects": []}', "--out", "/tmp/never.png")
        self.assertEqual(code, 2)
        self.assertEqual(len(err.strip().splitlines()), 1)
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "junk.png")
            with open(path, "wb") as handle:
                handle.write(b"not a png")
            code, _, err = run("check", path)
        self.assertEqual(code, 2)
        self.assertIn("junk.png", err)
        self.assertEqual(len(err.strip().splitlines()), 1)

    def test_conversations_are_json_lines(self):
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "c.jsonl")
            self.assertEqual(run("conversations", "--seed", "3", "--count", "20", "--split", "heldout", "--out", path)[0], 0)
            with open(path) as handle:
                lines = [json.loads(line) for line in handle]
        self.assertEqual(len(lines), 20)
        self.assertTrue(all(c["split"] == "heldout" for c in lines))

    def test_roundtrip_reports_the_rate(self):
        code, out, _ = run("roundtrip", "--count", "50")
        self.assertEqual(code, 0)
        self.assertIn("50/50", out)


if __name__ == "__main__":
    unittest.main()
