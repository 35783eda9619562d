/*
 * audit.c -- the audit chain.  Every mutation writes one audit row in its
 * own transaction: who (the Unix user), when (UTC), what (an action such as
 * "card.block"), on what (a card number, a version), and a detail line.
 * Each row carries the SHA-256 of the previous row's hash and its own
 * fields, so a row changed, removed or inserted afterwards breaks the chain
 * at that row, and km_audit_verify() names it.  Rows never carry a PESEL
 * or an address: the subject is a card number or a holder id.
 */
#include <stdlib.h>
#include <string.h>

#include "km-internal.h"

#define GENESIS \
	"0000000000000000000000000000000000000000000000000000000000000000"

/* Fields are length-prefixed, so no choice of text can forge a boundary. */
static int
row_hash(const char *prev, long long seq, const char *at, const char *actor,
    const char *action, const char *subject, const char *detail,
    char out[65])
{
	const char *f[] = { prev, at, actor, action, subject, detail };
	char *buf, *p;
	size_t i, len = 32;
	int rv;

	for (i = 0; i < nitems(f); i++)
		len += strlen(f[i]) + 24;
	if ((buf = malloc(len)) == NULL)
		return -1;
	p = buf;
	p += sprintf(p, "%lld\n", seq);
	for (i = 0; i < nitems(f); i++)
		p += sprintf(p, "%zu:%s\n", strlen(f[i]), f[i]);
	rv = km_sha256_hex(buf, (size_t)(p - buf), out);
	free(buf);
	return rv;
}

/*
 * Appends an audit row in the open transaction.  Returns 0 or -1.
 */
int
km_audit(struct km_db *db, const char *action, const char *subject,
    const char *detail, struct km_err *err)
{
	static const char q_tip[] =
	    "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1";
	static const char q_add[] =
	    "INSERT INTO audit (seq, at, actor, action, subject, detail, prev,"
	    " hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
	sqlite3_stmt *st;
	char prev[65], hash[65], at[KM_TIME_BUFSZ];
	long long seq = 1;
	int rc;

	if ((st = km_db_stmt(db, q_tip, err)) == NULL)
		return -1;
	km_strlcpy(prev, GENESIS, sizeof(prev));
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		seq = sqlite3_column_int64(st, 0) + 1;
		km_db_col(st, 1, prev, sizeof(prev));
	} else if (rc != SQLITE_DONE)
		return km_db_err(db, rc, "audit", err);
	sqlite3_reset(st);

	km_time_iso(km_db_now(db), at);
	if (subject == NULL)
		subject = "";
	if (detail == NULL)
		detail = "";
	if (row_hash(prev, seq, at, km_db_actor(db), action, subject, detail,
	    hash) == -1)
		return km_errf(err, KM_ESYS, "audit: cannot hash");
	if ((st = km_db_stmt(db, q_add, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_text(st, 2, at, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, km_db_actor(db), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, action, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, subject, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, detail, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, prev, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 8, hash, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return km_db_err(db, rc, "audit", err);
	return 0;
}

/*
 * Walks the chain from the first row.  Returns 0 when every row verifies
 * (*rows counted), 1 with *bad the seq of the first row that does not (err
 * says why), or -1 on error.
 */
int
km_audit_verify(struct km_db *db, long long *rows, long long *bad,
    struct km_err *err)
{
	static const char q[] =
	    "SELECT seq, at, actor, action, subject, detail, prev, hash"
	    " FROM audit ORDER BY seq";
	sqlite3_stmt *st;
	char last[65], hash[65];
	const char *f[8];
	long long seq, want = 1;
	int rc, i;

	*rows = 0;
	*bad = 0;
	if ((st = km_db_stmt(db, q, err)) == NULL)
		return -1;
	km_strlcpy(last, GENESIS, sizeof(last));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		seq = sqlite3_column_int64(st, 0);
		for (i = 1; i < 8; i++) {
			f[i] = (const char *)sqlite3_column_text(st, i);
			if (f[i] == NULL)
				f[i] = "";
		}
		if (seq != want) {
			*bad = want;
			km_errf(err, KM_ENOTFOUND, "audit row %lld is missing "
			    "(next row is %lld)", want, seq);
			goto broken;
		}
		if (strcmp(f[6], last) != 0) {
			*bad = seq;
			km_errf(err, KM_ENOTFOUND, "audit row %lld does not "
			    "verify: it does not follow row %lld", seq, seq - 1);
			goto broken;
		}
		if (row_hash(f[6], seq, f[1], f[2], f[3], f[4], f[5],
		    hash) == -1) {
			sqlite3_reset(st);
			return km_errf(err, KM_ESYS, "audit: cannot hash");
		}
		if (strcmp(hash, f[7]) != 0) {
			*bad = seq;
			km_errf(err, KM_ENOTFOUND, "audit row %lld does not "
			    "verify: its content was changed", seq);
			goto broken;
		}
		km_strlcpy(last, f[7], sizeof(last));
		(*rows)++;
		want++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return km_db_err(db, rc, "audit", err);
	return 0;
broken:
	sqlite3_reset(st);
	return 1;
}

/*
 * The hash of row seq: 1 with hash filled, 0 if there is no such row, -1
 * on error.  An auditor keeps the last row's hash outside the store (an
 * anchor): rows removed from the end of the chain, which the chain alone
 * cannot show, then show as a missing or different anchor row.
 */
int
km_audit_hash(struct km_db *db, long long seq, char hash[65],
    struct km_err *err)
{
	static const char q[] = "SELECT hash FROM audit WHERE seq = ?1";
	sqlite3_stmt *st;
	int rc;

	hash[0] = '\0';
	if ((st = km_db_stmt(db, q, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		km_db_col(st, 0, hash, 65);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return km_db_err(db, rc, "audit", err);
	return rc == SQLITE_ROW;
}
