"""LoRa physics: time on air of a frame and the EU_868 duty cycle, as the firmware computes them.

Pure functions and small ledgers (no clock reads, no I/O): the airtime planner, the simulator and
the benchmarks all use these.
"""
