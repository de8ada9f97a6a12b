"""Radios: the real Meshtastic library, the simulated medium, and the emulated device."""
