"""The counter of objects described on a background of their own colour."""

from __future__ import annotations

import unittest

from tools.eval.background_clash import clashes


class BackgroundClashTests(unittest.TestCase):
    def test_an_object_of_the_background_colour_clashes(self):
        self.assertTrue(clashes("Here is picture 1: a large yellow star in the center on a yellow background."))
        self.assertTrue(clashes("Here is picture 2: a small red circle at the top and a big blue square at the bottom "
                                "on a blue background."))

    def test_distinct_colours_do_not(self):
        self.assertFalse(clashes("Here is picture 1: a medium red circle in the center on a blue background."))
        # "orange" must not match inside another word, nor "red" inside "centred".
        self.assertFalse(clashes("Here is picture 1: a small pink heart at the top left, a large orange ring in the "
                                 "center and a small gray cross at the bottom on a red background."))

    def test_replies_without_a_described_picture_are_not_counted(self):
        self.assertIsNone(clashes("Sorry, the square can't be blue on a blue background."))
        self.assertIsNone(clashes("Here is picture 1: the word RED in blue on a red background."))
        self.assertIsNone(clashes("It is red."))


if __name__ == "__main__":
    unittest.main()
