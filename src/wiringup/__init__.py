"""wiringup: a reproduction and extension of Geiger et al. (2022), "Wiring Up Vision"."""

__version__ = "0.1.0"
