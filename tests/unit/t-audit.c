/*
 * t-audit.c -- the audit chain (lib/audit.c): rows written by km_audit()
 * link to each other by hash, km_audit_verify() walks them, and a row
 * changed, removed or re-hashed afterwards is found and named.  The
 * append-only triggers are dropped here with plain SQL, as an intruder
 * with write access to the file would do, to show that the chain still
 * tells.  The store lives in a private directory under /tmp.
 */
#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "km-internal.h"
#include "tap.h"

#define GENESIS \
	"0000000000000000000000000000000000000000000000000000000000000000"
#define T0 1772445600		/* 2026-03-02T10:00:00Z */

static char dir[] = "/tmp/t-audit.XXXXXX";
static struct km_db *db;

static int run(const char *fmt, ...) KM_PRINTF(1, 2);

static int
run(const char *fmt, ...)
{
	char cmd[2 * PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static struct km_cfg *
config(void)
{
	struct km_cfg *cfg = NULL;
	struct km_err e;
	char path[PATH_MAX], key[PATH_MAX];
	FILE *fp;

	snprintf(key, sizeof(key), "%s/hotlist.pem", dir);
	if (run("openssl genpkey -algorithm EC -pkeyopt "
	    "ec_paramgen_curve:P-256 -out %s 2>/dev/null", key) != 0 ||
	    chmod(key, 0600) == -1)
		return NULL;
	snprintf(path, sizeof(path), "%s/km.yaml", dir);
	if ((fp = fopen(path, "w")) == NULL)
		return NULL;
	fprintf(fp, "store:\n  path: %s/km.db\n  busy_timeout: 50\n"
	    "roles:\n  admin: [tester]\n  auditor: [tester]\n"
	    "keys:\n  hotlist_signer: %s\n"
	    "blacklist:\n  max_add: 3\n", dir, key);
	if (fclose(fp) == EOF)
		return NULL;
	if (km_cfg_load(&cfg, path, &e) == -1) {
		printf("# %s\n", e.msg);
		return NULL;
	}
	return cfg;
}

/* Runs sql on the store's connection: 0 or the SQLite error code; the
 * message goes to *msg (static) when it fails. */
static int
sql(const char *q, const char **msg)
{
	int rc;

	rc = sqlite3_exec(km_db_handle(db), q, NULL, NULL, NULL);
	if (msg != NULL)
		*msg = rc == SQLITE_OK ? "" : sqlite3_errmsg(km_db_handle(db));
	return rc;
}

static long long
q_int(const char *q)
{
	sqlite3_stmt *st;
	long long v = -999;

	if (sqlite3_prepare_v2(km_db_handle(db), q, -1, &st, NULL) !=
	    SQLITE_OK) {
		printf("# %s: %s\n", q, sqlite3_errmsg(km_db_handle(db)));
		return v;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Column col of audit row seq into buf ("" if none). */
static char *
field(long long seq, const char *col, char *buf, size_t sz)
{
	sqlite3_stmt *st;
	char q[128];

	buf[0] = '\0';
	snprintf(q, sizeof(q), "SELECT %s FROM audit WHERE seq = %lld", col,
	    seq);
	if (sqlite3_prepare_v2(km_db_handle(db), q, -1, &st, NULL) !=
	    SQLITE_OK)
		return buf;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0) != NULL)
		km_strlcpy(buf, (const char *)sqlite3_column_text(st, 0), sz);
	sqlite3_finalize(st);
	return buf;
}

/* The row hash as the chain defines it: SHA-256 over the seq and the
 * length-prefixed fields, each line ending in a newline. */
static void
hash_of(long long seq, const char *prev, const char *at, const char *actor,
    const char *action, const char *subject, const char *detail,
    char out[65])
{
	char buf[4096];
	int n;

	n = snprintf(buf, sizeof(buf), "%lld\n%zu:%s\n%zu:%s\n%zu:%s\n"
	    "%zu:%s\n%zu:%s\n%zu:%s\n", seq, strlen(prev), prev, strlen(at),
	    at, strlen(actor), actor, strlen(action), action, strlen(subject),
	    subject, strlen(detail), detail);
	km_sha256_hex(buf, (size_t)n, out);
}

/* Verifies and checks the outcome: rv, the rows counted, the bad row,
 * and the message (when want is not NULL). */
static void
verify_is(int rv_want, long long rows_want, long long bad_want,
    const char *want, const char *what)
{
	struct km_err e;
	long long rows = -1, bad = -1;
	int rv;

	memset(&e, 0, sizeof(e));
	rv = km_audit_verify(db, &rows, &bad, &e);
	is(rv, rv_want, "%s: verify returns %d", what, rv_want);
	if (rv_want == 0) {
		is(rows, rows_want, "%s: %lld rows", what, rows_want);
		is(bad, 0, "%s: no bad row", what);
	} else {
		is(bad, bad_want, "%s: names row %lld", what, bad_want);
		is(e.eclass, KM_ENOTFOUND, "%s: KM_ENOTFOUND (a broken chain "
		    "is a negative answer)", what);
	}
	if (want != NULL)
		is_str(e.msg, want, "%s: message", what);
}

static const struct {
	const char *action, *subject, *detail;
} rows[] = {
	{ "card.order", "1234561000000014", "holder=1 type=resident" },
	{ "card.personalise", "1234561000000014", "ordered -> personalised" },
	{ "card.block", "1234561000000014", "active -> blocked reason=lost" },
	{ "hotlist.add", "1234561000000014", "source=block reason=lost" },
	{ "hotlist.publish", "v1", "full count=1 new=1 gone=0" },
	{ "holder.register", "holder=2", "(written as NULL)" },
	{ "odd", "", "tabs\there and a newline\nand 7:colons:" },
};
#define NROWS ((long long)(sizeof(rows) / sizeof(rows[0])))

static void
test_chain(void)
{
	struct km_err e;
	char at[KM_TIME_BUFSZ], prev[80], hash[80], want[65], buf[256];
	char last[65];
	long long i;
	int good = 1;

	verify_is(0, 0, 0, NULL, "empty chain");

	if (km_db_begin(db, &e) == -1) {
		ok(0, "begin: %s", e.msg);
		return;
	}
	for (i = 0; i < NROWS - 2; i++) {
		km_db_set_now(db, T0 + i * 60);
		if (km_audit(db, rows[i].action, rows[i].subject,
		    rows[i].detail, &e) == -1) {
			printf("# %s\n", e.msg);
			good = 0;
		}
	}
	/* NULL subject and detail are stored as empty strings. */
	km_db_set_now(db, T0 + i * 60);
	if (km_audit(db, rows[i].action, rows[i].subject, NULL, &e) == -1)
		good = 0;
	i++;
	km_db_set_now(db, T0 + i * 60);
	km_db_set_actor(db, "anna");
	if (km_audit(db, rows[i].action, NULL, rows[i].detail, &e) == -1)
		good = 0;
	km_db_set_actor(db, "tester");
	ok(good, "km_audit: %lld rows written", NROWS);
	is(km_db_commit(db, &e), 0, "commit");
	is(q_int("SELECT COUNT(*) FROM audit"), NROWS, "rows in the table");
	is(q_int("SELECT MIN(seq) * 100 + MAX(seq) FROM audit"), 100 + NROWS,
	    "seq runs from 1");

	/* Each row's prev is the hash before it; each hash is its own. */
	km_strlcpy(last, GENESIS, sizeof(last));
	for (i = 1; i <= NROWS; i++) {
		char a[KM_TIME_BUFSZ], act[64], sub[64], det[128], actor[64];

		field(i, "prev", prev, sizeof(prev));
		field(i, "hash", hash, sizeof(hash));
		field(i, "at", a, sizeof(a));
		field(i, "actor", actor, sizeof(actor));
		field(i, "action", act, sizeof(act));
		field(i, "subject", sub, sizeof(sub));
		field(i, "detail", det, sizeof(det));
		is_str(prev, last, "row %lld: prev is the previous hash", i);
		km_time_iso(T0 + (i - 1) * 60, at);
		is_str(a, at, "row %lld: at is the store's now", i);
		is_str(actor, i == NROWS ? "anna" : "tester",
		    "row %lld: actor", i);
		is_str(act, rows[i - 1].action, "row %lld: action", i);
		is_str(sub, i == NROWS ? "" : rows[i - 1].subject,
		    "row %lld: subject", i);
		is_str(det, i == NROWS - 1 ? "" : rows[i - 1].detail,
		    "row %lld: detail", i);
		hash_of(i, last, a, actor, act, sub, det, want);
		is_str(hash, want, "row %lld: hash over the length-prefixed "
		    "fields", i);
		ok(strlen(hash) == 64 && strspn(hash, "0123456789abcdef") == 64,
		    "row %lld: hash is 64 hex digits", i);
		km_strlcpy(last, hash, sizeof(last));
	}
	field(1, "prev", buf, sizeof(buf));
	is_str(buf, GENESIS, "row 1 follows the genesis hash");

	verify_is(0, NROWS, 0, NULL, "whole chain");

	/* Appending later continues the chain. */
	km_db_begin(db, &e);
	km_db_set_now(db, T0 + 3600);
	km_audit(db, "card.activate", "1234561000000022",
	    "personalised -> active", &e);
	km_db_commit(db, &e);
	field(NROWS, "hash", buf, sizeof(buf));
	field(NROWS + 1, "prev", prev, sizeof(prev));
	is_str(prev, buf, "a later row follows the last");
	verify_is(0, NROWS + 1, 0, NULL, "chain after a later row");

	/* A failed transaction leaves no row behind. */
	km_db_begin(db, &e);
	km_audit(db, "card.revoke", "1234561000000022", "gone", &e);
	km_db_rollback(db);
	is(q_int("SELECT COUNT(*) FROM audit"), NROWS + 1,
	    "rolled back: no row");
	verify_is(0, NROWS + 1, 0, NULL, "chain after a rollback");
}

static void
test_triggers(void)
{
	struct km_err e;
	const char *msg;
	int rc;

	rc = sql("UPDATE audit SET detail = 'x' WHERE seq = 2", &msg);
	is(rc & 0xff, SQLITE_CONSTRAINT, "UPDATE audit: refused");
	ok(strstr(msg, "audit rows are append-only") != NULL,
	    "UPDATE audit: says why (%s)", msg);
	rc = sql("DELETE FROM audit WHERE seq = 2", &msg);
	is(rc & 0xff, SQLITE_CONSTRAINT, "DELETE audit: refused");
	ok(strstr(msg, "audit rows are append-only") != NULL,
	    "DELETE audit: says why");
	is(q_int("SELECT COUNT(*) FROM audit"), NROWS + 1,
	    "triggers: all rows still there");
	rc = sql("DELETE FROM audit", NULL);
	is(rc & 0xff, SQLITE_CONSTRAINT, "DELETE all audit: refused");

	/* Through the library a refused change is bad data. */
	memset(&e, 0, sizeof(e));
	ok(km_db_exec(db, "UPDATE audit SET actor = 'x'", &e) == -1 &&
	    e.eclass == KM_EDATA, "km_db_exec UPDATE audit: KM_EDATA");

	/* The other append-only tables. */
	rc = sql("INSERT INTO hotlist_event (number, op, at) VALUES"
	    " ('1234561000000014', '+', 'x')", NULL);
	is(rc, SQLITE_OK, "hotlist_event: INSERT allowed");
	rc = sql("UPDATE hotlist_event SET op = '-'", &msg);
	ok((rc & 0xff) == SQLITE_CONSTRAINT &&
	    strstr(msg, "hotlist events are append-only") != NULL,
	    "hotlist_event: UPDATE refused");
	rc = sql("DELETE FROM hotlist_event", &msg);
	ok((rc & 0xff) == SQLITE_CONSTRAINT &&
	    strstr(msg, "hotlist events are append-only") != NULL,
	    "hotlist_event: DELETE refused");
	rc = sql("INSERT INTO hotlist_event (number, op, at) VALUES"
	    " ('1234561000000014', '*', 'x')", NULL);
	is(rc & 0xff, SQLITE_CONSTRAINT, "hotlist_event: op only + or -");
	rc = sql("INSERT INTO holder (holder_key, kind, pesel, first_name,"
	    " surname, street, postcode, city, name_key, name_key2,"
	    " created_at) VALUES ('P:1', 1, '1', 'a', 'b', 'c', 'd', 'e',"
	    " 'b a', 'a b', 'x');"
	    "INSERT INTO card (id, number, type, state, holder_id, services,"
	    " ordered_at, state_at, expires_at) VALUES (1, '1234561000000014',"
	    " 1, 'ordered', 1, 1, 'x', 'x', 'x');"
	    "INSERT INTO card_event (card_id, at, ev, to_state, actor) VALUES"
	    " (1, 'x', 'order', 'ordered', 'tester')", &msg);
	is(rc, SQLITE_OK, "card_event: INSERT allowed (%s)", msg);
	rc = sql("UPDATE card_event SET note = 'x'", &msg);
	ok((rc & 0xff) == SQLITE_CONSTRAINT &&
	    strstr(msg, "card events are append-only") != NULL,
	    "card_event: UPDATE refused");
	rc = sql("DELETE FROM card_event", &msg);
	ok((rc & 0xff) == SQLITE_CONSTRAINT &&
	    strstr(msg, "card events are append-only") != NULL,
	    "card_event: DELETE refused");
}

static void
test_tamper(void)
{
	static const char *cols[] = { "at", "actor", "action", "subject",
	    "detail" };
	char q[512], want[256], orig[256], h2[65], h3[65], prev3[65];
	char at[64], actor[64], action[64], subject[64];
	const char *msg;
	size_t i;
	long long n = NROWS + 1;

	is(sql("DROP TRIGGER audit_no_update", &msg), SQLITE_OK,
	    "tamper: drop audit_no_update");

	/* Each field of row 3, changed, is found at row 3. */
	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		field(3, cols[i], orig, sizeof(orig));
		snprintf(q, sizeof(q), "UPDATE audit SET %s = %s || 'x'"
		    " WHERE seq = 3", cols[i], cols[i]);
		sql(q, NULL);
		snprintf(want, sizeof(want), "tampered %s", cols[i]);
		verify_is(1, 0, 3, "audit row 3 does not verify: its content "
		    "was changed", want);
		snprintf(q, sizeof(q), "UPDATE audit SET %s = '%s'"
		    " WHERE seq = 3", cols[i], orig);
		sql(q, NULL);
	}
	verify_is(0, n, 0, NULL, "fields put back");

	/* A byte moved from one field to the next changes the hash too. */
	sql("UPDATE audit SET action = 'card.bloc', subject = 'k' || subject"
	    " WHERE seq = 3", NULL);
	verify_is(1, 0, 3, NULL, "a byte moved between fields");
	sql("UPDATE audit SET action = 'card.block', subject = substr(subject,"
	    " 2) WHERE seq = 3", NULL);
	verify_is(0, n, 0, NULL, "moved byte put back");

	/* The first row, and the last. */
	sql("UPDATE audit SET detail = 'holder=9 type=resident' WHERE seq = 1",
	    NULL);
	verify_is(1, 0, 1, "audit row 1 does not verify: its content was "
	    "changed", "tampered first row");
	sql("UPDATE audit SET detail = 'holder=1 type=resident' WHERE seq = 1",
	    NULL);
	snprintf(q, sizeof(q), "UPDATE audit SET actor = 'root' WHERE"
	    " seq = %lld", n);
	sql(q, NULL);
	snprintf(want, sizeof(want), "audit row %lld does not verify: its "
	    "content was changed", n);
	verify_is(1, 0, n, want, "tampered last row");
	snprintf(q, sizeof(q), "UPDATE audit SET actor = 'tester' WHERE"
	    " seq = %lld", n);
	sql(q, NULL);
	verify_is(0, n, 0, NULL, "first and last put back");

	/* A row's hash changed: that row no longer verifies. */
	field(3, "hash", h3, sizeof(h3));
	sql("UPDATE audit SET hash = '" GENESIS "' WHERE seq = 3", NULL);
	verify_is(1, 0, 3, NULL, "a changed hash");
	snprintf(q, sizeof(q), "UPDATE audit SET hash = '%s' WHERE seq = 3",
	    h3);
	sql(q, NULL);

	/* A row's prev changed: it does not follow. */
	field(4, "prev", prev3, sizeof(prev3));
	sql("UPDATE audit SET prev = '" GENESIS "' WHERE seq = 4", NULL);
	verify_is(1, 0, 4, "audit row 4 does not verify: it does not follow "
	    "row 3", "a changed prev");
	snprintf(q, sizeof(q), "UPDATE audit SET prev = '%s' WHERE seq = 4",
	    prev3);
	sql(q, NULL);
	verify_is(0, n, 0, NULL, "prev put back");

	/* A forger who changes row 3 and makes its hash again breaks the
	 * link to row 4. */
	field(2, "hash", h2, sizeof(h2));
	field(3, "at", at, sizeof(at));
	field(3, "actor", actor, sizeof(actor));
	field(3, "action", action, sizeof(action));
	field(3, "subject", subject, sizeof(subject));
	hash_of(3, h2, at, actor, action, subject,
	    "active -> blocked reason=damaged", h3);
	snprintf(q, sizeof(q), "UPDATE audit SET detail = 'active -> blocked"
	    " reason=damaged', hash = '%s' WHERE seq = 3", h3);
	sql(q, NULL);
	verify_is(1, 0, 4, "audit row 4 does not verify: it does not follow "
	    "row 3", "row 3 forged with a fresh hash");
	field(3, "hash", orig, sizeof(orig));
	is_str(orig, h3, "the forged hash is what the chain would compute");
	hash_of(3, h2, at, actor, action, subject,
	    "active -> blocked reason=lost", h3);
	snprintf(q, sizeof(q), "UPDATE audit SET detail = 'active -> blocked"
	    " reason=lost', hash = '%s' WHERE seq = 3", h3);
	sql(q, NULL);
	verify_is(0, n, 0, NULL, "forgery undone");
}

static const char *const rowcols[] = { "at", "actor", "action", "subject",
    "detail", "prev", "hash" };

/* Keeps the columns of row seq, to put it back with restore(). */
static void
save(long long seq, char cols[7][80])
{
	size_t i;

	for (i = 0; i < 7; i++)
		field(seq, rowcols[i], cols[i], sizeof(cols[i]));
}

static int
restore(long long seq, char cols[7][80])
{
	char q[1024];

	snprintf(q, sizeof(q), "INSERT INTO audit (seq, at, actor, action,"
	    " subject, detail, prev, hash) VALUES (%lld, '%s', '%s', '%s',"
	    " '%s', '%s', '%s', '%s')", seq, cols[0], cols[1], cols[2],
	    cols[3], cols[4], cols[5], cols[6]);
	return sql(q, NULL);
}

static void
test_delete(void)
{
	char r3[7][80], r4[7][80], r5[7][80];
	const char *msg;
	long long n = NROWS + 1;

	is(sql("DROP TRIGGER audit_no_delete", &msg), SQLITE_OK,
	    "delete: drop audit_no_delete");
	save(3, r3);
	save(4, r4);
	save(5, r5);
	is(sql("DELETE FROM audit WHERE seq = 3", NULL), SQLITE_OK,
	    "delete: row 3 removed");
	verify_is(1, 0, 3, "audit row 3 is missing (next row is 4)",
	    "a middle row deleted");
	/* The same row put back: the chain is whole again. */
	is(restore(3, r3), SQLITE_OK, "delete: row 3 put back");
	verify_is(0, n, 0, NULL, "row put back");

	/* Two rows in a row gone: the first missing one is named. */
	sql("DELETE FROM audit WHERE seq IN (4, 5)", NULL);
	verify_is(1, 0, 4, "audit row 4 is missing (next row is 6)",
	    "two rows deleted");
	ok(restore(4, r4) == SQLITE_OK && restore(5, r5) == SQLITE_OK,
	    "delete: rows 4 and 5 put back");
	verify_is(0, n, 0, NULL, "rows put back");

	/* Rows renumbered to close the gap: the next row does not follow. */
	sql("DELETE FROM audit WHERE seq = 3", NULL);
	is(sql("UPDATE audit SET seq = seq - 1 WHERE seq > 3", &msg),
	    SQLITE_OK, "delete: rows after 3 renumbered (%s)", msg);
	verify_is(1, 0, 3, "audit row 3 does not verify: it does not follow "
	    "row 2", "a row deleted and the rest renumbered");

	/* The first row gone is named before anything later. */
	sql("DELETE FROM audit WHERE seq = 1", NULL);
	verify_is(1, 0, 1, "audit row 1 is missing (next row is 2)",
	    "the first row deleted");
}

int
main(void)
{
	struct km_cfg *cfg;
	struct km_err e;
	int from, to;

	umask(022);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	if ((cfg = config()) == NULL) {
		printf("Bail out! cannot make the config\n");
		run("rm -rf %s", dir);
		return 1;
	}
	if (km_db_open(&db, cfg, KM_DB_CREATE, &e) == -1 ||
	    km_db_migrate(db, &from, &to, &e) == -1) {
		printf("Bail out! %s\n", e.msg);
		km_cfg_free(cfg);
		run("rm -rf %s", dir);
		return 1;
	}
	km_db_set_actor(db, "tester");
	km_db_set_now(db, T0);
	test_chain();
	test_triggers();
	test_tamper();
	test_delete();
	km_db_close(db);
	km_cfg_free(cfg);
	run("rm -rf %s", dir);
	return done();
}
