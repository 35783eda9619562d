-- 002: the city's CA -- its own CAs, every certificate they issue (linked
-- to its card when it is a card's), and the CRLs they publish.
-- Serial numbers are upper-case hex; times UTC text as in 001.
CREATE TABLE ca (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,	-- 'root', 'issuing'
	subject		TEXT NOT NULL,
	serial		TEXT NOT NULL,
	key_ref		TEXT NOT NULL,		-- a PEM path or a pkcs11: URI
	not_before	TEXT NOT NULL,
	not_after	TEXT NOT NULL,
	der		BLOB NOT NULL,
	crl_due		INTEGER NOT NULL,	-- 1: a revocation awaits its CRL
	created_at	TEXT NOT NULL
);

CREATE TABLE cert (
	id		INTEGER PRIMARY KEY,
	serial		TEXT NOT NULL UNIQUE,
	issuer		INTEGER NOT NULL REFERENCES ca (id),
	card_id		INTEGER REFERENCES card (id),
	profile		TEXT NOT NULL,
	subject		TEXT NOT NULL,
	key_id		TEXT NOT NULL,		-- SHA-256 of its public key
	key_type	TEXT NOT NULL,
	not_before	TEXT NOT NULL,
	not_after	TEXT NOT NULL,
	status		TEXT NOT NULL CHECK (status IN ('good', 'hold', 'revoked')),
	revoked_at	TEXT,
	reason		INTEGER,		-- RFC 5280 reason code
	held_by		TEXT,			-- a hold's source: 'card', 'admin'
	issued_at	TEXT NOT NULL,
	actor		TEXT NOT NULL,
	der		BLOB NOT NULL
);
CREATE INDEX cert_card ON cert (card_id, profile);
CREATE INDEX cert_status ON cert (issuer, status);
CREATE INDEX cert_key ON cert (key_id);

CREATE TABLE crl (
	issuer		INTEGER NOT NULL REFERENCES ca (id),
	number		INTEGER NOT NULL,
	this_update	TEXT NOT NULL,
	next_update	TEXT NOT NULL,
	entries		INTEGER NOT NULL,
	sha256		TEXT NOT NULL,
	actor		TEXT NOT NULL,
	PRIMARY KEY (issuer, number)
);
