"""Small builders for engine-on-medium tests: a line of sites and typical messages."""

from __future__ import annotations

from dataclasses import dataclass, field

from nsplink.protocol import (
    Bulletin,
    Deliver,
    DeliveryState,
    Effect,
    Emergency,
    Incident,
    MessageId,
    NspState,
    Outcome,
    Power,
    Services,
    Sitrep,
)
from nsplink.radio.sim import Medium
from nsplink.scenario.network import SimNetwork, SimSite


@dataclass
class Recorder:
    """Every outcome and delivery, with virtual time, for assertions."""

    outcomes: list[tuple[str, Outcome, float]] = field(default_factory=list)
    deliveries: list[tuple[str, Deliver, float]] = field(default_factory=list)
    effects: list[tuple[str, Effect, float]] = field(default_factory=list)

    def __call__(self, site: SimSite, effect: Effect, now: float) -> None:
        self.effects.append((site.name, effect, now))
        if isinstance(effect, Outcome):
            self.outcomes.append((site.name, effect, now))
        elif isinstance(effect, Deliver):
            self.deliveries.append((site.name, effect, now))

    def states(self, mid: MessageId) -> list[DeliveryState]:
        return [o.state for _, o, _ in self.outcomes if o.mid == mid]

    def delivered_to(self, mid: MessageId) -> list[str]:
        return [name for name, d, _ in self.deliveries if d.msg.id == mid and not d.duplicate]


def line_network(names_roles: list[tuple[str, str]], spacing_m: float = 600.0, seed: int = 1):
    """Sites on a line, `spacing_m` apart, with explicit links only between neighbours, so a
    message from one end to the other needs len-1 hops."""
    medium = Medium(seed=seed)
    net = SimNetwork(medium, seed=seed)
    rec = Recorder()
    net.observers.append(rec)
    for i, (name, role) in enumerate(names_roles):
        net.add_site(name, role, 0x100 + i, radio_role="ROUTER" if role == "relay" else "CLIENT")
    for i in range(len(names_roles) - 1):
        medium.set_link(0x100 + i, 0x101 + i, snr_db=5.0)
    return net, rec


def emergency(text: str = "Man onwel in trappenhuis, ademt moeizaam.") -> Emergency:
    return Emergency(
        incident=Incident.MED,
        services=Services.A,
        people_involved=1,
        street="Dorpsstraat",
        number="12",
        place="Zuidbroek",
        text=text,
    )


def sitrep(visitors: int = 40) -> Sitrep:
    return Sitrep(
        nsp_state=NspState.OPEN,
        power=Power.AGG,
        power_hours=12,
        staff_pro=2,
        staff_vol=5,
        visitors=visitors,
        text="Veel vragen over drinkwater; waterdruk valt weg in de flats aan de Parkweg.",
    )


def bulletin(valid_until: int) -> Bulletin:
    return Bulletin(
        headline="Drinkwater bij de sporthal",
        body="Vanaf 14:00 is er drinkwater bij sporthal De Wissel. Neem een eigen fles mee.",
        valid_until=valid_until,
        issuer="Veiligheidsregio Groningen",
    )
