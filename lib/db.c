/*
 * db.c -- the store.  One SQLite file, named by the config; only kmdb-init
 * creates it.  Every connection runs with foreign keys on, synchronous=FULL
 * (a committed transaction survives a power cut) and a busy timeout; the
 * file is in WAL mode, set once when it is created.  Schema changes are
 * numbered migrations (lib/schema/NNN-*.sql) and the store's user_version
 * says how many have run; programs refuse a store at another version.
 * Writers take the lock up front with BEGIN IMMEDIATE, so a busy store is
 * a temporary failure at the start and never a deadlock half-way.
 *
 * What cannot be shared with PostgreSQL lives here only: the pragmas, the
 * transaction modes, the statement cache.  Domain modules bring their own
 * SQL and run it through km_db_stmt().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "km-internal.h"

#define NSTMT 96

struct km_db {
	sqlite3		*h;
	char		*path;
	int		 intx;		/* inside BEGIN ... COMMIT */
	int		 nsave;		/* savepoint depth */
	time_t		 now;
	char		 actor[KM_NAMESZ];
	struct {
		const char	*sql;
		sqlite3_stmt	*st;
	} cache[NSTMT];
};

int
km_db_schema_version(void)
{
	int n = 0;

	while (km_schema[n] != NULL)
		n++;
	return n;
}

void
km_db_seterr(struct km_db *db, int rc, const char *what, struct km_err *err)
{
	enum km_errclass c;
	int prim = rc & 0xff;

	switch (prim) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		km_errf(err, KM_ETEMP,
		    "store '%s' is busy: another program is writing to it",
		    db->path);
		return;
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_TOOBIG:
		c = KM_EDATA;
		break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		km_errf(err, KM_EDATA, "store '%s' is damaged: %s", db->path,
		    sqlite3_errmsg(db->h));
		return;
	default:
		c = KM_ESYS;
		break;
	}
	km_errf(err, c, "store: %s: %s", what, sqlite3_errmsg(db->h));
}

static int
pragma_int(struct km_db *db, const char *sql, int *v, struct km_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL)) != SQLITE_OK)
		return km_db_err(db, rc, sql, err);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return km_db_err(db, rc, sql, err);
	return 0;
}

int
km_db_exec(struct km_db *db, const char *sql, struct km_err *err)
{
	int rc;

	if ((rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL)) != SQLITE_OK)
		return km_db_err(db, rc, "exec", err);
	return 0;
}

/*
 * Opens the store cfg names.  Without KM_DB_CREATE the file must exist
 * and be at this program's schema version.  Returns 0 with *dbp set, or
 * -1.
 */
int
km_db_open(struct km_db **dbp, const struct km_cfg *cfg, int flags,
    struct km_err *err)
{
	struct km_db *db;
	struct stat sb;
	int oflags, rc, v;

	*dbp = NULL;
	if (!(flags & KM_DB_CREATE) && stat(cfg->store.path, &sb) == -1)
		return km_errf(err, errno == ENOENT ? KM_EDATA : KM_ESYS,
		    "cannot open store '%s': %s%s", cfg->store.path,
		    strerror(errno), errno == ENOENT ?
		    " (create it with kmdb-init)" : "");
	if ((db = calloc(1, sizeof(*db))) == NULL ||
	    (db->path = strdup(cfg->store.path)) == NULL) {
		free(db);
		return km_errf(err, KM_ESYS, "out of memory");
	}
	db->now = time(NULL);
	km_strlcpy(db->actor, "unknown", sizeof(db->actor));
	if (flags & KM_DB_CREATE)
		oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	else if (flags & KM_DB_RDWR)
		oflags = SQLITE_OPEN_READWRITE;
	else
		oflags = SQLITE_OPEN_READONLY;
	rc = sqlite3_open_v2(db->path, &db->h, oflags | SQLITE_OPEN_NOMUTEX,
	    NULL);
	if (rc != SQLITE_OK) {
		km_errf(err, KM_ESYS, "cannot open store '%s': %s", db->path,
		    db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
		km_db_close(db);
		return -1;
	}
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_busy_timeout(db->h, cfg->store.busy_timeout);
	if (km_db_exec(db, "PRAGMA foreign_keys = ON", err) == -1 ||
	    ((flags & (KM_DB_RDWR | KM_DB_CREATE)) &&
	    km_db_exec(db, "PRAGMA synchronous = FULL", err) == -1) ||
	    pragma_int(db, "PRAGMA user_version", &v, err) == -1) {
		km_db_close(db);
		return -1;
	}
	if (!(flags & KM_DB_CREATE) && v != km_db_schema_version()) {
		km_errf(err, KM_EDATA, "store '%s' is at schema version %d, "
		    "these programs need %d (run kmdb-init)", db->path, v,
		    km_db_schema_version());
		km_db_close(db);
		return -1;
	}
	*dbp = db;
	return 0;
}

void
km_db_close(struct km_db *db)
{
	size_t i;

	if (db == NULL)
		return;
	for (i = 0; i < NSTMT; i++)
		if (db->cache[i].st != NULL)
			sqlite3_finalize(db->cache[i].st);
	if (db->h != NULL) {
		if (db->intx)
			sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(db->h);
	}
	free(db->path);
	free(db);
}

/*
 * Brings the store to the latest schema, one migration per transaction.
 * A new store is put in WAL mode first.
 */
int
km_db_migrate(struct km_db *db, int *from, int *to, struct km_err *err)
{
	int v, want = km_db_schema_version();
	char sql[64];

	if (pragma_int(db, "PRAGMA user_version", &v, err) == -1)
		return -1;
	*from = *to = v;
	if (v > want)
		return km_errf(err, KM_EDATA, "store '%s' is at schema version "
		    "%d, newer than these programs (%d)", db->path, v, want);
	if (km_db_exec(db, "PRAGMA journal_mode = WAL", err) == -1)
		return -1;
	for (; v < want; v++) {
		if (km_db_begin(db, err) == -1)
			return -1;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (km_db_exec(db, km_schema[v], err) == -1 ||
		    km_db_exec(db, sql, err) == -1) {
			km_errpre(err, "migration %d", v + 1);
			km_db_rollback(db);
			return -1;
		}
		if (km_db_commit(db, err) == -1)
			return -1;
		*to = v + 1;
	}
	return 0;
}

int
km_db_begin(struct km_db *db, struct km_err *err)
{
	int rc;

	if (db->intx)
		return km_errf(err, KM_ESYS, "store: transaction already open");
	rc = sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return km_db_err(db, rc, "begin", err);
	db->intx = 1;
	db->nsave = 0;
	return 0;
}

int
km_db_commit(struct km_db *db, struct km_err *err)
{
	size_t i;
	int rc;

	for (i = 0; i < NSTMT; i++)
		if (db->cache[i].st != NULL)
			sqlite3_reset(db->cache[i].st);
	rc = sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		km_db_err(db, rc, "commit", err);
		km_db_rollback(db);
		return -1;
	}
	db->intx = 0;
	return 0;
}

void
km_db_rollback(struct km_db *db)
{
	size_t i;

	for (i = 0; i < NSTMT; i++)
		if (db->cache[i].st != NULL)
			sqlite3_reset(db->cache[i].st);
	if (db->intx)
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	db->intx = 0;
}

int
km_db_savepoint(struct km_db *db, struct km_err *err)
{
	if (km_db_exec(db, "SAVEPOINT km_row", err) == -1)
		return -1;
	db->nsave++;
	return 0;
}

int
km_db_release(struct km_db *db, struct km_err *err)
{
	if (km_db_exec(db, "RELEASE km_row", err) == -1)
		return -1;
	db->nsave--;
	return 0;
}

void
km_db_rollback_to(struct km_db *db)
{
	size_t i;

	for (i = 0; i < NSTMT; i++)
		if (db->cache[i].st != NULL)
			sqlite3_reset(db->cache[i].st);
	sqlite3_exec(db->h, "ROLLBACK TO km_row; RELEASE km_row", NULL, NULL,
	    NULL);
	db->nsave--;
}

sqlite3 *
km_db_handle(struct km_db *db)
{
	return db->h;
}

sqlite3_stmt *
km_db_stmt(struct km_db *db, const char *sql, struct km_err *err)
{
	size_t i;
	int rc;

	for (i = 0; i < NSTMT && db->cache[i].sql != NULL; i++) {
		if (db->cache[i].sql == sql) {
			sqlite3_reset(db->cache[i].st);
			sqlite3_clear_bindings(db->cache[i].st);
			return db->cache[i].st;
		}
	}
	if (i == NSTMT) {
		km_errf(err, KM_ESYS, "store: statement cache full");
		return NULL;
	}
	rc = sqlite3_prepare_v2(db->h, sql, -1, &db->cache[i].st, NULL);
	if (rc != SQLITE_OK) {
		km_db_err(db, rc, "prepare", err);
		db->cache[i].st = NULL;
		return NULL;
	}
	db->cache[i].sql = sql;
	return db->cache[i].st;
}

int
km_db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL || *s == '\0')
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

void
km_db_col(sqlite3_stmt *st, int i, char *buf, size_t sz)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	km_strlcpy(buf, s != NULL ? (const char *)s : "", sz);
}

void
km_db_set_actor(struct km_db *db, const char *user)
{
	km_strlcpy(db->actor, user, sizeof(db->actor));
}

const char *
km_db_actor(const struct km_db *db)
{
	return db->actor;
}

time_t
km_db_now(const struct km_db *db)
{
	return db->now;
}

void
km_db_set_now(struct km_db *db, time_t t)
{
	db->now = t;
}
