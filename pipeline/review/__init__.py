"""For the analyst settling what the mapper left unsure, `cchc review`: the sheet of rows
to review, and its decisions recorded for every later run."""
