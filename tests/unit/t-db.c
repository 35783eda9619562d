/*
 * t-db.c -- the store (lib/db.c): creation and migration, the pragmas
 * every connection runs with, refusal of a missing, damaged or
 * other-version store, transactions and savepoints, a busy store as a
 * temporary failure, and the statement cache.  Each store lives in a
 * private directory under /tmp, removed at the end; a second connection
 * made with sqlite3 directly plays "another program".
 */
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "km-internal.h"
#include "tap.h"

static char dir[] = "/tmp/t-db.XXXXXX";
static char dbpath[PATH_MAX];

static int run(const char *fmt, ...) KM_PRINTF(1, 2);

/* Runs the shell command made from fmt; returns its wait status. */
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

/* Writes text to dir/name; returns the path (a static buffer). */
static const char *
put(const char *name, const char *text)
{
	static char p[PATH_MAX];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if ((fp = fopen(p, "w")) == NULL) {
		perror(p);
		exit(1);
	}
	fputs(text, fp);
	if (fclose(fp) == EOF) {
		perror(p);
		exit(1);
	}
	return p;
}

/* Writes a config named name for the store file store in dir, and loads
 * it. */
static struct km_cfg *
config(const char *name, const char *store)
{
	struct km_cfg *cfg = NULL;
	struct km_err e;
	char text[4 * PATH_MAX];

	snprintf(text, sizeof(text),
	    "store:\n  path: %s/%s\n  busy_timeout: 50\n"
	    "roles:\n  clerk: [tester]\n  admin: [tester]\n"
	    "keys:\n  hotlist_signer: %s/hotlist.pem\n"
	    "blacklist:\n  max_add: 3\n", dir, store, dir);
	if (km_cfg_load(&cfg, put(name, text), &e) == -1) {
		printf("# %s\n", e.msg);
		ok(0, "config %s loads", name);
		return NULL;
	}
	return cfg;
}

/* The first column of the first row of sql, as an integer; -999 if
 * there is none or sql fails. */
static long long
q_int(sqlite3 *h, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -999;

	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		printf("# %s: %s\n", sql, sqlite3_errmsg(h));
		return v;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The same, as text into buf ("" if none). */
static const char *
q_str(sqlite3 *h, const char *sql, char *buf, size_t sz)
{
	sqlite3_stmt *st;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		printf("# %s: %s\n", sql, sqlite3_errmsg(h));
		return buf;
	}
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0) != NULL)
		km_strlcpy(buf, (const char *)sqlite3_column_text(st, 0), sz);
	sqlite3_finalize(st);
	return buf;
}

/* Another program's connection to the file at path. */
static sqlite3 *
other(const char *path)
{
	sqlite3 *h = NULL;

	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		printf("# %s: %s\n", path, h ? sqlite3_errmsg(h) : "?");
		sqlite3_close(h);
		return NULL;
	}
	return h;
}

/* Sets user_version of the store at path from another connection. */
static void
set_version(const char *path, int v)
{
	sqlite3 *h;
	char sql[64];

	if ((h = other(path)) == NULL) {
		ok(0, "open %s to set its version", path);
		return;
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
	if (sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK)
		ok(0, "%s: %s", sql, sqlite3_errmsg(h));
	sqlite3_close(h);
}

/* Whether the counter row name is in the store (another connection). */
static int
has_counter(const char *name)
{
	sqlite3 *h;
	char sql[128];
	long long n;

	if ((h = other(dbpath)) == NULL)
		return -1;
	snprintf(sql, sizeof(sql),
	    "SELECT COUNT(*) FROM counter WHERE name = '%s'", name);
	n = q_int(h, sql);
	sqlite3_close(h);
	return (int)n;
}

static double
now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec * 1000.0 + tv.tv_usec / 1000.0;
}

static void
test_create(struct km_cfg *cfg)
{
	struct km_db *db = (struct km_db *)1;
	struct km_err e;
	struct stat sb;
	char buf[64], longname[200];
	int from = -1, to = -1, v = km_db_schema_version();
	time_t t0;

	ok(v >= 1, "schema: at least one migration (%d)", v);
	ok(stat(dbpath, &sb) == -1 && errno == ENOENT, "create: no file yet");
	t0 = time(NULL);
	if (!ok(km_db_open(&db, cfg, KM_DB_CREATE, &e) == 0 && db != NULL,
	    "create: opens")) {
		printf("#   %s\n", e.msg);
		return;
	}
	ok(stat(dbpath, &sb) == 0, "create: the file exists");
	is(q_int(km_db_handle(db), "PRAGMA user_version"), 0,
	    "create: user_version 0 before migrating");
	is(km_db_migrate(db, &from, &to, &e), 0, "migrate: succeeds");
	is(from, 0, "migrate: from 0");
	is(to, v, "migrate: to the schema version");
	is(q_int(km_db_handle(db), "PRAGMA user_version"), v,
	    "migrate: user_version is km_db_schema_version()");
	is_str(q_str(km_db_handle(db), "PRAGMA journal_mode", buf,
	    sizeof(buf)), "wal", "migrate: journal_mode wal");
	is(q_int(km_db_handle(db), "PRAGMA foreign_keys"), 1,
	    "create: foreign_keys on");
	is(q_int(km_db_handle(db), "PRAGMA synchronous"), 2,
	    "create: synchronous FULL");
	is(q_int(km_db_handle(db), "PRAGMA busy_timeout"), 50,
	    "create: busy_timeout from the config");
	is(q_int(km_db_handle(db), "SELECT COUNT(*) FROM sqlite_master WHERE"
	    " type = 'table' AND name IN ('holder', 'card', 'counter',"
	    " 'card_event', 'hotlist', 'hotlist_event', 'hotlist_version',"
	    " 'audit')"), 8, "migrate: the register's tables exist");

	from = to = -1;
	is(km_db_migrate(db, &from, &to, &e), 0, "migrate again: succeeds");
	ok(from == v && to == v, "migrate again: nothing to do (%d..%d)",
	    from, to);

	is_str(km_db_actor(db), "unknown", "actor: 'unknown' by default");
	km_db_set_actor(db, "tester");
	is_str(km_db_actor(db), "tester", "actor: set");
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	km_db_set_actor(db, longname);
	ok(strlen(km_db_actor(db)) == KM_NAMESZ - 1 &&
	    strncmp(km_db_actor(db), longname, KM_NAMESZ - 1) == 0,
	    "actor: a long name is cut to %d bytes", KM_NAMESZ - 1);
	ok(km_db_now(db) >= t0 && km_db_now(db) <= time(NULL),
	    "now: the clock by default");
	km_db_set_now(db, 1700000000);
	is(km_db_now(db), 1700000000, "now: set");
	km_db_close(db);
	km_db_close(NULL);
	ok(1, "close: NULL is a no-op");
}

static void
test_reopen(struct km_cfg *cfg)
{
	struct km_db *db;
	struct km_err e;
	char buf[64];
	int v = km_db_schema_version();

	if (!ok(km_db_open(&db, cfg, KM_DB_RDWR, &e) == 0,
	    "reopen rdwr: without KM_DB_CREATE")) {
		printf("#   %s\n", e.msg);
		return;
	}
	is(q_int(km_db_handle(db), "PRAGMA user_version"), v,
	    "reopen: same version");
	is_str(q_str(km_db_handle(db), "PRAGMA journal_mode", buf,
	    sizeof(buf)), "wal", "reopen: still wal");
	is(q_int(km_db_handle(db), "PRAGMA foreign_keys"), 1,
	    "reopen: foreign_keys on");
	is(q_int(km_db_handle(db), "PRAGMA synchronous"), 2,
	    "reopen: synchronous FULL");
	ok(km_db_exec(db, "INSERT INTO counter VALUES ('rw', 1)", &e) == 0,
	    "reopen rdwr: can write");
	km_db_close(db);

	if (!ok(km_db_open(&db, cfg, KM_DB_RDONLY, &e) == 0,
	    "reopen rdonly: opens")) {
		printf("#   %s\n", e.msg);
		return;
	}
	is(q_int(km_db_handle(db), "SELECT value FROM counter WHERE"
	    " name = 'rw'"), 1, "reopen rdonly: can read");
	is(q_int(km_db_handle(db), "PRAGMA foreign_keys"), 1,
	    "reopen rdonly: foreign_keys on");
	memset(&e, 0, sizeof(e));
	ok(km_db_exec(db, "INSERT INTO counter VALUES ('ro', 1)", &e) == -1 &&
	    e.eclass != KM_EOK && strncmp(e.msg, "store: exec: ", 13) == 0,
	    "reopen rdonly: cannot write (%s)", e.msg);
	km_db_close(db);
	is(has_counter("ro"), 0, "reopen rdonly: nothing written");
}

static void
test_missing(void)
{
	struct km_cfg *cfg;
	struct km_db *db = (struct km_db *)1;
	struct km_err e;
	char want[2 * PATH_MAX], p[PATH_MAX];
	struct stat sb;

	if ((cfg = config("missing.yaml", "missing.db")) == NULL)
		return;
	snprintf(p, sizeof(p), "%s/missing.db", dir);
	snprintf(want, sizeof(want), "cannot open store '%s': No such file "
	    "or directory (create it with kmdb-init)", p);
	is(km_db_open(&db, cfg, KM_DB_RDWR, &e), -1, "missing: refused");
	ok(db == NULL, "missing: no handle");
	is(e.eclass, KM_EDATA, "missing: KM_EDATA");
	is_str(e.msg, want, "missing: names kmdb-init");
	ok(stat(p, &sb) == -1 && errno == ENOENT, "missing: not created");
	db = (struct km_db *)1;
	ok(km_db_open(&db, cfg, KM_DB_RDONLY, &e) == -1 && db == NULL &&
	    e.eclass == KM_EDATA && strcmp(e.msg, want) == 0,
	    "missing read-only: refused the same way");
	km_cfg_free(cfg);

	/* In a directory that does not exist, even creating fails. */
	if ((cfg = config("nodir.yaml", "nodir/km.db")) == NULL)
		return;
	ok(km_db_open(&db, cfg, KM_DB_CREATE, &e) == -1 && db == NULL &&
	    e.eclass == KM_ESYS, "create in a missing directory: KM_ESYS");
	km_cfg_free(cfg);

	/* A file that is not a database is damaged: bad data. */
	put("junk.db", "this is not an SQLite database, just some text that "
	    "is long enough to fill a header and more than a header, "
	    "so that SQLite reads it and says what it is.\n");
	if ((cfg = config("junk.yaml", "junk.db")) == NULL)
		return;
	snprintf(p, sizeof(p), "store '%s/junk.db' is damaged", dir);
	ok(km_db_open(&db, cfg, KM_DB_RDWR, &e) == -1 && db == NULL,
	    "not a database: refused");
	is(e.eclass, KM_EDATA, "not a database: KM_EDATA");
	ok(strncmp(e.msg, p, strlen(p)) == 0, "not a database: damaged (%s)",
	    e.msg);
	km_cfg_free(cfg);
}

static void
test_version(void)
{
	struct km_cfg *cfg;
	struct km_db *db;
	struct km_err e;
	char want[2 * PATH_MAX], p[PATH_MAX];
	int v = km_db_schema_version(), from, to;

	if ((cfg = config("other.yaml", "other.db")) == NULL)
		return;
	snprintf(p, sizeof(p), "%s/other.db", dir);
	if (km_db_open(&db, cfg, KM_DB_CREATE, &e) == -1 ||
	    km_db_migrate(db, &from, &to, &e) == -1) {
		ok(0, "other store: made (%s)", e.msg);
		km_cfg_free(cfg);
		return;
	}
	km_db_close(db);

	set_version(p, v + 1);
	db = (struct km_db *)1;
	snprintf(want, sizeof(want), "store '%s' is at schema version %d, "
	    "these programs need %d (run kmdb-init)", p, v + 1, v);
	is(km_db_open(&db, cfg, KM_DB_RDWR, &e), -1, "newer store: refused");
	ok(db == NULL, "newer store: no handle");
	is(e.eclass, KM_EDATA, "newer store: KM_EDATA");
	is_str(e.msg, want, "newer store: message");
	ok(km_db_open(&db, cfg, KM_DB_RDONLY, &e) == -1 &&
	    e.eclass == KM_EDATA, "newer store: refused read-only too");

	/* kmdb-init opens with KM_DB_CREATE; migrating a newer store is
	 * refused. */
	if (ok(km_db_open(&db, cfg, KM_DB_CREATE, &e) == 0,
	    "newer store: opens for kmdb-init")) {
		from = to = -1;
		snprintf(want, sizeof(want), "store '%s' is at schema version "
		    "%d, newer than these programs (%d)", p, v + 1, v);
		is(km_db_migrate(db, &from, &to, &e), -1,
		    "newer store: migrate refused");
		is(e.eclass, KM_EDATA, "newer store: migrate KM_EDATA");
		is_str(e.msg, want, "newer store: migrate message");
		ok(from == v + 1 && to == v + 1,
		    "newer store: from and to the store's version");
		km_db_close(db);
	}

	set_version(p, v - 1);
	snprintf(want, sizeof(want), "store '%s' is at schema version %d, "
	    "these programs need %d (run kmdb-init)", p, v - 1, v);
	ok(km_db_open(&db, cfg, KM_DB_RDWR, &e) == -1 &&
	    e.eclass == KM_EDATA && strcmp(e.msg, want) == 0,
	    "older store: refused, naming kmdb-init");

	set_version(p, v);
	ok(km_db_open(&db, cfg, KM_DB_RDWR, &e) == 0,
	    "store put back at the version: opens");
	if (db != NULL)
		km_db_close(db);
	km_cfg_free(cfg);
}

static void
test_tx(struct km_cfg *cfg)
{
	struct km_db *db;
	struct km_err e;

	if (km_db_open(&db, cfg, KM_DB_RDWR, &e) == -1) {
		ok(0, "tx: open (%s)", e.msg);
		return;
	}
	is(km_db_begin(db, &e), 0, "begin");
	memset(&e, 0, sizeof(e));
	is(km_db_begin(db, &e), -1, "begin twice: refused");
	is(e.eclass, KM_ESYS, "begin twice: KM_ESYS");
	is_str(e.msg, "store: transaction already open", "begin twice: why");
	km_db_exec(db, "INSERT INTO counter VALUES ('a', 1)", &e);
	is(has_counter("a"), 0, "begin: not seen by others before commit");
	is(km_db_commit(db, &e), 0, "commit");
	is(has_counter("a"), 1, "commit: seen by others");

	is(km_db_begin(db, &e), 0, "begin after commit");
	km_db_exec(db, "INSERT INTO counter VALUES ('b', 1)", &e);
	km_db_rollback(db);
	is(has_counter("b"), 0, "rollback: the row is gone");
	km_db_rollback(db);
	ok(1, "rollback outside a transaction: harmless");
	memset(&e, 0, sizeof(e));
	ok(km_db_commit(db, &e) == -1 && e.eclass != KM_EOK,
	    "commit outside a transaction: an error");
	is(km_db_begin(db, &e), 0, "begin after a failed commit");

	/* Savepoints keep the earlier work of the transaction. */
	km_db_exec(db, "INSERT INTO counter VALUES ('c', 1)", &e);
	is(km_db_savepoint(db, &e), 0, "savepoint");
	km_db_exec(db, "INSERT INTO counter VALUES ('d', 1)", &e);
	km_db_rollback_to(db);
	memset(&e, 0, sizeof(e));
	ok(km_db_begin(db, &e) == -1 &&
	    strcmp(e.msg, "store: transaction already open") == 0,
	    "rollback_to: the transaction is still open");
	km_db_exec(db, "INSERT INTO counter VALUES ('e', 1)", &e);
	is(km_db_savepoint(db, &e), 0, "savepoint again");
	km_db_exec(db, "INSERT INTO counter VALUES ('f', 1)", &e);
	is(km_db_release(db, &e), 0, "release");
	/* A refused row inside a savepoint, as a batch does it. */
	is(km_db_savepoint(db, &e), 0, "savepoint for a bad row");
	km_db_exec(db, "INSERT INTO counter VALUES ('h', 1)", &e);
	memset(&e, 0, sizeof(e));
	is(km_db_exec(db, "INSERT INTO counter VALUES ('c', 2)", &e), -1,
	    "duplicate key: refused");
	is(e.eclass, KM_EDATA, "duplicate key: KM_EDATA");
	km_db_rollback_to(db);
	is(km_db_commit(db, &e), 0, "commit after savepoints");
	is(has_counter("c"), 1, "savepoint: work before it kept");
	is(has_counter("d"), 0, "rollback_to: work after it undone");
	is(has_counter("e"), 1, "rollback_to: work after it kept");
	is(has_counter("f"), 1, "release: work inside kept");
	is(has_counter("h"), 0, "rollback_to after an error: row undone");
	is(q_int(km_db_handle(db), "SELECT value FROM counter WHERE"
	    " name = 'c'"), 1, "duplicate key: the first row unchanged");

	/* Closing inside a transaction rolls it back. */
	km_db_begin(db, &e);
	km_db_exec(db, "INSERT INTO counter VALUES ('g', 1)", &e);
	km_db_close(db);
	is(has_counter("g"), 0, "close inside a transaction: rolled back");

	/* Foreign keys are enforced; a violation is bad data. */
	if (km_db_open(&db, cfg, KM_DB_RDWR, &e) == -1) {
		ok(0, "tx: reopen (%s)", e.msg);
		return;
	}
	memset(&e, 0, sizeof(e));
	is(km_db_exec(db, "INSERT INTO card (number, type, state, holder_id,"
	    " services, ordered_at, state_at, expires_at) VALUES"
	    " ('1234561000000014', 1, 'ordered', 999, 1, 'x', 'x', 'x')", &e),
	    -1, "foreign key: a card of no holder refused");
	is(e.eclass, KM_EDATA, "foreign key: KM_EDATA");
	ok(strstr(e.msg, "FOREIGN KEY constraint failed") != NULL,
	    "foreign key: says so (%s)", e.msg);
	km_db_close(db);
}

static void
test_busy(struct km_cfg *cfg)
{
	struct km_db *a, *b;
	struct km_err e;
	char want[2 * PATH_MAX];
	double t;

	if (km_db_open(&a, cfg, KM_DB_RDWR, &e) == -1 ||
	    km_db_open(&b, cfg, KM_DB_RDWR, &e) == -1) {
		ok(0, "busy: open two (%s)", e.msg);
		return;
	}
	snprintf(want, sizeof(want), "store '%s' is busy: another program "
	    "is writing to it", dbpath);
	is(km_db_begin(a, &e), 0, "busy: first connection begins");
	km_db_exec(a, "INSERT INTO counter VALUES ('busy', 1)", &e);
	t = now_ms();
	memset(&e, 0, sizeof(e));
	is(km_db_begin(b, &e), -1, "busy: second BEGIN IMMEDIATE refused");
	t = now_ms() - t;
	is(e.eclass, KM_ETEMP, "busy: KM_ETEMP");
	is_str(e.msg, want, "busy: message");
	ok(t >= 40 && t < 4000, "busy: waited about busy_timeout (%.0f ms)",
	    t);
	is(q_int(km_db_handle(b), "SELECT COUNT(*) FROM counter WHERE"
	    " name = 'busy'"), 0, "busy: the other can still read (WAL)");
	memset(&e, 0, sizeof(e));
	ok(km_db_exec(b, "INSERT INTO counter VALUES ('busy2', 1)", &e) ==
	    -1 && e.eclass == KM_ETEMP, "busy: a plain write is KM_ETEMP too");
	is(km_db_commit(a, &e), 0, "busy: first commits");
	is(km_db_begin(b, &e), 0, "busy: then the second begins");
	is(q_int(km_db_handle(b), "SELECT COUNT(*) FROM counter WHERE"
	    " name = 'busy'"), 1, "busy: and sees the first's row");
	memset(&e, 0, sizeof(e));
	ok(km_db_begin(a, &e) == -1 && e.eclass == KM_ETEMP,
	    "busy: now the first waits");
	is(km_db_commit(b, &e), 0, "busy: second commits");
	km_db_close(a);
	km_db_close(b);
}

static void
test_stmt(struct km_cfg *cfg)
{
	static const char q1[] = "SELECT 1";
	static const char q1b[] = "SELECT 1";
	static const char qbind[] = "SELECT ?1";
	static const char qrows[] =
	    "SELECT column1 FROM (VALUES (10), (20), (30))";
	static const char qbad[] = "SELEKT nonsense";
	static char many[100][40];
	sqlite3_stmt *s1, *s2, *s3;
	struct km_db *db;
	struct km_err e;
	size_t i, good;

	if (km_db_open(&db, cfg, KM_DB_RDWR, &e) == -1) {
		ok(0, "stmt: open (%s)", e.msg);
		return;
	}
	s1 = km_db_stmt(db, q1, &e);
	s2 = km_db_stmt(db, q1, &e);
	ok(s1 != NULL && s1 == s2, "stmt: the same SQL constant, the same "
	    "statement");
	s3 = km_db_stmt(db, q1b, &e);
	ok(s3 != NULL && s3 != s1, "stmt: another constant of the same text "
	    "is another statement");

	s1 = km_db_stmt(db, qbind, &e);
	sqlite3_bind_int(s1, 1, 42);
	ok(sqlite3_step(s1) == SQLITE_ROW && sqlite3_column_int(s1, 0) == 42,
	    "stmt: bound");
	s2 = km_db_stmt(db, qbind, &e);
	ok(s2 == s1 && sqlite3_step(s2) == SQLITE_ROW &&
	    sqlite3_column_type(s2, 0) == SQLITE_NULL,
	    "stmt: reset with its bindings cleared");

	s1 = km_db_stmt(db, qrows, &e);
	sqlite3_step(s1);
	sqlite3_step(s1);
	ok(sqlite3_column_int(s1, 0) == 20, "stmt: second row");
	s1 = km_db_stmt(db, qrows, &e);
	ok(sqlite3_step(s1) == SQLITE_ROW && sqlite3_column_int(s1, 0) == 10,
	    "stmt: taken again, it starts from the first row");

	memset(&e, 0, sizeof(e));
	ok(km_db_stmt(db, qbad, &e) == NULL, "stmt: bad SQL is NULL");
	is(e.eclass, KM_ESYS, "stmt: bad SQL KM_ESYS");
	ok(strncmp(e.msg, "store: prepare: ", 16) == 0 &&
	    strstr(e.msg, "syntax error") != NULL, "stmt: bad SQL says why (%s)",
	    e.msg);
	ok(km_db_stmt(db, qbad, &e) == NULL, "stmt: bad SQL is not cached");
	km_db_close(db);

	/* The cache holds 96 statements; the next is refused, the cached
	 * ones still come back. */
	if (km_db_open(&db, cfg, KM_DB_RDWR, &e) == -1) {
		ok(0, "stmt: reopen (%s)", e.msg);
		return;
	}
	for (i = 0; i < 100; i++)
		snprintf(many[i], sizeof(many[i]), "SELECT %zu", i);
	for (i = good = 0; i < 96; i++)
		if (km_db_stmt(db, many[i], &e) != NULL)
			good++;
	is(good, 96, "stmt: 96 statements cached");
	memset(&e, 0, sizeof(e));
	ok(km_db_stmt(db, many[96], &e) == NULL, "stmt: the 97th refused");
	ok(e.eclass == KM_ESYS &&
	    strcmp(e.msg, "store: statement cache full") == 0,
	    "stmt: cache full says so");
	s1 = km_db_stmt(db, many[5], &e);
	ok(s1 != NULL && sqlite3_step(s1) == SQLITE_ROW &&
	    sqlite3_column_int(s1, 0) == 5, "stmt: a cached one still works");
	km_db_close(db);
}

int
main(void)
{
	struct km_cfg *cfg;

	umask(022);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(dbpath, sizeof(dbpath), "%s/hotlist.pem", dir);
	if (run("openssl genpkey -algorithm EC -pkeyopt "
	    "ec_paramgen_curve:P-256 -out %s 2>/dev/null", dbpath) != 0 ||
	    chmod(dbpath, 0600) == -1) {
		printf("Bail out! cannot make a key\n");
		run("rm -rf %s", dir);
		return 1;
	}
	snprintf(dbpath, sizeof(dbpath), "%s/km.db", dir);
	if ((cfg = config("km.yaml", "km.db")) == NULL) {
		run("rm -rf %s", dir);
		return done();
	}
	test_create(cfg);
	test_reopen(cfg);
	test_missing();
	test_version();
	test_tx(cfg);
	test_busy(cfg);
	test_stmt(cfg);
	km_cfg_free(cfg);
	run("rm -rf %s", dir);
	return done();
}
