# Django's Italian dates have a leading zero ("02 dicembre 2026"); written Italian
# has none. Month names come from the catalogues (lower case in Italian). The first
# of a month is "1°" ("1° gennaio"): core.dates.format_day writes it.
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
MONTH_DAY_FORMAT = "j F"
