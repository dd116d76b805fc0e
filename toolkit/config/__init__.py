"""Configuration: the county (``gridkit.toml``), the register schema (``schema.toml``) and the
rule catalogue (``rules.toml``), each read and validated with one Chinese sentence per mistake.

* :mod:`.county`: :func:`load_config` -> :class:`Config` (county, townships and their pinned
  layouts, folders, schema); :mod:`.init`: ``gridkit init``;
* :mod:`.schema`: sheets, columns, aliases, types, rule parameters, reading vocabulary;
* :mod:`.catalogue`: every rule's code, title, severity and help;
* :mod:`.toml`: reading TOML with file, line and key in every error.
"""

from __future__ import annotations

from .county import CONFIG_NAME, SCHEMA_NAME, Config, County, Paths, SheetPin, Township, load_config
from .init import InitResult, init_county

__all__ = ["CONFIG_NAME", "SCHEMA_NAME", "Config", "County", "InitResult", "Paths", "SheetPin",
           "Township", "init_county", "load_config"]
