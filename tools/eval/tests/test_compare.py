"""The side-by-side table that judges a new model against the shipped one."""

from __future__ import annotations

import unittest

from tools.eval.compare import table, tally


def record(category: str, split: str, correct: bool, reply: str = "", source_right: bool = True) -> dict:
    return {"category": category, "split": split, "correct": correct, "reply": reply, "source_right": source_right}


class CompareTests(unittest.TestCase):
    def test_cells_count_correct_and_scored_by_split(self):
        shipped = tally([record("make_one", "heldout", True), record("make_one", "heldout", False),
                         record("make_one", "train", True),
                         # A case whose source picture was wrong is not scored.
                         record("edit_latest", "heldout", False, source_right=False),
                         record("edit_latest", "heldout", True)])
        new = tally([record("make_one", "train", False)])
        lines = table([("shipped", shipped), ("new", new)]).splitlines()
        self.assertEqual(lines[0], "| category | shipped | new |")
        self.assertIn("| make_one | 1/2, 1/1 | 0/1 |", lines)
        self.assertIn("| edit_latest | 1/1 | - |", lines)
        self.assertFalse(any(line.startswith("| decline") for line in lines))

    def test_the_last_row_counts_objects_on_their_own_background(self):
        tallied = tally([
            record("make_one", "heldout", False, "Here is picture 1: a large yellow star in the center on a yellow background."),
            record("make_one", "train", True, "Here is picture 1: a small red circle at the top on a blue background."),
            record("make_many", "train", False, "Sorry, I can only draw shapes and words."),
            record("question_made", "train", False, "Here is picture 1: a large red star on a red background."),
        ])
        self.assertEqual(table([("m", tallied)]).splitlines()[-1],
                         "| object on a background of its own colour | 1 of 2 described pictures |")


if __name__ == "__main__":
    unittest.main()
