"""The worker's side of the trainer protocol (docs/trainer-protocol.md): token-authenticated JSON and file
transfers to the crm-ai service. Transient failures (connection errors, 5xx) are retried with backoff; a
4xx is the service's answer and is raised as it is."""

from __future__ import annotations

import time

import requests

API = "/api/trainer/v1"


class ProtocolError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code


class Client:
    def __init__(self, server: str, token: str, timeout: float = 60, retries: int = 5):
        self.base = server.rstrip("/") + API
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.timeout = timeout
        self.retries = retries

    def _call(self, method: str, path: str, **kwargs) -> requests.Response:
        for attempt in range(self.retries + 1):
            try:
                response = self.session.request(method, self.base + path, timeout=self.timeout, **kwargs)
            except requests.ConnectionError:
                if attempt == self.retries:
                    raise
            else:
                if response.status_code < 500 or attempt == self.retries:
                    if response.status_code >= 400:
                        try:
                            body = response.json().get("error", {})
                        except ValueError:
                            body = {}
                        raise ProtocolError(
                            response.status_code,
                            body.get("code", "HTTP_ERROR"),
                            body.get("message", response.text[:200]),
                        )
                    return response
            time.sleep(min(30, 0.5 * 2**attempt))
        raise AssertionError("unreachable")

    def register(self, hardware: dict, models: list[str], hub: bool) -> dict:
        return self._call("POST", "/register", json={**hardware, "models": models, "hub": hub}).json()

    def claim(self) -> dict | None:
        response = self._call("POST", "/claim", json={})
        return None if response.status_code == 204 else response.json()

    def dataset(self, job_id: str) -> str:
        return self._call("GET", f"/jobs/{job_id}/dataset").text

    def checkpoint(self, job_id: str, path: str) -> bool:
        """Downloads the job's latest checkpoint to `path`; False when it has none."""
        try:
            response = self._call("GET", f"/jobs/{job_id}/checkpoint", stream=True)
        except ProtocolError as error:
            if error.code == "CHECKPOINT_NOT_FOUND":
                return False
            raise
        with open(path, "wb") as file:
            for chunk in response.iter_content(1 << 20):
                file.write(chunk)
        return True

    def upload_checkpoint(self, job_id: str, step: int, archive: str) -> None:
        with open(archive, "rb") as file:
            self._call(
                "PUT",
                f"/jobs/{job_id}/checkpoint",
                params={"step": step},
                data=file,
                headers={"Content-Type": "application/octet-stream"},
            )

    def progress(self, job_id: str, step: int, total_steps: int, metric: dict | None) -> dict:
        body = {"step": step, "totalSteps": total_steps, "metrics": [metric] if metric else []}
        return self._call("POST", f"/jobs/{job_id}/progress", json=body).json()

    def heartbeat(self, job_id: str) -> dict:
        return self._call("POST", f"/jobs/{job_id}/heartbeat", json={}).json()

    def upload_artifact(self, job_id: str, archive: str) -> None:
        with open(archive, "rb") as file:
            self._call(
                "PUT", f"/jobs/{job_id}/artifact", data=file, headers={"Content-Type": "application/octet-stream"}
            )

    def complete(self, job_id: str, result: dict) -> None:
        self._call("POST", f"/jobs/{job_id}/complete", json={"result": result})

    def fail(self, job_id: str, error: str) -> None:
        self._call("POST", f"/jobs/{job_id}/fail", json={"error": error[:2000]})

    def stop(self, job_id: str) -> dict:
        return self._call("POST", f"/jobs/{job_id}/stop", json={}).json()
