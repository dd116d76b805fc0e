"""What the county's night produces from the store: the figures (:mod:`.figures`, traced to
cells), the county master 全县汇总表 (:mod:`.master`), the 日报 workbook and briefings
(:mod:`.report`), each township's feedback (:mod:`.feedback`), the blank forms offices fill
in (:mod:`.forms`), and how numbers and personal data are shown (:mod:`.numbers`,
:mod:`.privacy`)."""
