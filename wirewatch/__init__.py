"""wirewatch: follow a news story across outlets. The command line composes the packages."""

__version__ = "0.1.0"
