"""Exercise scenarios: the simulated network, the runner and its report."""
