# German writes the day as an ordinal with a full stop: "7. Dezember 2026".
DATE_FORMAT = "j. F Y"
DATETIME_FORMAT = "j. F Y, H:i"
MONTH_DAY_FORMAT = "j. F"
