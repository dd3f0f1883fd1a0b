"""The probe process: probes run in a child process, so that one past its time limit (or
one that exhausts memory, or crashes inside torch) can be stopped without ending the run.

The child is spawned, not forked: a forked copy of a process that has touched CUDA cannot
use CUDA. It imports torch once and serves findings one at a time over a pipe.
"""

from __future__ import annotations

import multiprocessing
import time
import warnings

from lnlint.confirm import ConfirmError, ConfirmSettings, confirm_one, empty_confirmation, import_torch, select_device
from lnlint.findings import Finding


def _serve(connection, settings: ConfirmSettings) -> None:
    # CPU wheels without numpy warn when torch first touches it; not the user's concern.
    warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
    try:
        torch = import_torch()
        device = select_device(settings.device)
        from lnlint.confirm.probes import PROBES
    except ConfirmError as error:
        connection.send(("error", str(error)))
        return
    connection.send(("ready", {"device": str(device), "torch_version": torch.__version__, "codes": sorted(PROBES)}))
    while True:
        try:
            finding = connection.recv()
        except EOFError:
            return
        connection.send(confirm_one(finding, settings, device))


class ProbeWorker:
    """One probe process. `confirm` waits at most `settings.timeout` seconds for an answer;
    past that the process is killed and the finding gets verdict `error`."""

    def __init__(self, settings: ConfirmSettings) -> None:
        self.settings = settings
        context = multiprocessing.get_context("spawn")
        self._connection, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, settings), daemon=True, name="lnlint-probe")
        self._process.start()
        child.close()
        try:
            status, detail = self._connection.recv()
        except (EOFError, OSError):
            self.close()
            raise ConfirmError(f"the probe process ended before it started (exit code {self._process.exitcode})") from None
        if status == "error":
            self.close()
            raise ConfirmError(detail)
        self.device, self.torch_version = detail["device"], detail["torch_version"]
        self.codes = frozenset(detail["codes"])

    @property
    def alive(self) -> bool:
        return self._process.is_alive()

    def confirm(self, finding: Finding) -> dict[str, object]:
        start = time.perf_counter()
        try:
            self._connection.send(Finding(**{**vars(finding), "confirmation": None}))
            if self._connection.poll(self.settings.timeout):
                return self._connection.recv()
            why = f"timed out after {self.settings.timeout:g} s; the probe was stopped"
        except (EOFError, OSError):
            why = f"the probe process died (exit code {self._process.exitcode})"
        self.close()
        result = empty_confirmation(self.device, self.torch_version, self.settings.seed)
        result.update(verdict="error", summary=f"error: {why}", seconds=round(time.perf_counter() - start, 3))
        return result

    def close(self) -> None:
        """Stop the process now (a probe it is running is abandoned)."""
        self._connection.close()
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
