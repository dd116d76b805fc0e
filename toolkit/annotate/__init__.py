"""What goes back to a township: the annotated copy of its workbook (every problem cell
marked, the 检查结果 sheet with the reading explanation) and the fixed copy (``gridkit fix``).

The content of the marks and of 检查结果 is built once from a check result
(:mod:`.content`) and rendered by the fast .xlsx path (:mod:`.xlsx`), by openpyxl
(:mod:`.workbook`) or into a live workbook through xlwings (:mod:`toolkit.excel.live`).
"""
