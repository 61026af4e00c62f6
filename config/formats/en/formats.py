# One date style for English, the British one the texts use ("1 January to 30
# April"): "7 December 2026", not Django's American "Dec. 7, 2026".
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
MONTH_DAY_FORMAT = "j F"
