# The first of a month is "1er" in French ("1er janvier"): core.dates.format_day
# writes it, since a Django format string cannot depend on the day.
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y à H:i"
MONTH_DAY_FORMAT = "j F"
