Attribute VB_Name = "gridkit"
' gridkit buttons: each Sub calls xlwings' RunPython (in the xlwings module).
' Import once: VBA editor (Alt+F11) > File > Import File..., then right-click a
' button > Assign Macro... and pick the Sub with the button's name.

' 检查本表
Sub gridkit_check_this_workbook()
    RunPython "import macros;macros.check_this_workbook()"
End Sub

' 汇总
Sub gridkit_merge_now()
    RunPython "import macros;macros.merge_now()"
End Sub

' 生成日报
Sub gridkit_make_report()
    RunPython "import macros;macros.make_report()"
End Sub

' 生成反馈
Sub gridkit_make_feedback()
    RunPython "import macros;macros.make_feedback()"
End Sub
