"""What happens at the sites besides the radio: people arriving with emergencies, visitors and
staff, a generator burning fuel. Deterministic per seed; no clock, no I/O.

Used by the virtual-time runner and by `--live`, so a drill injects the same messages a
simulation of the same seed would.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from nsplink.protocol import (
    Answer,
    Callback,
    Category,
    Emergency,
    Incident,
    NspState,
    Observation,
    Power,
    Services,
    Sitrep,
)
from nsplink.scenario.schema import Scenario, SiteSpec

HOUR = 3600.0
# the services a volunteer would tick for each kind of incident
SERVICES = {
    Incident.MED: Services.A,
    Incident.LET: Services.A,
    Incident.REA: Services.A,
    Incident.BRA: Services.B,
    Incident.CO: Services.A | Services.B,
    Incident.GAS: Services.B,
    Incident.LIFT: Services.B,
    Incident.APP: Services.A,
    Incident.GEW: Services.P,
    Incident.WAT: Services.B,
    Incident.VER: Services.P,
    Incident.OVR: Services.P,
}
TEXTS = {
    Incident.MED: "Oudere man onwel, kortademig; buurvrouw is bij hem.",
    Incident.LET: "Vrouw gevallen op donkere trap, pols waarschijnlijk gebroken.",
    Incident.REA: "Reanimatie bezig door buurman, AED nodig.",
    Incident.BRA: "Kaars omgevallen, brand in woonkamer, bewoners buiten.",
    Incident.CO: "Gezin met hoofdpijn en misselijkheid, houtkachel binnen gebruikt.",
    Incident.GAS: "Sterke gaslucht in portiek.",
    Incident.LIFT: "Twee personen opgesloten in lift van flat, 4e verdieping.",
    Incident.APP: "Zuurstofapparaat accu bijna leeg, patiënt thuis, heeft stroom nodig.",
    Incident.GEW: "Ruzie bij supermarkt, iemand bedreigd.",
    Incident.WAT: "Riool loopt over in kelder, water stijgt.",
    Incident.VER: "Dementerende man (82) sinds vanochtend vermist.",
    Incident.OVR: "Onrust bij tankstation.",
}


@dataclass(frozen=True)
class PlannedEmergency:
    at: float
    site: str
    body: Emergency


def plan_emergencies(scenario: Scenario, seed: int) -> list[PlannedEmergency]:
    """Arrivals per NSP as a Poisson process per rate window (night windows included); the
    NSP's own closed hours are skipped by the caller, which knows whether it is open."""
    out: list[PlannedEmergency] = []
    for name in scenario.emergency_sites:
        spec = scenario.site(name)
        rng = random.Random(f"{seed}/emergency/{name}")
        for w in scenario.emergency_rates:
            if w.per_hour <= 0:
                continue
            t = w.start + rng.expovariate(w.per_hour / HOUR)
            while t < w.end:
                incident = rng.choice(w.incidents)
                out.append(PlannedEmergency(t, name, _emergency(spec, incident, rng)))
                t += rng.expovariate(w.per_hour / HOUR)
    out.sort(key=lambda p: (p.at, p.site))
    return out


def _emergency(spec: SiteSpec, incident: Incident, rng: random.Random) -> Emergency:
    street = rng.choice(spec.streets) if spec.streets else "Onbekend"
    life = Answer.JA if incident in (Incident.REA, Incident.CO) else Answer.ONB
    return Emergency(
        incident=incident,
        services=SERVICES[incident],
        people_involved=rng.randint(1, 4),
        life_threat=life,
        callback=Callback.NSP if rng.random() < 0.6 else Callback.TER,
        street=street,
        number=str(rng.randint(1, 180)),
        place=spec.place,
        text=TEXTS[incident],
    )


def is_night(t: float, start_hour: float = 16.0) -> bool:
    """The outage starts at 16:00 local time by default; night is 22:00-07:00."""
    hour = (start_hour + t / HOUR) % 24
    return hour >= 22 or hour < 7


@dataclass
class SiteModel:
    """Fuel, visitors and staff of one post over the run."""

    spec: SiteSpec
    fuel_l: float = 0.0
    since: float = 0.0  # time of the last sitrep
    running_since: float | None = None  # generator running (site powered) since

    def __post_init__(self) -> None:
        self.fuel_l = self.spec.generator.fuel_l if self.spec.generator else 0.0

    def power_up(self, t: float) -> None:
        if self.running_since is None:
            self.running_since = t

    def power_down(self, t: float) -> None:
        self.burn(t)
        self.running_since = None

    def burn(self, t: float) -> None:
        gen = self.spec.generator
        if gen is None or self.running_since is None:
            return
        self.fuel_l = max(0.0, self.fuel_l - gen.burn_l_per_h * (t - self.running_since) / HOUR)
        self.running_since = t

    def dry_at(self) -> float | None:
        """When the generator stops, if it runs on without a refuel."""
        gen = self.spec.generator
        if gen is None or self.running_since is None:
            return None
        return self.running_since + self.fuel_l / gen.burn_l_per_h * HOUR

    def refuel(self, t: float, litres: float) -> None:
        self.burn(t)
        self.fuel_l += litres

    def hours_left(self, t: float) -> int:
        gen = self.spec.generator
        if gen is not None:
            self.burn(t)
            return max(0, min(255, int(self.fuel_l / gen.burn_l_per_h)))
        return max(0, min(255, self.spec.battery_h - int(t / HOUR)))

    def sitrep(self, t: float, rng: random.Random, state: NspState = NspState.OPEN) -> Sitrep:
        """Visitors since the last report grow day by day and fall at night (docs/setting.md §2)."""
        hours = max(0.0, (t - self.since) / HOUR)
        self.since = t
        day = int(t // (24 * HOUR))
        night = is_night(t)
        factor = (1.0 + 0.5 * day) * (0.25 if night else 1.0)
        visitors = int(self.spec.visitors_per_hour * hours * factor * rng.uniform(0.8, 1.2))
        pro, vol = self.spec.staff_night if night else self.spec.staff_day
        left = self.hours_left(t)
        gen = self.spec.generator
        power = Power.AGG if gen is not None and self.fuel_l > 0 else Power.ACCU
        if gen is not None and self.fuel_l <= 0:
            power = Power.GEEN
        needs: list[Category] = []
        if t > 20 * HOUR:
            needs.append(Category.WATER)
        if gen is not None and left < 8:
            needs.append(Category.BRST)
        if t > 36 * HOUR:
            needs += [Category.MEDI, Category.WARM]
        obs: list[Observation] = []
        if t > 4 * HOUR:
            obs.append(Observation.WATERDRUK)
        if night:
            obs.append(Observation.KOU)
        if t > 8 * HOUR:
            obs.append(Observation.RIOOL)
        if t > 48 * HOUR:
            obs.append(Observation.ONRUST)
        return Sitrep(
            nsp_state=state,
            power=power,
            power_hours=left,
            staff_pro=pro,
            staff_vol=vol,
            visitors=visitors,
            fuel_l=int(self.fuel_l) if gen is not None else None,
            queue=visitors // 12,
            needs=tuple(needs[:4]),
            observations=tuple(obs[:4]),
            text="Veel vragen: hoe lang duurt het nog?"
            if day == 0
            else "Vermoeidheid bij vrijwilligers.",
        )
