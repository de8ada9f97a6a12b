"""Site homes for daemon tests: the package's own exercise-region setup."""

from nsplink.app.setup import make_sites, sign_for_sites

__all__ = ["make_sites", "sign_for_sites"]
