"""Typed errors of the simulator, each with Dutch and English text.

A scenario author or exercise lead sees these when a scenario file asks for something the medium
cannot do; the text says what is wrong and what to change.
"""

from __future__ import annotations

from nsplink.errors import NsplinkError
from nsplink.i18n import register

register(
    {
        "sim.config": (
            "Ongeldige simulatie-instelling: {detail}.",
            "Invalid simulation setting: {detail}.",
        ),
        "sim.bad_node_num": (
            "Nodenummer {node!r} kan niet: kies een getal van 1 tot en met 4294967294.",
            "Node number {node!r} is not possible: pick a number from 1 to 4294967294.",
        ),
        "sim.duplicate_node": (
            "Node {node:#x} staat er al in; elk nodenummer mag één keer voorkomen.",
            "Node {node:#x} is already there; each node number may appear once.",
        ),
        "sim.unknown_node": (
            "Node {node!r} bestaat niet in deze simulatie; voeg hem eerst toe.",
            "Node {node!r} does not exist in this simulation; add it first.",
        ),
        "sim.bad_position": (
            "Positie {position!r} kan niet: geef twee eindige getallen (x, y) in meters.",
            "Position {position!r} is not possible: give two finite numbers (x, y) in metres.",
        ),
        "sim.bad_link": (
            "Verbinding {a:#x}–{b:#x} kan niet: SNR moet een eindig getal zijn en verlies tussen "
            "0 en 1 liggen (kreeg SNR {snr!r}, verlies {loss!r}).",
            "Link {a:#x}–{b:#x} is not possible: SNR must be a finite number and loss between 0 "
            "and 1 (got SNR {snr!r}, loss {loss!r}).",
        ),
        "sim.time_past": (
            "Tijdstip {time!r} s ligt vóór de huidige simulatietijd {now!r} s; "
            "kies een later tijdstip.",
            "Time {time!r} s is before the current simulation time {now!r} s; pick a later time.",
        ),
        "sim.bad_time": (
            "Tijdstip {time!r} kan niet: geef een eindig aantal seconden.",
            "Time {time!r} is not possible: give a finite number of seconds.",
        ),
        "sim.bad_partition": (
            "Node {node:#x} staat in twee groepen van de netwerksplitsing; zet hem in één groep.",
            "Node {node:#x} is in two groups of the partition; put it in one group.",
        ),
        "sim.bad_speedup": (
            "Versnelling {speedup!r} kan niet: kies een getal groter dan 0.",
            "Speed-up {speedup!r} is not possible: pick a number above 0.",
        ),
        "sim.unknown_role": (
            "Onbekende rol {role!r}; kies uit {choices}.",
            "Unknown role {role!r}; choose from {choices}.",
        ),
        "sim.node_off": (
            "Node {node:#x} staat uit; zet hem eerst aan.",
            "Node {node:#x} is powered off; power it on first.",
        ),
        "sim.bad_send": (
            "Ongeldig pakket voor node {node:#x}: {field} = {value!r}, verwacht {expected}.",
            "Invalid packet for node {node:#x}: {field} = {value!r}, expected {expected}.",
        ),
    }
)


class SimConfigError(NsplinkError):
    code = "sim.config"
    key = "sim.config"


class BadNodeNumber(SimConfigError):
    code = key = "sim.bad_node_num"


class DuplicateNode(SimConfigError):
    code = key = "sim.duplicate_node"


class UnknownNode(SimConfigError):
    code = key = "sim.unknown_node"


class BadPosition(SimConfigError):
    code = key = "sim.bad_position"


class BadLink(SimConfigError):
    code = key = "sim.bad_link"


class TimeInPast(SimConfigError):
    code = key = "sim.time_past"


class BadTime(SimConfigError):
    code = key = "sim.bad_time"


class BadPartition(SimConfigError):
    code = key = "sim.bad_partition"


class BadSpeedup(SimConfigError):
    code = key = "sim.bad_speedup"


class UnknownRole(SimConfigError):
    code = key = "sim.unknown_role"


class NodePoweredOff(NsplinkError):
    code = key = "sim.node_off"


class BadSend(NsplinkError):
    code = key = "sim.bad_send"
