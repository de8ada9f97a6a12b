"""The application core of one site: its daemon, journal, roster, keys and files."""
