-- The audit journal becomes a hash chain (crates/store/src/audit.rs): each entry stores the hash of
-- the entry before it and its own, SHA-256 over the previous hash and its fields. SQL has no SHA-256,
-- so the entries written before this migration are sealed by the store right after it, in seq order.
ALTER TABLE audit_log ADD COLUMN prev_hash BLOB;
ALTER TABLE audit_log ADD COLUMN hash BLOB;

-- Still append-only: the one update allowed is sealing an entry that has no hash yet, without
-- touching anything else.
DROP TRIGGER audit_log_no_update;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN OLD.hash IS NOT NULL
  OR NEW.seq IS NOT OLD.seq OR NEW.at IS NOT OLD.at OR NEW.actor IS NOT OLD.actor
  OR NEW.action IS NOT OLD.action OR NEW.entity IS NOT OLD.entity OR NEW.entity_id IS NOT OLD.entity_id
  OR NEW.before_json IS NOT OLD.before_json OR NEW.after_json IS NOT OLD.after_json
  OR NEW.hash IS NULL OR NEW.prev_hash IS NULL
BEGIN SELECT RAISE(ABORT, 'the audit journal is append-only'); END;

-- Every new entry is sealed when written (through the store's insert_audit).
CREATE TRIGGER audit_log_sealed BEFORE INSERT ON audit_log
WHEN NEW.hash IS NULL OR NEW.prev_hash IS NULL
BEGIN SELECT RAISE(ABORT, 'an audit entry must be chained (prev_hash, hash)'); END;
