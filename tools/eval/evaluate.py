#!/usr/bin/env python3
"""Evaluate a model through the Swift engine (`omnichat run`), not through PyTorch.

Plays generated conversations (tools/world, seeded, never the training seed) turn by turn through
`omnichat run --script --json --out`: the model answers every user turn itself, so later turns see
the pictures it really drew. Each checked assistant turn is scored:

* make_one / make_many / word_short / word_long: the written PNG, parsed by the scene checker, has
  everything the user stated (objects matched one-to-one on the stated shape, colour, size and
  position; the stated background; the word exactly, in the stated colour) and is a valid world
  picture.
* edit_latest / edit_earlier / edit_attached: the new picture is exactly the source picture with the
  edit applied (the change made, everything else unchanged). Scored only where the source picture
  is the one the conversation meant (an attached one always is; a made one when the model drew it
  right), so a wrong earlier picture does not count against the edit; `source wrong` says how often
  that happened.
* question_made / question_attached: the answer is the canonical answer (whitespace and case
  ignored), for a source picture that is right as above.
* chat / decline: greetings, help and polite declines, the canonical reply.

With `--context written` every assistant turn is also given to the model as written (the
conversation's own text, its pictures rendered exactly), replacing the model's reply, and only the
turns still needed are answered: each checked turn is measured on its own, from the context it was
meant to have, so no edit or question is lost to a wrong earlier picture and a category fills with
far fewer conversations. The default, `--context played`, keeps the model's own replies, as a chat
does.

Prints a Markdown table per split with accuracy and a 95% Wilson interval, and the ratio of
held-out to training phrasings, and writes every case to `--details` (JSON lines).

    .venv/bin/python -m tools.eval.evaluate --model models/builtin --count 200
"""

from __future__ import annotations

import argparse
import json
import math
import re
import subprocess
import tempfile
import time
from collections import defaultdict
from itertools import permutations
from pathlib import Path

from tools.world.checker import parse_png
from tools.world.conversations import generate
from tools.world.render import save_png
from tools.world.scene import Scene, SceneError, default_ink

PICTURE_CATEGORIES = ("make_one", "make_many", "word_short", "word_long")
SOURCE_CATEGORIES = ("edit_latest", "edit_earlier", "edit_attached", "question_made", "question_attached")
ALL_CATEGORIES = PICTURE_CATEGORIES + SOURCE_CATEGORIES + ("chat", "decline")
TARGETS = {"make_one": 0.95, "make_many": 0.80, "edit_latest": 0.85, "edit_earlier": 0.70,
           "word_short": 0.85, "word_long": 0.70, "question_made": 0.90, "question_attached": 0.90}


def wilson(successes: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a proportion."""
    if total == 0:
        return 0.0, 0.0
    p = successes / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return max(0.0, centre - half), min(1.0, centre + half)


def objects_match(said: list[dict], made: list[dict]) -> bool:
    if len(said) != len(made):
        return False
    return any(all(all(o.get(k) == v for k, v in s.items()) for s, o in zip(said, order)) for order in permutations(made))


def make_correct(said: dict, scene: dict | None, words: bool) -> bool:
    if scene is None:
        return False
    if said.get("background") and scene.get("background") != said["background"]:
        return False
    if words:
        word = scene.get("word")
        return word is not None and word.get("text") == said["word"]["text"] and \
            (said["word"].get("color") is None or word.get("color") == said["word"]["color"])
    return objects_match(said["objects"], scene.get("objects", []))


def added_correct(source: dict | None, added: dict, scene: dict | None) -> bool:
    """An add edit: the source picture unchanged plus one object with what the request said of
    it (`added`: its shape and the colour, size and position the user named). A size or place
    the request left out is the model's to choose; an unsaid colour is the default ink on that
    background, as the world draws it."""
    if source is None or scene is None:
        return False
    if scene.get("background") != source.get("background") or scene.get("word") != source.get("word"):
        return False
    left = list(scene.get("objects") or [])
    for kept in source.get("objects") or []:
        if kept not in left:
            return False
        left.remove(kept)
    wanted = dict(added)
    wanted.setdefault("color", default_ink(source["background"]))
    return len(left) == 1 and all(left[0].get(key) == value for key, value in wanted.items())


def edit_correct(check: dict, source: dict | None, expected: dict, scene: dict | None) -> bool:
    """Whether an edit's picture is right: the expected result, or for an add the source plus an
    object as said (`added_correct`)."""
    if (check.get("edit") or {}).get("kind") == "add" and "said" in check:
        return added_correct(source, check["said"], scene)
    return same_scene(scene, expected)


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def same_scene(a: dict | None, b: dict | None) -> bool:
    if a is None or b is None:
        return False
    try:
        return Scene.from_json(a).same_as(Scene.from_json(b))
    except SceneError:  # e.g. a blank canvas read back as a scene with no objects
        return False


def category_of(check: dict) -> str | None:
    kind, category = check.get("kind"), check.get("category")
    if kind == "refuse":
        return "decline"
    if kind == "chat":
        return "chat"
    return category if category in PICTURE_CATEGORIES + SOURCE_CATEGORIES else None


class Player:
    """Runs one conversation through `omnichat run --script` and returns the model's answers.

    `played`: the model answers every user turn and keeps its own replies, so later turns see the
    pictures it really drew. `written`: each assistant turn is also given as written (the
    conversation's own text and pictures, rendered exactly), replacing the model's reply, so every
    turn is answered from the intended context; user turns whose answer is not needed are only
    added, not answered."""

    def __init__(self, binary: str, model: str, run_args: list[str], work: Path, written: bool = False):
        self.binary, self.model, self.run_args, self.work, self.written = binary, model, run_args, work, written

    def play(self, conversation: dict, wanted=lambda index: True) -> dict[int, dict] | None:
        """{index of an assistant turn in the conversation: the model's answer}; `wanted(index)`
        says whether an assistant turn's answer is needed (written mode skips the others)."""
        folder = self.work / conversation["id"]
        folder.mkdir(parents=True, exist_ok=True)
        lines: list[str] = []
        line_answers: dict[int, int] = {}  # script line number (1-based) -> assistant turn index
        pictures = 0
        turns = conversation["turns"]
        for index, turn in enumerate(turns):
            if turn["role"] == "assistant" and not self.written:
                continue
            segments = []
            for segment in turn["segments"]:
                if segment["type"] == "text":
                    segments.append({"text": segment["text"]})
                else:
                    pictures += 1
                    path = folder / f"picture-{pictures}.png"
                    save_png(Scene.from_json(segment["scene"]), str(path))
                    segments.append({"image": str(path)})
            line = {"role": turn["role"], "segments": segments}
            if turn["role"] == "user":
                answer = index + 1 if index + 1 < len(turns) and turns[index + 1]["role"] == "assistant" else None
                if answer is not None and (not self.written or wanted(answer)):
                    line_answers[len(lines) + 1] = answer
                elif self.written:
                    line["generate"] = False
            lines.append(json.dumps(line))
        script = folder / "turns.jsonl"
        script.write_text("\n".join(lines) + "\n")
        command = [self.binary, "run", "--model", self.model, "--json", "--out", str(folder / "out"),
                   "--script", str(script), *self.run_args]
        reply = subprocess.run(command, capture_output=True, text=True, timeout=900)
        if reply.returncode != 0:
            print(f"{conversation['id']}: omnichat run failed: {reply.stderr.strip()[:300]}", flush=True)
            return None
        answers = {}
        for output in (json.loads(line) for line in reply.stdout.splitlines() if line.strip()):
            if output["turn"] in line_answers:
                answers[line_answers[output["turn"]]] = output
        return answers


def parsed(path: str) -> dict | None:
    result = parse_png(path)
    return result.scene.to_json() if result.scene is not None else None


def score_conversation(conversation: dict, answers: dict[int, dict], written: bool = False) -> list[dict]:
    """One record per answered, checked assistant turn: category, correct, and whether its source
    was right (always, when the context was written)."""
    records = []
    truth: list[dict] = []      # pictures as the conversation means them, by number
    made: list[dict | None] = []  # pictures as the model has them (attachments are exact)
    for index, turn in enumerate(conversation["turns"]):
        if turn["role"] == "user":
            for segment in turn["segments"]:
                if segment["type"] == "image":
                    truth.append(segment["scene"])
                    made.append(segment["scene"])
            continue
        expected_pictures = [s["scene"] for s in turn["segments"] if s["type"] == "image"]
        answer = answers.get(index)
        if answer is None:  # not asked for (written context) or the run stopped early
            truth.extend(expected_pictures)
            made.extend(expected_pictures if written else [None] * len(expected_pictures))
            continue
        got_pictures = [parsed(p) for p in answer.get("images", [])]
        check = turn.get("check") or {}
        category = category_of(check)
        expected_text = "".join(s["text"] for s in turn["segments"] if s["type"] == "text")
        record = {"id": conversation["id"], "turn": index, "category": category, "template": check.get("template"),
                  "reply": answer.get("text", ""), "expected": expected_text}
        if category in PICTURE_CATEGORIES:
            scene = got_pictures[-1] if got_pictures else None
            record.update(correct=make_correct(check["said"], scene, category.startswith("word")), scene=scene)
        elif category in ("edit_latest", "edit_earlier", "edit_attached"):
            source = check["source"] - 1
            source_right = source < len(made) and same_scene(made[source], truth[source])
            scene = got_pictures[-1] if got_pictures else None
            record.update(source_right=source_right, scene=scene,
                          correct=source_right and edit_correct(check, truth[source] if source < len(truth) else None,
                                                                expected_pictures[-1], scene))
        elif category in ("question_made", "question_attached"):
            source = check["picture"] - 1
            source_right = source < len(made) and same_scene(made[source], truth[source])
            record.update(source_right=source_right,
                          correct=source_right and normalise(answer.get("text", "")) == normalise(expected_text))
        elif category in ("chat", "decline"):
            right_text = normalise(answer.get("text", "")) == normalise(expected_text) and not got_pictures
            if "source" in check:
                # An impossible edit's refusal names what the picture holds ("there is already a
                # circle at the top"): scored only where the model has the picture meant.
                source = check["source"] - 1
                source_right = source < len(made) and same_scene(made[source], truth[source])
                record.update(source_right=source_right, correct=source_right and right_text)
            else:
                record.update(correct=right_text)
        if category is not None:
            records.append(record)
        truth.extend(expected_pictures)
        made.extend(expected_pictures if written else got_pictures)
    return records


def table(records: list[dict]) -> tuple[str, dict[str, float]]:
    by_category: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        by_category[record["category"]].append(record)
    lines = ["| category | correct | scored | accuracy | 95% interval | source wrong | target |", "|---|---|---|---|---|---|---|"]
    accuracy = {}
    for category in ALL_CATEGORIES:
        cases = by_category.get(category, [])
        scored = [r for r in cases if r.get("source_right", True)]
        if not cases:
            continue
        ok = sum(r["correct"] for r in scored)
        low, high = wilson(ok, len(scored))
        accuracy[category] = ok / len(scored) if scored else 0.0
        wrong_source = len(cases) - len(scored)
        target = f"{TARGETS[category]:.0%}" if category in TARGETS else ""
        has_sources = category in SOURCE_CATEGORIES or any("source_right" in r for r in cases)
        lines.append(f"| {category} | {ok} | {len(scored)} | {accuracy[category]:.1%} | {low:.1%} - {high:.1%} | "
                     f"{wrong_source if has_sources else ''} | {target} |")
    return "\n".join(lines), accuracy


def evaluate_split(player: Player, split: str, seed: int, count: int, max_conversations: int, details,
                   needed: list[str]) -> list[dict]:
    """Plays conversations until every category in `needed` has `count` scored cases."""
    records: list[dict] = []
    scored: dict[str, int] = defaultdict(int)
    started = time.time()
    for played, conversation in enumerate(generate(seed, max_conversations, split=split)):
        if all(scored[c] >= count for c in needed):
            break
        turns = conversation["turns"]

        def wanted(index: int) -> bool:
            category = category_of(turns[index].get("check") or {})
            return category in needed and scored[category] < count

        if not any(wanted(i) for i, t in enumerate(turns) if t["role"] == "assistant"):
            continue
        answers = player.play(conversation, wanted)
        if answers is None:
            continue
        for record in score_conversation(conversation, answers, player.written):
            record["split"] = split
            records.append(record)
            details.write(json.dumps(record) + "\n")
            if record.get("source_right", True):
                scored[record["category"]] += 1
        if played % 20 == 0:
            progress = ", ".join(f"{c} {scored[c]}" for c in needed)
            print(f"[{split}] {played} conversations, {time.time() - started:.0f}s: {progress}", flush=True)
    short = [f"{c} {scored[c]}" for c in needed if scored[c] < count]
    if short:
        print(f"[{split}] warning: fewer than {count} scored cases after {max_conversations} conversations: "
              f"{', '.join(short)} (raise --max-conversations)", flush=True)
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="models/builtin")
    parser.add_argument("--binary", default=".build/release/omnichat")
    parser.add_argument("--count", type=int, default=200, help="scored cases per category and split")
    parser.add_argument("--max-conversations", type=int, default=20000)
    parser.add_argument("--splits", default="heldout,train")
    parser.add_argument("--seed", type=int, default=7001, help="conversation seed (training data used seed 1)")
    parser.add_argument("--run-args", default="", help="extra flags for omnichat run, e.g. '--greedy'")
    parser.add_argument("--details", default="runs/eval/details.jsonl")
    parser.add_argument("--categories", default=",".join(TARGETS), help="categories that must reach --count")
    parser.add_argument("--context", choices=("played", "written"), default="played",
                        help="played: the model's own replies stay in the conversation; written: every turn is "
                             "answered after the conversation as written (each checked turn on its own)")
    args = parser.parse_args()

    Path(args.details).parent.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as work, open(args.details, "w") as details:
        player = Player(args.binary, args.model, args.run_args.split(), Path(work), written=args.context == "written")
        for split in args.splits.split(","):
            records = evaluate_split(player, split, args.seed, args.count, args.max_conversations, details,
                                     args.categories.split(","))
            text, results[split] = table(records)
            print(f"\n{split} phrasings ({args.model}, seed {args.seed}, {args.context} context, run flags "
                  f"'{args.run_args}'):\n\n{text}\n", flush=True)
    if "heldout" in results and "train" in results:
        print("| category | held-out / training |\n|---|---|")
        for category, train_accuracy in results["train"].items():
            held = results["heldout"].get(category)
            if held is not None and train_accuracy > 0:
                print(f"| {category} | {held / train_accuracy:.2f} |")


if __name__ == "__main__":
    main()
