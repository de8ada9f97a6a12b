"""Provision one radio: all of the profile or none of it, verified by reading it back.

Each attempt reads the radio, sends only what differs in one settings transaction, reconnects
and reads everything back. A dropped link, a timeout or a setting the radio did not take is an
attempt that failed, reported, and retried. If every attempt fails, the radio is put back to the
settings it had before we started, and that is verified too. The outcome names which of the
three a technician holds: configured, untouched/restored, or (only if even the restore failed)
partial, with the list of what differs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from nsplink.provision.device import DEFAULT_TIMEOUT_S, RadioAddress, RadioLink
from nsplink.provision.errors import ProvisionError
from nsplink.provision.settings import (
    Drift,
    RadioSettings,
    Target,
    apply_target,
    changes,
    current,
    diff,
    wanted,
)

log = logging.getLogger("nsplink.provision")

Outcome = Literal["configured", "already", "untouched", "restored", "partial"]
Notify = Callable[[str, dict[str, object]], None]


@dataclass(frozen=True)
class Attempt:
    number: int
    error: ProvisionError | None = None  # the link failed
    drift: tuple[Drift, ...] = ()  # or the radio did not take these settings


@dataclass(frozen=True)
class Change:
    path: str
    before: str
    after: str


@dataclass
class ProvisionResult:
    outcome: Outcome
    original: RadioSettings
    final: RadioSettings | None
    changed: list[Change] = field(default_factory=list)  # verified, original -> final
    remaining: list[Drift] = field(default_factory=list)  # final vs the profile
    attempts: list[Attempt] = field(default_factory=list)
    governed: int = 0  # how many settings were compared

    @property
    def ok(self) -> bool:
        return self.outcome in ("configured", "already")


@dataclass
class Provisioner:
    addr: RadioAddress
    target: Target
    attempts: int = 3
    timeout: float = DEFAULT_TIMEOUT_S
    settle_wait: float = 30.0  # how long a radio may take to come back after a commit
    restart_wait: float = 15.0  # how long to wait for the restart a commit causes (firmware: 7 s)
    notify: Notify = field(default=lambda key, params: None)

    def _open(self) -> RadioLink:
        return RadioLink.open_patiently(self.addr, self.timeout, self.settle_wait)

    def _read_fresh(self) -> RadioSettings:
        link = self._open()
        try:
            return link.read()
        finally:
            link.close()

    def run(self) -> ProvisionResult:
        # errors here: nothing was touched, let them through at once (no waiting for a restart)
        link = RadioLink.open(self.addr, self.timeout)
        try:
            original = link.read()
        finally:
            link.close()
        governed = len(wanted(self.target))
        if not diff(self.target, original):
            self.notify("provision.ev_already", {})
            return ProvisionResult("already", original, original, governed=governed)
        tried: list[Attempt] = []
        for number in range(1, self.attempts + 1):
            self.notify("provision.ev_attempt", {"n": number, "of": self.attempts})
            try:
                final = self._attempt()
            except ProvisionError as err:
                log.warning("provision attempt %d failed: %s", number, err)
                self.notify("provision.ev_failed", {"n": number, "reason": err})
                tried.append(Attempt(number, error=err))
                continue
            remaining = diff(self.target, final)
            if not remaining:
                return ProvisionResult(
                    "configured",
                    original,
                    final,
                    changed=self._changed(original, final),
                    attempts=tried,
                    governed=governed,
                )
            self.notify("provision.ev_drift", {"n": number, "count": len(remaining)})
            tried.append(Attempt(number, drift=tuple(remaining)))
        return self._restore(original, tried, governed)

    def _attempt(self) -> RadioSettings:
        link = self._open()
        try:
            before = link.read()
            desired = apply_target(self.target, before)
            todo = changes(before, desired)
            if not todo.empty:
                self.notify("provision.ev_writing", {"count": todo.count})
                link.write(desired, todo)
                self._await_restart(link)
        finally:
            link.close()
        self.notify("provision.ev_verifying", {})
        return self._read_fresh()

    def _await_restart(self, link: RadioLink) -> None:
        self.notify("provision.ev_restart", {})
        if not link.wait_for_restart(self.restart_wait):
            log.info(
                "radio %s did not restart within %.0f s of the commit",
                self.addr.url,
                self.restart_wait,
            )

    def _restore(
        self, original: RadioSettings, tried: list[Attempt], governed: int
    ) -> ProvisionResult:
        """Every attempt failed: make sure the radio is as we found it, and say which it is."""
        self.notify("provision.ev_restoring", {})
        final: RadioSettings | None = None
        for _ in range(self.attempts):
            try:
                link = self._open()
                try:
                    now = link.read()
                    todo = changes(now, original)
                    if todo.empty:
                        outcome: Outcome = "untouched" if final is None else "restored"
                        return self._give_up(outcome, original, now, tried, governed)
                    link.write(original, todo)
                    self._await_restart(link)
                finally:
                    link.close()
                final = self._read_fresh()
                if changes(final, original).empty:
                    return self._give_up("restored", original, final, tried, governed)
            except ProvisionError as err:
                log.warning("restoring the radio's settings failed: %s", err)
                self.notify("provision.ev_failed", {"n": "-", "reason": err})
        try:  # one last look, so the report shows what is on the radio now, not a guess
            final = self._read_fresh()
        except ProvisionError as err:
            log.warning("cannot read the radio after restoring failed: %s", err)
        if final is not None and changes(final, original).empty:
            return self._give_up("restored", original, final, tried, governed)
        return self._give_up("partial", original, final, tried, governed)

    def _give_up(
        self,
        outcome: Outcome,
        original: RadioSettings,
        final: RadioSettings | None,
        tried: list[Attempt],
        governed: int,
    ) -> ProvisionResult:
        remaining = diff(self.target, final) if final is not None else []
        changed = self._changed(original, final) if final is not None else []
        return ProvisionResult(outcome, original, final, changed, remaining, tried, governed)

    def _changed(self, original: RadioSettings, final: RadioSettings) -> list[Change]:
        paths = list(wanted(self.target))
        a, b = current(original, paths), current(final, paths)
        return [Change(p, a[p], b[p]) for p in paths if a[p] != b[p]]


def check(
    addr: RadioAddress, target: Target, timeout: float = DEFAULT_TIMEOUT_S, wait: float = 5.0
) -> tuple[RadioSettings, list[Drift]]:
    """Read a radio and list how it differs from `target` (empty: it matches). Waits up to
    `wait` seconds for a radio that is restarting (as it does right after provisioning)."""
    link = RadioLink.open_patiently(addr, timeout, wait)
    try:
        settings = link.read()
    finally:
        link.close()
    return settings, diff(target, settings)
