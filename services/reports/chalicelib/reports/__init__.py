"""Reports: the director's daily report (院长日报) and the hospital's data cockpit — daily figures kept
from the event stream and the HIS census, indicators, the morning notification, the report page."""
