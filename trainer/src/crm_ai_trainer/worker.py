"""The worker: registers its hardware, claims `self-hosted` jobs one at a time, trains each with the job's
method and hyperparameters, reports every step, checkpoints to the service (so another worker can resume a
job this one dies in), uploads the result, and stops within one step of a cancel."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from transformers import AutoTokenizer

from . import checkpoint, data, loop, methods
from .client import Client, ProtocolError
from .hardware import Hardware, detect

log = logging.getLogger("crm_ai_trainer")


@dataclass
class Options:
    server: str
    token: str
    # Catalogue model id -> local directory of its weights (a GPU host's copies); others load from the hub.
    models: dict[str, str] = field(default_factory=dict)
    hub: bool = True
    work_dir: str = field(default_factory=lambda: os.path.join(tempfile.gettempdir(), "crm-ai-trainer"))
    checkpoint_every: int = 50
    max_micro_batch: int = 8
    max_seq_length: int = 2048
    gradient_checkpointing: bool | None = None  # None: on a GPU, yes
    poll_seconds: float | None = None
    once: bool = False  # stop when no job is waiting (tests, cron)


class Worker:
    def __init__(self, options: Options, hardware: Hardware | None = None):
        self.options = options
        self.client = Client(options.server, options.token)
        self.hardware = hardware or detect()

    def run(self) -> None:
        answer = self.client.register(self.hardware.as_json(), list(self.options.models), self.options.hub)
        poll = self.options.poll_seconds or answer.get("pollSeconds", 5)
        log.info("registered as %s on %s (%s)", answer.get("trainerId"), self.hardware.name, self.hardware.device)
        while True:
            claimed = self.client.claim()
            if claimed is None:
                if self.options.once:
                    return
                time.sleep(poll)
                continue
            self.run_job(claimed)

    def run_job(self, claimed: dict) -> None:
        job = claimed["job"]
        job_id = job["id"]
        directory = os.path.join(self.options.work_dir, job_id)
        os.makedirs(directory, exist_ok=True)
        try:
            with self._heartbeat(job_id, claimed.get("leaseSeconds", 120)):
                result = self._train(job, directory)
        except loop.Stopped:
            answer = self.client.stop(job_id)
            log.info("job %s stopped (%s)", job_id, answer.get("status"))
        except ProtocolError as error:
            # The service no longer lets this worker write the job (its lease passed to another worker).
            log.warning("job %s left: %s", job_id, error)
        except Exception as error:
            log.exception("job %s failed", job_id)
            self.client.fail(job_id, f"{type(error).__name__}: {error}")
        else:
            self.client.complete(job_id, result)
            log.info("job %s succeeded", job_id)
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    @contextmanager
    def _heartbeat(self, job_id: str, lease_seconds: float):
        """Renews the job's lease while loading a model, between slow steps and while uploading, so only a
        worker that is gone (not one that is busy) loses its job."""
        stop = threading.Event()

        def beat():
            while not stop.wait(max(1.0, lease_seconds / 3)):
                try:
                    self.client.heartbeat(job_id)
                except Exception as error:  # the next progress report decides what happens to the job
                    log.warning("heartbeat for job %s failed: %s", job_id, error)

        thread = threading.Thread(target=beat, daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def _train(self, job: dict, directory: str) -> dict:
        job_id, method = job["id"], job["method"]
        model_path = self.options.models.get(job["baseModel"]) or job["huggingFaceModel"]
        params = methods.Hyperparameters.from_job(job["hyperparameters"])
        tokenizer = AutoTokenizer.from_pretrained(model_path)
        data.ensure_chat_template(tokenizer)
        train_rows, validation_rows = data.read_export(self.client.dataset(job_id))
        encode = lambda rows: [data.encode(tokenizer, m, self.options.max_seq_length) for m in rows]  # noqa: E731
        train, validation = encode(train_rows), encode(validation_rows)
        if not train:
            raise ValueError("the dataset has no training examples")

        device = self.hardware.device
        checkpointing = self.options.gradient_checkpointing
        if checkpointing is None:
            checkpointing = device == "cuda"
        model = methods.build(method, model_path, params, device, self.hardware.bf16, checkpointing)
        trainable, total = methods.parameter_counts(model)

        resume_from = None
        archive = os.path.join(directory, "resume.tar.gz")
        if self.client.checkpoint(job_id, archive):
            resume_from = checkpoint.unpack(archive, os.path.join(directory, "resume"))
            log.info("job %s resumes from its checkpoint", job_id)

        def report(step: int, total_steps: int, metric: dict) -> bool:
            answer = self.client.progress(job_id, step, total_steps, metric)
            return bool(answer.get("keepGoing", True))

        def save_checkpoint(step: int, folder: str) -> None:
            packed = checkpoint.pack(folder, f"{folder}.tar.gz")
            self.client.upload_checkpoint(job_id, step, packed)
            shutil.rmtree(folder, ignore_errors=True)
            os.remove(packed)

        summary = loop.train(
            model,
            train,
            validation,
            params,
            device=device,
            pad_id=tokenizer.pad_token_id,
            report=report,
            save_checkpoint=save_checkpoint,
            checkpoint_every=self.options.checkpoint_every,
            resume_from=resume_from,
            max_micro_batch=self.options.max_micro_batch,
            work_dir=directory,
        )

        output = os.path.join(directory, "output")
        # PEFT writes the adapter alone (adapter_model.safetensors); a full fine-tune writes every weight.
        model.save_pretrained(output, safe_serialization=True)
        tokenizer.save_pretrained(output)
        self.client.upload_artifact(job_id, checkpoint.pack(output, os.path.join(directory, "artifact.tar.gz")))
        return {
            **summary,
            "method": method,
            "artifactKind": "full" if method == "full" else "adapter",
            "trainableParams": trainable,
            "totalParams": total,
            "device": device,
            "hardware": self.hardware.name,
            "baseModelPath": job["huggingFaceModel"],
        }
