"""The job file: defaults, and refusal of wrong fields with the field's name in the message."""

from __future__ import annotations

import json

import pytest

from brightrun_trainer.errors import TrainerError
from brightrun_trainer.job import load_job, parse_job

MINIMAL = {"job_id": "j1", "dataset_path": "/data/train.jsonl", "base_model": "org/model", "output_dir": "/out"}


def test_minimal_job_takes_the_contract_defaults():
    job = parse_job(MINIMAL)
    hp = job.hyperparameters
    assert (hp.learning_rate, hp.batch_size, hp.num_epochs, hp.lora_rank, hp.lora_alpha) == (2e-4, 4, 3, 8, 16)
    assert hp.target_modules is None and hp.max_steps is None and hp.eval_steps is None
    assert (job.gpu.type, job.gpu.count, job.qlora) == ("cpu", 1, False)
    assert job.adapter_dir == "/out/adapter" and job.checkpoints_dir == "/out/checkpoints"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"job_id": ""}, "job_id"),
        ({"dataset_path": "relative/train.jsonl"}, "dataset_path"),
        ({"output_dir": None}, "output_dir"),
        ({"qlora": "yes"}, "qlora"),
        ({"gpu": {"type": "A100", "count": 0}}, "gpu.count"),
        ({"hyperparameters": {"batch_size": 0}}, "hyperparameters.batch_size"),
        ({"hyperparameters": {"batch_size": 2.5}}, "hyperparameters.batch_size"),
        ({"hyperparameters": {"learning_rate": "fast"}}, "hyperparameters.learning_rate"),
        ({"hyperparameters": {"validation_split": 1.0}}, "hyperparameters.validation_split"),
        ({"hyperparameters": {"target_modules": [1, 2]}}, "hyperparameters.target_modules"),
    ],
)
def test_wrong_field_is_an_invalid_job_naming_it(change, field):
    with pytest.raises(TrainerError) as caught:
        parse_job({**MINIMAL, **change})
    assert caught.value.kind == "invalid_job"
    assert field in caught.value.message


def test_unreadable_job_file_is_an_invalid_job(tmp_path):
    path = tmp_path / "job.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(TrainerError) as caught:
        load_job(str(path))
    assert caught.value.kind == "invalid_job"


def test_null_optional_fields_are_accepted(tmp_path):
    raw = {**MINIMAL, "validation_path": None, "hyperparameters": {"max_steps": None, "eval_steps": None}}
    path = tmp_path / "job.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    assert load_job(str(path)).hyperparameters.max_steps is None


def test_speed_settings_default_and_are_checked():
    from brightrun_trainer.job import parse_job

    base = {"job_id": "j", "dataset_path": "/d.jsonl", "base_model": "m", "output_dir": "/o"}
    hp = parse_job(base).hyperparameters
    assert (hp.gradient_checkpointing, hp.packing, hp.save_total_limit) == ("auto", "padding_free", 2)
    hp = parse_job(
        {**base, "hyperparameters": {"gradient_checkpointing": "on", "packing": "none", "save_total_limit": None}}
    ).hyperparameters
    assert (hp.gradient_checkpointing, hp.packing, hp.save_total_limit) == ("on", "none", None)
    # The same settings at the top level of the job file are read too.
    hp = parse_job({**base, "packing": "group_by_length", "gradient_checkpointing": "off"}).hyperparameters
    assert (hp.packing, hp.gradient_checkpointing) == ("group_by_length", "off")
    for bad in ({"packing": "pack"}, {"gradient_checkpointing": True}, {"save_total_limit": 0}):
        with pytest.raises(TrainerError) as caught:
            parse_job({**base, "hyperparameters": bad})
        assert caught.value.kind == "invalid_job" and next(iter(bad)) in caught.value.message
