"""Excel integration: the live-workbook side of the buttons (:mod:`.live`, :mod:`.county`,
:mod:`.runner`) and ``gridkit excel attach`` (:mod:`.attach`), which turns an office's
workbook into a macro workbook with xlwings' standalone VBA project and the buttons."""
