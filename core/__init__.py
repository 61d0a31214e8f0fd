"""The bottom layer every other package stands on: the Document model that extractors
return and normalizers read, and the Vietnamese text primitives both need (NFC and match
keys, syllable quality, the legacy 8-bit codecs).  It imports nothing of the project."""
