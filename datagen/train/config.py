"""Training configs: YAML files validated by strict pydantic models.

A config is a bundled name (`tiny` for CPU tests, `base` for one GPU; files in
datagen/train/configs/) or a path to a YAML file. A file may start from another with
`extends: NAME_OR_PATH` (mappings merge key by key). Command-line overrides
(`--set stage1.steps=50`, parsed as in recipes) are applied last. Every problem is one line naming the
file and the key (`UserError`).

Model-specific options live under `model_options.<name>` and are validated by the
registry entry of that inpainter (every entry present, not only the chosen `model`, so
a typo in a config that holds options for several networks is caught at once); adding
a network adds no key here. `autoencoder` is the schedule of CSSTA's IM2IM
(`datagen train autoencoder`); its width follows `model_options.cssta.channels`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from datagen.errors import UserError
from datagen.recipe.load import apply_overrides, deep_merge

CONFIG_DIR = Path(__file__).resolve().parent / "configs"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class DataConfig(_Strict):
    width: int = Field(432, ge=8, description="model width: frames are resized to it")
    height: int = Field(240, ge=8)
    frames: int = Field(8, ge=1, description="frames per training clip (temporal crop)")
    strides: list[int] = Field([1], min_length=1, description="temporal strides to pick from")
    hflip: float = Field(0.5, ge=0, le=1, description="probability of a horizontal flip")
    reverse: float = Field(0.5, ge=0, le=1, description="probability of playing the clip backwards")
    batch_size: int = Field(4, ge=1, description="clips per batch per process")
    workers: int = Field(4, ge=0, description="loader worker processes per training process")
    shuffle_buffer: int = Field(200, ge=1, description="samples in the shuffle buffer")
    epoch_batches: int = Field(500, ge=1, description="batches per process between loader restarts")
    resampled: bool = Field(True, description="sample shards with replacement (infinite stream)")

    @model_validator(mode="after")
    def _positive_strides(self):
        if any(s < 1 for s in self.strides):
            raise ValueError("strides must be >= 1")
        return self


class PerceptionConfig(_Strict):
    channels: int = Field(32, ge=4, description="channels at full resolution (x2, x4 deeper)")
    attention_blocks: int = Field(2, ge=0)
    heads: int = Field(4, ge=1)


class DiscriminatorConfig(_Strict):
    channels: int = Field(64, ge=4)
    layers: int = Field(4, ge=2, le=8)


class LossConfig(_Strict):
    bce: float = Field(1.0, ge=0)
    dice: float = Field(1.0, ge=0)
    hole_l1: float = Field(1.0, ge=0)
    valid_l1: float = Field(1.0, ge=0)
    perception: float = Field(0.5, ge=0, description="stage 2: weight of the stage-1 loss kept on")
    temporal_variance: float = Field(0.1, ge=0)
    temporal_variance_threshold: float = Field(0.05, gt=0, lt=1, description="|out - in| (0..1) counted as changed")
    adversarial: float = Field(0.01, ge=0)
    gan: bool = Field(True, description="train the T-PatchGAN discriminator (hinge loss)")


class StageConfig(_Strict):
    steps: int = Field(1000, ge=1)
    lr: float = Field(2e-4, gt=0)
    lr_perception: float | None = Field(None, gt=0, description="stage 2: lr of the perception net (default lr)")
    lr_discriminator: float | None = Field(None, gt=0, description="default lr")
    warmup: int = Field(100, ge=0)
    schedule: Literal["cosine", "constant"] = "cosine"


class OptimConfig(_Strict):
    betas: tuple[float, float] = (0.9, 0.99)
    weight_decay: float = Field(0.0, ge=0)
    grad_clip: float = Field(1.0, ge=0, description="max gradient norm; 0 = off")


class RunConfig(_Strict):
    seed: int = 0
    log_every: int = Field(10, ge=1)
    image_every: int = Field(200, ge=1)
    ckpt_every: int = Field(500, ge=1)
    bf16: bool = Field(True, description="bf16 autocast on CUDA (ignored on CPU)")
    mask_threshold: float = Field(0.5, gt=0, lt=1, description="soft mask -> binary for IoU, eval and infer")


class TrainConfig(_Strict):
    name: str = "custom"
    model: str = Field("sttn", description="inpainter (see datagen.train.models.registry)")
    model_options: dict[str, dict[str, Any]] = Field(default_factory=dict)
    data: DataConfig = DataConfig()
    perception: PerceptionConfig = PerceptionConfig()
    discriminator: DiscriminatorConfig = DiscriminatorConfig()
    loss: LossConfig = LossConfig()
    stage1: StageConfig = StageConfig()
    stage2: StageConfig = StageConfig()
    autoencoder: StageConfig = StageConfig()
    optim: OptimConfig = OptimConfig()
    run: RunConfig = RunConfig()


def bundled_configs() -> dict[str, Path]:
    return {p.stem: p for p in sorted(CONFIG_DIR.glob("*.yaml"))}


def _resolve(name_or_path: str, relative_to: Path | None = None) -> Path:
    p = Path(name_or_path)
    if relative_to is not None and not p.is_absolute() and (relative_to / p).exists():
        return (relative_to / p).resolve()
    if p.suffix in (".yaml", ".yml") or "/" in name_or_path:
        if not p.is_file():
            raise UserError("config file not found", path=name_or_path)
        return p.resolve()
    bundled = bundled_configs()
    if name_or_path in bundled:
        return bundled[name_or_path]
    raise UserError(f"no bundled config '{name_or_path}' (bundled: {', '.join(bundled)}) and no such file")


def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"cannot read ({e})", path=str(path)) from None
    except yaml.YAMLError as e:
        raise UserError(f"invalid YAML: {str(e).splitlines()[0]}", path=str(path)) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UserError("a config must be a mapping of keys", path=str(path))
    return data


def _load_raw(path: Path, chain: tuple[Path, ...] = ()) -> dict:
    if path in chain:
        raise UserError("'extends' loops back to itself", path=str(path))
    raw = _read(path)
    parent = raw.pop("extends", None)
    if parent is None:
        return raw
    return deep_merge(_load_raw(_resolve(str(parent), path.parent), chain + (path,)), raw)


def validate(raw: dict, source: str) -> TrainConfig:
    try:
        cfg = TrainConfig.model_validate(raw)
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(x) for x in err["loc"]) or "(top level)"
        raise UserError(f"{where}: {err['msg']}", path=source) from None
    from datagen.train.models.registry import validate_options

    for name in dict.fromkeys([cfg.model, *cfg.model_options]):  # the chosen model first
        try:
            cfg.model_options[name] = validate_options(name, cfg.model_options.get(name, {}))
        except ValueError as e:
            unknown_choice = name == cfg.model and name not in cfg.model_options
            raise UserError(f"{'model' if unknown_choice else f'model_options.{name}'}: {e}", path=source) from None
    return cfg


def load_config(name_or_path: str, overrides: list[str] | None = None, model: str | None = None) -> TrainConfig:
    path = _resolve(str(name_or_path))
    raw = _load_raw(path)
    raw.setdefault("name", path.stem)
    raw = apply_overrides(raw, list(overrides or []))
    if model:
        raw["model"] = model
    return validate(raw, str(path))


def config_from_dict(raw: dict, source: str = "checkpoint") -> TrainConfig:
    return validate(dict(raw), source)
