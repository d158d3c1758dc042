"""``rnnsim probe``: ask a trained network your own question, in the task's own words.

    rnnsim probe --experiment out/run.npz --sequence "bear tree squirrel -> wolf"

Prints, per frame, the input word, the top predictions with their probabilities and the
target where the sequence gives one; the last line is JSON ``{"frames": [...]}`` (``--json``:
only that line). An unknown word is a refused input: one line naming it, exit status 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rnnsim.cli.common import UsageError
from rnnsim.sim import Simulation
from rnnsim.sim.persistence import load_experiment
from rnnsim.sim.probe import ask, frame_line, parse_question

NAME = "probe"


def add_parser(sub):
    """Add ``probe`` to ``rnnsim``'s sub-parsers ``sub``."""
    probe = sub.add_parser(
        NAME,
        help="run a trained network on your own sequence",
        description="Run the network saved in STATE, unchanged, on one sequence typed in its "
        "task's words ('bear tree squirrel -> wolf': targets after '->' belong to the last "
        "frames; the wolf story's ambiguous animal wolf/dog is added at the end when "
        "missing). Prints each frame's top predictions; the last line is "
        '{"frames": [...]}.',
    )
    probe.add_argument(
        "--experiment",
        required=True,
        metavar="STATE",
        help="a state .npz saved by rnnsim (rnnsim train --out DIR writes "
        "DIR/run.npz; File ▸ Save), or an experiment .json (with the .npz "
        "saved beside it, if any)",
    )
    probe.add_argument(
        "--sequence",
        required=True,
        metavar="TEXT",
        help="the sequence, in the words of the experiment's task",
    )
    probe.add_argument(
        "--top", type=int, default=3, metavar="K", help="predictions listed per frame (default 3)"
    )
    probe.add_argument("--json", action="store_true", help="print only the JSON line")
    return probe


def run(args) -> int:
    """Run ``rnnsim probe`` with parsed ``args``; return the exit status."""
    if args.top < 1:
        raise UsageError(f"--top: got {args.top}, expected an integer >= 1")
    path = Path(args.experiment)
    if path.suffix not in (".npz", ".json"):
        raise UsageError(
            f"--experiment: got {str(path)!r}, expected a state .npz or an "
            "experiment .json saved by rnnsim"
        )
    if not path.is_file():
        raise UsageError(f"--experiment: {str(path)!r} does not exist")
    try:
        sim = Simulation(load_experiment(path) if path.suffix == ".json" else None)
        note = sim.load(path)
    except ValueError as exc:
        raise UsageError(f"--experiment: {exc}") from None
    try:
        question = parse_question(sim.task, args.sequence)
    except ValueError as exc:
        raise UsageError(f"--sequence: {exc}") from None
    frames = ask(sim.net, sim.task, question, top=args.top)
    if not args.json:
        print(f"{sim.experiment.title} ({sim.experiment.task}, {sim.experiment.cell}): {note}")
        if "weights initialised" in note:
            print("note: no saved weights: this network is untrained", file=sys.stderr)
        if question.added:
            print(f"(the story's last frame {question.added!r} was added at the end)")
        for frame in frames:
            print(frame_line(frame))
    print(json.dumps({"frames": frames}), flush=True)
    return 0
