"""Experiment: validation naming the field, JSON round trip, copies, dotted-path values."""

import json

import pytest

from rnnsim.sim import Experiment, default_experiment
from rnnsim.tasks import TASKS, make_task


def test_default_is_the_wolf_story_with_an_elman_network():
    exp = Experiment()
    assert exp == default_experiment()
    assert (exp.task, exp.cell) == ("wolf", "elman")
    task = make_task("wolf")
    assert exp.knobs == task.values and exp.output == task.output and exp.loss == task.loss
    assert exp.title and exp.description
    assert hash(exp) == hash(Experiment())


@pytest.mark.parametrize(
    ("field", "value", "accepted"),
    [
        ("cell", "rnn", "'elman', 'lstm', 'gru'"),
        ("activation", "softplus", "'sigmoid'"),
        ("n_hidden", 0, "integer >= 1"),
        ("n_hidden", 2.5, "integer >= 1"),
        ("n_hidden", True, "integer >= 1"),
        ("init", "zeros", "'orthogonal'"),
        ("ws_scale", -1.0, "None"),
        ("optimizer", "lbfgs", "'adam'"),
        ("lr", 0.0, "> 0"),
        ("lr", float("nan"), "> 0"),
        ("beta", 1.0, "[0, 1)"),
        ("beta1", -0.1, "[0, 1)"),
        ("beta2", "0.9", "[0, 1)"),
        ("rho", 1.5, "[0, 1)"),
        ("eps", 0, "> 0"),
        ("clip_norm", 0, "None (no clipping)"),
        ("clip_value", float("inf"), "None (no clipping)"),
        ("bptt_steps", 0, "None (full BPTT)"),
        ("update_every", 0, "integer >= 1"),
        ("batch_size", 10**6, "<= 4096"),
        ("seed", -1, "integer >= 0"),
        ("dtype", "float16", "'float64', 'float32'"),
        ("title", 3, "string"),
        ("task", "zebra", "expected one of"),
        ("knobs", [1], "dict"),
    ],
)
def test_invalid_values_are_refused_naming_the_field(field, value, accepted):
    with pytest.raises(ValueError) as info:
        Experiment(**{field: value})
    message = str(info.value)
    assert message.startswith(f"{field}: got ") and accepted in message


def test_output_and_loss_default_to_the_task_and_a_mismatch_is_refused():
    task = make_task("wolf")
    other = next(o for o in ("linear", "sigmoid", "softmax") if o != task.output)
    with pytest.raises(ValueError, match=f"output: got '{other}', but task 'wolf' needs"):
        Experiment(output=other)
    with pytest.raises(ValueError, match="loss: got 'nope', but task 'wolf' needs"):
        Experiment(loss="nope")
    assert Experiment(output=task.output, loss=task.loss) == Experiment()


def test_knobs_are_validated_by_making_the_task():
    with pytest.raises(ValueError, match="no_such_knob"):
        Experiment(knobs={"no_such_knob": 1})
    knob = make_task("wolf").knobs[0]
    exp = Experiment(knobs={knob.name: knob.default})
    assert exp.knobs == make_task("wolf").values


def test_json_round_trip_with_schema():
    exp = Experiment(
        cell="gru",
        n_hidden=7,
        clip_norm=None,
        bptt_steps=3,
        title="t",
        optimizer="rmsprop",
        dtype="float32",
        seed=11,
    )
    data = json.loads(exp.to_json())
    assert data["schema"] == 1 and data["cell"] == "gru" and data["clip_norm"] is None
    assert Experiment.from_json(exp.to_json()) == exp
    assert Experiment.from_dict({"schema": 1, "lr": 0.5}) == Experiment(lr=0.5)


def test_json_unknown_keys_are_refused_with_their_names():
    with pytest.raises(ValueError, match="unknown experiment keys: colour, n_hiden"):
        Experiment.from_dict({"schema": 1, "n_hiden": 3, "colour": "red"})
    with pytest.raises(ValueError, match="schema: got None, expected 1"):
        Experiment.from_dict({"lr": 0.1})
    with pytest.raises(ValueError, match="schema: got 7"):
        Experiment.from_json('{"schema": 7}')
    with pytest.raises(ValueError, match="expected a JSON object"):
        Experiment.from_json("[1, 2]")
    with pytest.raises(ValueError, match="lr: got -1"):
        Experiment.from_json('{"schema": 1, "lr": -1}')


def test_replace_returns_a_validated_copy():
    exp = Experiment()
    assert exp.replace(lr=0.5).lr == 0.5 and exp.lr != 0.5
    with pytest.raises(ValueError, match="n_hidden: got -2"):
        exp.replace(n_hidden=-2)
    with pytest.raises(ValueError, match="colour: unknown experiment field"):
        exp.replace(colour=1)
    with pytest.raises(AttributeError):
        exp.lr = 3


def test_changing_the_task_takes_its_knobs_output_and_loss():
    others = [name for name in TASKS if name != "wolf"]
    if not others:
        pytest.skip("only one task is registered")
    for name in others:
        exp = Experiment().replace(task=name)
        task = make_task(name)
        assert exp.knobs == task.values and (exp.output, exp.loss) == (task.output, task.loss)


def test_changing_the_task_takes_its_title_and_description_unless_given():
    wolf = Experiment()
    for name in TASKS:
        if name == "wolf":
            continue
        exp = wolf.with_values({"task": name})  # as --set task=NAME and the window's combo
        assert (exp.title, exp.description) == (TASKS[name].title, TASKS[name].description)
        assert exp.title != wolf.title
        mine = wolf.replace(task=name, title="My run", description="Mine.")
        assert (mine.title, mine.description) == ("My run", "Mine.")
    assert wolf.replace(task="wolf", lr=0.5).title == wolf.title  # same task: kept
    assert Experiment().replace(title="Kept").with_values({"task.gap": 3}).title == "Kept"


def test_with_values_parses_strings_by_field_and_knob_type():
    knob = next(k for k in make_task("wolf").knobs if k.kind == "int")
    value = knob.default + 1 if knob.high is None or knob.default < knob.high else knob.default - 1
    exp = Experiment().with_values(
        {
            "lr": "0.25",
            "clip_norm": "none",
            "bptt_steps": "3",
            "cell": "gru",
            "n_hidden": "9",
            "ws_scale": "1.5",
            f"task.{knob.name}": str(value),
        }
    )
    assert (exp.lr, exp.clip_norm, exp.bptt_steps, exp.cell) == (0.25, None, 3, "gru")
    assert exp.n_hidden == 9 and exp.ws_scale == 1.5 and exp.knobs[knob.name] == value
    assert Experiment().with_values({"lr": 0.5}).lr == 0.5
    with pytest.raises(ValueError, match="lr: got 'fast', expected a number"):
        Experiment().with_values({"lr": "fast"})
    with pytest.raises(ValueError, match=r"n_hidden: got '2\.5', expected a whole number"):
        Experiment().with_values({"n_hidden": "2.5"})
    with pytest.raises(ValueError, match=r"task\.nope: unknown knob of task 'wolf'"):
        Experiment().with_values({"task.nope": "1"})
    with pytest.raises(ValueError, match="colour: unknown experiment field"):
        Experiment().with_values({"colour": "red"})
    with pytest.raises(ValueError, match=f"task.{knob.name}: got 'x'"):
        Experiment().with_values({f"task.{knob.name}": "x"})
