"""Dates on Vietnamese pages as officials write them: 31/05/2025, never "Ngày 31 tháng 5 năm 2025"
in a table cell. Django's own vi module supplies every format not named here."""

DATE_FORMAT = "d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
YEAR_MONTH_FORMAT = "m/Y"
MONTH_DAY_FORMAT = "d/m"
# The first is how a form shows a date; the others are accepted as typed (ISO for links).
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]
