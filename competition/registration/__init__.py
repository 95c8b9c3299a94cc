"""Registration (报名): contestants, their ID numbers, the organiser's spreadsheet, eligibility.

Pure parts: ``idcard`` (居民身份证号 checks, masking), ``sheet`` (template, reading, whole-sheet
validation, export) and ``eligibility`` (age, level, school, minimum-entrant rules from the preset).
"""
