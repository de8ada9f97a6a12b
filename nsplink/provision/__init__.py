"""Radio provisioning from versioned firmware profiles (issue 9).

Public API:
- `load_profile(path) -> Profile`, `find_profile(name_or_path, directory=None) -> Path`,
  `profile_files(directory) -> list[Path]`, `default_profiles_dir() -> Path`
- `parse_radio_url(url) -> RadioAddress`
- `Provisioner(addr, target, attempts=3, timeout=20.0).run() -> ProvisionResult`
- `check(addr, target, timeout=20.0) -> (RadioSettings, list[Drift])`
- `read_psk(path) -> bytes`, `generate_psk(path) -> bytes`
- `export_profile(settings, name, kind) -> str`
"""

from nsplink.provision.device import RadioAddress, RadioLink, parse_radio_url
from nsplink.provision.errors import ProfileInvalid, ProvisionError
from nsplink.provision.export import export_profile
from nsplink.provision.profile import (
    Profile,
    default_profiles_dir,
    find_profile,
    load_profile,
    parse_profile,
    profile_files,
)
from nsplink.provision.provisioner import Provisioner, ProvisionResult, check
from nsplink.provision.secret import generate_psk, read_psk
from nsplink.provision.settings import Drift, RadioSettings, Target

__all__ = [
    "Drift",
    "Profile",
    "ProfileInvalid",
    "ProvisionError",
    "ProvisionResult",
    "Provisioner",
    "RadioAddress",
    "RadioLink",
    "RadioSettings",
    "Target",
    "check",
    "default_profiles_dir",
    "export_profile",
    "find_profile",
    "generate_psk",
    "load_profile",
    "parse_profile",
    "parse_radio_url",
    "profile_files",
    "read_psk",
]
