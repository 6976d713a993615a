"""`crm-ai-trainer`: run a worker against a crm-ai service, show what this machine can train, or merge an
adapter into its base model."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="crm-ai-trainer", description=__doc__)
    parser.add_argument("--server", default=os.environ.get("CRM_AI_SERVER"), help="the crm-ai service URL")
    parser.add_argument(
        "--token", default=os.environ.get("CRM_AI_TRAINER_TOKEN"), help="the worker's token (shown once)"
    )
    parser.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="ID=PATH",
        help="a catalogue model id and the local directory of its weights (repeatable)",
    )
    parser.add_argument("--offline", action="store_true", help="train only the models given with --model")
    parser.add_argument("--work-dir", help="scratch space for datasets, checkpoints and outputs")
    parser.add_argument("--checkpoint-every", type=int, default=50, help="steps between checkpoints")
    parser.add_argument("--micro-batch", type=int, default=8, help="largest micro-batch; the rest accumulates")
    parser.add_argument("--max-seq-length", type=int, default=2048)
    parser.add_argument("--gradient-checkpointing", choices=["auto", "on", "off"], default="auto")
    parser.add_argument("--once", action="store_true", help="exit when no job is waiting")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("hardware", help="print what this machine can train, as JSON")
    merge_parser = sub.add_parser("merge", help="merge a LoRA adapter into its base model")
    merge_parser.add_argument("--base", required=True)
    merge_parser.add_argument("--adapter", required=True)
    merge_parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    if args.command == "hardware":
        from .hardware import detect

        print(json.dumps(detect().as_json()))
        return 0
    if args.command == "merge":
        from .merge import merge

        print(merge(args.base, args.adapter, args.out))
        return 0
    if not args.server or not args.token:
        parser.error("--server and --token are required (or CRM_AI_SERVER and CRM_AI_TRAINER_TOKEN)")

    from .worker import Options, Worker

    models = {}
    for pair in args.model:
        model_id, _, path = pair.partition("=")
        if not path:
            parser.error(f"--model takes ID=PATH, not {pair}")
        models[model_id] = path
    options = Options(
        server=args.server,
        token=args.token,
        models=models,
        hub=not args.offline,
        checkpoint_every=args.checkpoint_every,
        max_micro_batch=args.micro_batch,
        max_seq_length=args.max_seq_length,
        gradient_checkpointing={"auto": None, "on": True, "off": False}[args.gradient_checkpointing],
        once=args.once,
    )
    if args.work_dir:
        options.work_dir = args.work_dir
    Worker(options).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
