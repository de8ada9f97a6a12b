"""Typed errors of radio provisioning, each with a Dutch and an English text.

A profile problem always names file, line and field, because a technician fixes it in an editor.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nsplink.errors import NsplinkError
from nsplink.i18n import Lang, register, t
from nsplink.texts import render_error

register(
    {
        "provision.issue": (
            "{file}, regel {line}, veld {field}: {problem}",
            "{file}, line {line}, field {field}: {problem}",
        ),
        "provision.profile_invalid": (
            "Profiel {file} is afgekeurd ({count} fout(en)):",
            "Profile {file} is rejected ({count} error(s)):",
        ),
        "provision.profile_missing": (
            "Profiel '{name}' bestaat niet in {where}. Beschikbaar: {known}.",
            "Profile '{name}' does not exist in {where}. Available: {known}.",
        ),
        "provision.profile_unreadable": (
            "Profiel {file} is onleesbaar: {detail}.",
            "Profile {file} cannot be read: {detail}.",
        ),
        "provision.radio_url": (
            "Onbekend radio-adres '{url}'. Gebruik tcp://HOST:POORT of serial:///dev/ttyUSB0.",
            "Unknown radio address '{url}'. Use tcp://HOST:PORT or serial:///dev/ttyUSB0.",
        ),
        "provision.radio_unreachable": (
            "Radio {url} is niet bereikbaar: {detail}. "
            "Controleer kabel of adres en probeer opnieuw.",
            "Radio {url} cannot be reached: {detail}. Check the cable or address and try again.",
        ),
        "provision.radio_lost": (
            "De verbinding met radio {url} viel weg tijdens '{step}'.",
            "The connection to radio {url} dropped during '{step}'.",
        ),
        "provision.radio_timeout": (
            "Radio {url} antwoordde niet binnen {seconds} s tijdens '{step}'.",
            "Radio {url} did not answer within {seconds} s during '{step}'.",
        ),
        "provision.psk_missing": (
            "Sleutelbestand {file} bestaat niet. Geef het sleutelbestand van de regio met "
            "--psk-file, of maak met --new-psk één nieuwe sleutel voor een nieuwe regio.",
            "Key file {file} does not exist. Give the region's key file with --psk-file, "
            "or create one new key for a new region with --new-psk.",
        ),
        "provision.psk_exists": (
            "Sleutelbestand {file} bestaat al; --new-psk vervangt nooit de sleutel van een regio. "
            "Laat --new-psk weg om deze sleutel te gebruiken.",
            "Key file {file} already exists; --new-psk never replaces a region's key. "
            "Leave out --new-psk to use this key.",
        ),
        "provision.psk_bad": (
            "Sleutelbestand {file} is ongeldig: {detail}. Verwacht: één regel base64 met 32 bytes.",
            "Key file {file} is invalid: {detail}. Expected: one line of base64 holding 32 bytes.",
        ),
        "provision.psk_open": (
            "Sleutelbestand {file} is leesbaar voor anderen (rechten {mode}). "
            "Voer 'chmod 600 {file}' uit.",
            "Key file {file} is readable by others (mode {mode}). Run 'chmod 600 {file}'.",
        ),
        "provision.d_name_blank": (
            "leeg, of spaties aan begin of eind",
            "empty, or spaces at the start or end",
        ),
        "provision.d_name_long": ("langer dan 39 bytes", "longer than 39 bytes"),
        "provision.d_name_short": (
            "de korte naam is langer dan 4 bytes; geef --short-name",
            "the short name is longer than 4 bytes; give --short-name",
        ),
        "provision.d_name_ctrl": ("bevat stuurtekens", "contains control characters"),
        "provision.name_mark": (
            "Radionaam '{name}' is te lang: met het profielmerk {mark} erachter mag de naam"
            " hoogstens {room} bytes zijn. Kies een kortere --name.",
            "Radio name '{name}' is too long: with the profile mark {mark} after it the name"
            " may be at most {room} bytes. Choose a shorter --name.",
        ),
        "provision.d_psk_lines": ("niet precies één regel", "not exactly one line"),
        "provision.d_psk_b64": ("geen base64", "not base64"),
        "provision.d_psk_len": ("verkeerde lengte", "wrong length"),
        "provision.d_psk_same": (
            "alle bytes zijn gelijk (een voorbeeld, geen sleutel)",
            "every byte is the same (a placeholder, not a key)",
        ),
        "provision.d_psk_big": ("veel te groot voor een sleutel", "far too large for a key"),
        "provision.d_psk_text": ("geen tekst", "not text"),
        "provision.d_not_utf8": ("geen UTF-8-tekst", "not UTF-8 text"),
        "provision.d_too_large": ("te groot voor een profiel", "too large for a profile"),
        "provision.name_bad": (
            "Ongeldige radionaam '{name}': {detail}.",
            "Invalid radio name '{name}': {detail}.",
        ),
    }
)


@dataclass(frozen=True)
class ProfileIssue:
    """One problem in a profile file, with where it is and an i18n key saying what is wrong."""

    file: str
    line: int
    field: str
    key: str
    params: tuple[tuple[str, object], ...] = ()

    def render(self, lang: Lang | None = None) -> str:
        # a parameter written "@some.key" is itself a text to translate (a reason, say)
        params = {
            k: t(v[1:], lang) if isinstance(v, str) and v.startswith("@") else v
            for k, v in self.params
        }
        problem = t(self.key, lang, **params)
        return t(
            "provision.issue",
            lang,
            file=self.file,
            line=self.line,
            field=self.field,
            problem=problem,
        )


def issue(file: str | Path, line: int, field: str, key: str, **params: object) -> ProfileIssue:
    return ProfileIssue(str(file), line, field, key, tuple(sorted(params.items())))


class ProvisionError(NsplinkError):
    code = "provision.error"


@render_error.register
def _render_provision(err: ProvisionError, lang: Lang | None = None) -> str:
    # a parameter written "@some.key" is a text of ours, shown in the reader's language
    params = {
        k: t(v[1:], lang) if isinstance(v, str) and v.startswith("@") else v
        for k, v in err.params.items()
    }
    return t(err.key, lang, **params)


class ProfileInvalid(ProvisionError):
    """A profile that must not reach a radio. Lists every problem, one line each."""

    code = "provision.profile_invalid"
    key = "provision.profile_invalid"

    def __init__(self, file: str | Path, issues: list[ProfileIssue]) -> None:
        self.issues = list(issues)
        self.file = str(file)
        super().__init__(file=self.file, count=len(self.issues))


@render_error.register
def _render_profile_invalid(err: ProfileInvalid, lang: Lang | None = None) -> str:
    head = t(err.key, lang, file=err.file, count=len(err.issues))
    return "\n".join([head, *("  " + i.render(lang) for i in err.issues)])


class ProfileMissing(ProvisionError):
    code = "provision.profile_missing"
    key = "provision.profile_missing"


class ProfileUnreadable(ProvisionError):
    code = "provision.profile_unreadable"
    key = "provision.profile_unreadable"


class RadioUrlInvalid(ProvisionError):
    code = "provision.radio_url"
    key = "provision.radio_url"


class RadioUnreachable(ProvisionError):
    code = "provision.radio_unreachable"
    key = "provision.radio_unreachable"


class RadioLost(ProvisionError):
    code = "provision.radio_lost"
    key = "provision.radio_lost"


class RadioTimeout(ProvisionError):
    code = "provision.radio_timeout"
    key = "provision.radio_timeout"


class PskMissing(ProvisionError):
    code = "provision.psk_missing"
    key = "provision.psk_missing"


class PskExists(ProvisionError):
    code = "provision.psk_exists"
    key = "provision.psk_exists"


class PskInvalid(ProvisionError):
    code = "provision.psk_bad"
    key = "provision.psk_bad"


class PskExposed(ProvisionError):
    code = "provision.psk_open"
    key = "provision.psk_open"


class RadioNameTooLongForMark(ProvisionError):
    code = "provision.name_mark"
    key = "provision.name_mark"


class RadioNameInvalid(ProvisionError):
    code = "provision.name_bad"
    key = "provision.name_bad"
