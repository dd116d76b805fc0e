"""Realistic sample township submissions, with planted defects, harmless drift and the truth.

``generate(config, out_dir, date, scale=..., defects=..., seed=...)`` writes one workbook per
township (``扎西镇_20200204.xlsx``) and returns a :class:`SampleResult` whose ``truth`` lists
every planted defect (a rule code) and every piece of drift (``drift-...``) at its Excel cell.

With ``layouts=True`` every township lays its file out in its own mix of real-world layouts
(``drift-layout-<feature>`` in the truth; ``PlantedDefect.source_sheet`` names the worksheet).

Modules: ``names`` (word lists), ``people`` (names, IDs, phones), ``township`` (a clean
register), ``defects`` (planting, one rule each), ``drift`` (harmless real-world drift),
``layouts`` (each township's layout habits) and ``blocks`` (one sheet laid out), ``writer``
(xlsxwriter, constant memory), ``generate`` (the whole night).
"""

from .generate import file_name, generate, generate_nights
from .model import PlantedDefect, SampleResult

__all__ = ["PlantedDefect", "SampleResult", "file_name", "generate", "generate_nights"]
