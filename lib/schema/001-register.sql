-- 001: the card register -- holders, cards, their lifecycle events, the
-- hotlist and its published versions, and the audit chain.
-- Times are UTC text "YYYY-MM-DDTHH:MM:SSZ", computed in C and bound.
CREATE TABLE holder (
	id		INTEGER PRIMARY KEY,
	holder_key	TEXT NOT NULL UNIQUE,	-- 'P:pesel' or 'E:nip:pesel'
	kind		INTEGER NOT NULL,	-- 1 resident, 2 entrepreneur
	pesel		TEXT NOT NULL,		-- the person's (representative's)
	first_name	TEXT NOT NULL,
	surname		TEXT NOT NULL,
	street		TEXT NOT NULL,
	postcode	TEXT NOT NULL,
	city		TEXT NOT NULL,
	email		TEXT,
	phone		TEXT,
	nip		TEXT,
	regon		TEXT,
	company		TEXT,
	name_key	TEXT NOT NULL,		-- folded 'surname first_name'
	name_key2	TEXT NOT NULL,		-- folded 'first_name surname'
	company_key	TEXT,			-- folded company
	created_at	TEXT NOT NULL
);
CREATE INDEX holder_pesel ON holder (pesel);
CREATE INDEX holder_nip ON holder (nip);
CREATE INDEX holder_name ON holder (name_key);
CREATE INDEX holder_name2 ON holder (name_key2);
CREATE INDEX holder_company ON holder (company_key);

CREATE TABLE card (
	id		INTEGER PRIMARY KEY,
	number		TEXT NOT NULL UNIQUE,	-- 16 digits, Luhn
	type		INTEGER NOT NULL,	-- 1 resident, 2 entrepreneur, 9 temporary
	state		TEXT NOT NULL,
	holder_id	INTEGER NOT NULL REFERENCES holder (id),
	chip_uid	TEXT UNIQUE,
	services	INTEGER NOT NULL,
	ordered_at	TEXT NOT NULL,
	state_at	TEXT NOT NULL,
	expires_at	TEXT NOT NULL,
	reason		TEXT,
	replaces	INTEGER REFERENCES card (id),
	replaced_by	INTEGER REFERENCES card (id)
);
CREATE INDEX card_holder ON card (holder_id);
CREATE INDEX card_state ON card (state, reason);
CREATE INDEX card_expires ON card (expires_at);
CREATE INDEX card_replaces ON card (replaces);

-- Card numbers are drawn from one counter per card type.
CREATE TABLE counter (
	name		TEXT PRIMARY KEY,
	value		INTEGER NOT NULL
);

CREATE TABLE card_event (
	id		INTEGER PRIMARY KEY,
	card_id		INTEGER NOT NULL REFERENCES card (id),
	at		TEXT NOT NULL,
	ev		TEXT NOT NULL,
	from_state	TEXT,
	to_state	TEXT NOT NULL,
	reason		TEXT,
	note		TEXT,
	actor		TEXT NOT NULL
);
CREATE INDEX card_event_card ON card_event (card_id, id);

-- The hotlist now, and every change to it, so that any published version
-- can be rebuilt and a delta made between two of them.
CREATE TABLE hotlist (
	card_id		INTEGER PRIMARY KEY REFERENCES card (id),
	number		TEXT NOT NULL UNIQUE,
	admin		INTEGER NOT NULL,	-- 1 if an admin listed it
	admin_reason	TEXT,
	state_ev	TEXT,			-- suspend, block, replace, revoke, expire
	reason		TEXT,			-- the lifecycle event's
	since		TEXT NOT NULL,
	actor		TEXT NOT NULL
);
CREATE TABLE hotlist_event (
	seq		INTEGER PRIMARY KEY,
	number		TEXT NOT NULL,
	op		TEXT NOT NULL CHECK (op IN ('+', '-')),
	at		TEXT NOT NULL
);
CREATE INDEX hotlist_event_number ON hotlist_event (number, seq);
CREATE TABLE hotlist_version (
	version		INTEGER PRIMARY KEY,
	base		INTEGER,		-- NULL for a full list
	seq		INTEGER NOT NULL,	-- last hotlist_event included
	created_at	TEXT NOT NULL,
	count		INTEGER NOT NULL,
	adds		INTEGER NOT NULL,	-- listed since the previous version
	removes		INTEGER NOT NULL,	-- taken off since the previous version
	sha256		TEXT NOT NULL,
	actor		TEXT NOT NULL
);

CREATE TABLE audit (
	seq		INTEGER PRIMARY KEY,
	at		TEXT NOT NULL,
	actor		TEXT NOT NULL,
	action		TEXT NOT NULL,
	subject		TEXT NOT NULL,
	detail		TEXT NOT NULL,
	prev		TEXT NOT NULL,
	hash		TEXT NOT NULL
);

-- Rows that record events are append-only.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
CREATE TRIGGER card_event_no_update BEFORE UPDATE ON card_event
BEGIN SELECT RAISE(ABORT, 'card events are append-only'); END;
CREATE TRIGGER card_event_no_delete BEFORE DELETE ON card_event
BEGIN SELECT RAISE(ABORT, 'card events are append-only'); END;
CREATE TRIGGER hotlist_event_no_update BEFORE UPDATE ON hotlist_event
BEGIN SELECT RAISE(ABORT, 'hotlist events are append-only'); END;
CREATE TRIGGER hotlist_event_no_delete BEFORE DELETE ON hotlist_event
BEGIN SELECT RAISE(ABORT, 'hotlist events are append-only'); END;
