"""xlwings, imported without pandas, numpy, matplotlib and Pillow.

xlwings imports them when they are installed (as in Anaconda, where many offices get
xlwings) for its DataFrame and array converters and its pictures, which gridkit never uses:
pandas and numpy alone are 0.8 s of a button's 1.1 s start-up. They are hidden from xlwings'
import only (it then offers none of those in this process) and importable again right
after, by any code that wants them.
"""

from __future__ import annotations

import sys
from types import ModuleType

_HIDDEN = ("pandas", "numpy", "matplotlib", "PIL")


def load() -> ModuleType:
    """The xlwings module (imported now, without the modules above, unless already)."""
    if "xlwings" in sys.modules:
        return sys.modules["xlwings"]
    hidden = [name for name in _HIDDEN if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # "import pandas" fails
    try:
        import xlwings
        import xlwings.utils
    finally:
        for name in hidden:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]
    return xlwings


__all__ = ["load"]
