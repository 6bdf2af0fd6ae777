"""datagen train perception / train inpaint / train autoencoder / eval / infer (the optional
[train] extra). `--model NAME` picks the inpainter (sttn, cssta, opn, rnot) when training and
guards eval and infer against a checkpoint holding another one.

torch is imported only inside the command functions, so `datagen` works without it;
without it these commands print one line saying how to install the extra.
"""
from __future__ import annotations

import argparse

from datagen.errors import UserError

INSTALL_HINT = "install the training extra: pip install -e '.[train]'"


def _require_torch() -> None:
    try:
        import torch  # noqa: F401
    except ImportError:
        raise UserError(INSTALL_HINT) from None


def _config(args, init_ck: dict | None = None):
    from datagen.recipe.load import apply_overrides
    from datagen.train.config import config_from_dict, load_config

    if args.config is None and init_ck is not None:  # stage 2 starts from stage 1's config
        raw = apply_overrides(init_ck["config"], list(args.set or []))
        if args.model:
            raw["model"] = args.model
        return config_from_dict(raw, f"{args.init} (config)")
    return load_config(args.config or "base", list(args.set or []), args.model)


def cmd_train(args) -> int:
    _require_torch()
    from datagen.train import checkpoint
    from datagen.train.loop import train

    init_ck = checkpoint.load(args.init) if getattr(args, "init", None) else None
    cfg = _config(args, init_ck)
    result = train(args.stage, cfg, args.data, args.out or f"runs/{args.stage}", init=init_ck,
                   resume=args.resume, gt_mask=getattr(args, "gt_mask", False), device=args.device,
                   steps=args.steps, max_minutes=args.max_minutes, progress=not args.quiet)
    print(result.summary())
    if args.stage == "autoencoder":
        print(f"use it for CSSTA's feature loss: --set model_options.cssta.autoencoder={result.out}/last.pt")
    return 0


def cmd_eval(args) -> int:
    _require_torch()
    from datagen.train.evaluate import evaluate, format_table

    report = evaluate(args.checkpoint, args.data, args.out, samples=args.samples, device=args.device,
                      telea_radius=args.telea_radius, progress=not args.quiet, model=args.model,
                      preview_dir=args.preview, preview_samples=args.preview_samples)
    print(format_table(report))
    print(f"-> {report['path']}")
    if "preview" in report:
        print(f"-> {report['preview']}")
    return 0


def cmd_infer(args) -> int:
    _require_torch()
    from datagen.train.infer import infer

    result = infer(args.video, args.checkpoint, args.out, mask_dir=args.mask_dir, band=args.band,
                   band_fraction=args.band_height, dilate=args.dilate, window=args.window, overlap=args.overlap,
                   threshold=args.threshold, lossless=args.lossless, crf=args.crf, device=args.device,
                   progress=not args.quiet, model=args.model)
    print(result.summary())
    return 0


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", default="auto", help="auto (CUDA if available), cpu, cuda or cuda:N")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _data(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", nargs="+", required=True, metavar="SHARDS",
                   help="shards: brace pattern ('data/x/shard-{000000..000031}.tar'), glob, folder or URL")


def _model(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--model", help=what)


def _train_args(p: argparse.ArgumentParser, model: bool = True) -> None:
    _data(p)
    p.add_argument("--config", help="tiny, base or a YAML file (default: base; for inpaint with --init: "
                                    "the --init checkpoint's config)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a config value, e.g. "
                                                                       "--set data.batch_size=8 (repeatable)")
    if model:
        _model(p, "inpainter from the model registry: sttn, cssta, opn, rnot (default: the config's)")
    else:
        p.set_defaults(model=None)
    p.add_argument("--out", help="run folder for checkpoints and logs (default runs/<stage>)")
    p.add_argument("--steps", type=int, help="train until this global step (default: the config's)")
    p.add_argument("--max-minutes", type=float, help="also stop (and checkpoint) after this much wall time")
    p.add_argument("--resume", action="store_true", help="continue from OUT/last.pt (exactly)")
    _common(p)
    p.set_defaults(func=cmd_train)


def register(sub) -> None:
    p = sub.add_parser("train", help="train the bundled two-stage remover on shards (needs torch)",
                       description="Stage 1 (perception): find overlays. Stage 2 (inpaint): remove them, end to end. "
                                   "autoencoder: CSSTA's IM2IM for its feature loss. "
                                   "Multi-GPU: torchrun --nproc_per_node N -m datagen.cli train ...")
    stages = p.add_subparsers(dest="stage", metavar="STAGE", parser_class=type(p))
    stages.required = True
    s1 = stages.add_parser("perception", help="stage 1: predict the overlay mask from the corrupted clip")
    _train_args(s1)
    s2 = stages.add_parser("inpaint", help="stage 2: perception mask -> inpainter, trained end to end")
    _train_args(s2)
    s2.add_argument("--init", help="checkpoint to start from (stage 1's last.pt)")
    s2.add_argument("--gt-mask", action="store_true", help="train the inpainter on ground-truth masks instead")
    ae = stages.add_parser("autoencoder", help="CSSTA's IM2IM autoencoder on clean frames (its feature loss)")
    _train_args(ae, model=False)

    p = sub.add_parser("eval", help="PSNR/SSIM/IoU of checkpoints vs OpenCV Telea, one table (needs torch)")
    _data(p)
    p.add_argument("--checkpoint", required=True, nargs="+", metavar="CKPT",
                   help="one or more last.pt of either stage, compared in one table (same model size)")
    p.add_argument("--out", help="folder for eval.json (default: the checkpoint's folder; for several, "
                                 "the folder their runs share)")
    p.add_argument("--samples", type=int, help="evaluate only the first N clips")
    p.add_argument("--telea-radius", type=float, default=3.0, help="cv2.inpaint radius (default 3)")
    _model(p, "refuse stage-2 checkpoints holding another inpainter")
    p.add_argument("--preview", metavar="DIR", help="write side-by-side animations (corrupted | Telea | each "
                                                    "checkpoint | clean) and DIR/index.html")
    p.add_argument("--preview-samples", type=int, default=8, help="clips previewed with --preview (8)")
    _common(p)
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("infer", help="remove overlays from a video file (needs torch)")
    p.add_argument("video", help="input video (any length and resolution)")
    p.add_argument("--checkpoint", required=True, help="a stage-2 last.pt")
    p.add_argument("--out", required=True, help="output video file (e.g. OUT.mp4)")
    p.add_argument("--mask-dir", help="folder of per-frame masks (sorted; white = remove) instead of predicting")
    p.add_argument("--band", default="full", choices=["full", "bottom", "top"],
                   help="only remove inside this band of the frame (subtitles: bottom)")
    p.add_argument("--band-height", type=float, default=0.3, help="band height as a fraction of the frame (0.3)")
    p.add_argument("--dilate", type=int, default=4, help="grow the mask by this many pixels at full size (4)")
    p.add_argument("--window", type=int, help="frames per window (default: the config's data.frames)")
    p.add_argument("--overlap", type=int, help="frames shared by neighbouring windows (default: window // 2)")
    p.add_argument("--threshold", type=float, help="soft mask threshold (default: the config's, 0.5)")
    p.add_argument("--lossless", action="store_true", help="encode losslessly (libx264rgb, qp 0)")
    p.add_argument("--crf", type=int, default=18, help="H.264 quality when not lossless (18)")
    _model(p, "refuse a checkpoint holding another inpainter")
    _common(p)
    p.set_defaults(func=cmd_infer)
