"""gridkit: check, merge and report township grid-management registers."""

__version__ = "0.1.0"
