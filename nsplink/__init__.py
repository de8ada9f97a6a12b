"""nsplink: signed store-and-forward messaging between noodsteunpunten and coördinatiepunten."""

__version__ = "0.1.0"
