"""`cchc repair-text`: lost glyphs restored in plain text, from the text alone."""
