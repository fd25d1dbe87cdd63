-- Schema 6: how an original file is kept. NULL: the file's bytes as they were. 'zip': a zip
-- archive holding the file as its only entry (deflate), made by the importer to keep e-invoice
-- XML about five times smaller; any zip tool opens it, and its CRC-32 checks it. The SHA-256 of
-- a document is always that of the original file, so duplicates are recognised either way.

ALTER TABLE documents ADD COLUMN encoding TEXT;
