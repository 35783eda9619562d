/*
 * blacklist.c -- the hotlist: the cards every device must refuse.  A card
 * is on it because an admin put it there, or because its lifecycle did
 * (suspended, blocked, replaced, revoked); the entry remembers which, so a
 * resume takes off only what a suspension put on, and an admin cannot take
 * a blocked card off by hand.  Every change is an append-only event, so
 * any published version can be told apart from any other.
 *
 * A published version is a text file a device can search without parsing:
 *
 *	KM-HOTLIST 1
 *	version 42
 *	type full			(or: type delta 41)
 *	created 2026-11-27T22:15:00Z
 *	count 2
 *	9001001000000018 +		(16 digits, space, + or -, newline:
 *	9001001000000026 +		 19 bytes a record, sorted)
 *	signature sha256 MEUCIQ...	(base64 over every byte above)
 *
 * A full list holds '+' records only; a delta lists what was added (+) or
 * taken off (-) since its base version.  The signature is made with the
 * key keys.hotlist_signer names, so `openssl dgst -sha256 -verify` checks
 * it too.  A publish that adds more cards than blacklist.max_add at once
 * is refused unless forced: a damaged list must not disable a city's cards
 * in one night.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "km-internal.h"

#define HL_MAGIC "KM-HOTLIST 1\n"
#define HL_RECSZ (KM_CARDNO_LEN + 3)
#define HL_MAXFILE (512L * 1024 * 1024)

static int
bl_event(struct km_db *db, const char *number, const char *op,
    struct km_err *err)
{
	static const char q[] =
	    "INSERT INTO hotlist_event (number, op, at) VALUES (?1, ?2, ?3)";
	sqlite3_stmt *st;
	char at[KM_TIME_BUFSZ];
	int rc;

	if ((st = km_db_stmt(db, q, err)) == NULL)
		return -1;
	km_time_iso(km_db_now(db), at);
	sqlite3_bind_text(st, 1, number, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, op, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, at, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return km_db_err(db, rc, "hotlist", err);
	return 0;
}

/* Whether number is listed, whether by an admin, and the lifecycle
 * event that keeps it listed (empty if none). */
static int
bl_get(struct km_db *db, const char *number, int *listed, int *admin,
    char ev[16], struct km_err *err)
{
	static const char q[] =
	    "SELECT admin, state_ev FROM hotlist WHERE number = ?1";
	sqlite3_stmt *st;
	int rc;

	*listed = *admin = 0;
	ev[0] = '\0';
	if ((st = km_db_stmt(db, q, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*listed = 1;
		*admin = sqlite3_column_int(st, 0);
		km_db_col(st, 1, ev, 16);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return km_db_err(db, rc, "hotlist", err);
	return 0;
}

/* Sets or clears the admin's listing of number. */
static int
bl_set_admin(struct km_db *db, const char *number, int admin,
    const char *reason, struct km_err *err)
{
	static const char q[] =
	    "UPDATE hotlist SET admin = ?2, admin_reason = ?3 WHERE number = ?1";
	sqlite3_stmt *st;
	char detail[KM_NAMESZ + 32];
	int rc;

	if ((st = km_db_stmt(db, q, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, admin);
	km_db_bind_text(st, 3, admin ? reason : NULL);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return km_db_err(db, rc, "hotlist", err);
	snprintf(detail, sizeof(detail), "source=admin%s%s",
	    reason ? " reason=" : "", reason ? reason : "");
	return km_audit(db, admin ? "hotlist.admin" : "hotlist.unadmin",
	    number, detail, err);
}

/* Sets or clears (ev NULL) the lifecycle event that keeps number listed;
 * an event without a reason keeps the reason before it.  The event itself
 * is audited by the lifecycle. */
static int
bl_set_state(struct km_db *db, const char *number, const char *ev,
    const char *reason, struct km_err *err)
{
	static const char q[] =
	    "UPDATE hotlist SET state_ev = ?2, reason = CASE WHEN ?2 IS NULL"
	    " THEN NULL ELSE COALESCE(?3, reason) END WHERE number = ?1";
	sqlite3_stmt *st;
	int rc;

	if ((st = km_db_stmt(db, q, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_TRANSIENT);
	km_db_bind_text(st, 2, ev);
	km_db_bind_text(st, 3, reason);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return km_db_err(db, rc, "hotlist", err);
	return 0;
}

int
km_bl_listed(struct km_db *db, const char *number, int *listed,
    struct km_err *err)
{
	char ev[16];
	int admin;

	return bl_get(db, number, listed, &admin, ev, err);
}

/*
 * Lists card number, for source ("admin" or a lifecycle event) and reason.
 * An entry remembers both whether an admin listed the card and which
 * lifecycle event keeps it listed, so that a resume does not undo an
 * admin's listing and an admin cannot take off a card its state keeps on.
 * *changed says whether the list itself changed.  In a transaction.
 */
int
km_bl_add(struct km_db *db, const char *number, const char *source,
    const char *reason, int *changed, struct km_err *err)
{
	static const char q_add[] =
	    "INSERT INTO hotlist (card_id, number, admin, admin_reason,"
	    " state_ev, reason, since, actor) SELECT id, number, ?2, ?3, ?4,"
	    " ?5, ?6, ?7 FROM card WHERE number = ?1";
	sqlite3_stmt *st;
	char ev[16], at[KM_TIME_BUFSZ], detail[KM_NAMESZ + 32];
	int rc, listed, admin, byadmin = strcmp(source, "admin") == 0;

	*changed = 0;
	if (reason != NULL && strlen(reason) >= KM_NAMESZ)
		return km_errf(err, KM_EDATA, "reason: longer than %d bytes",
		    KM_NAMESZ - 1);
	if (bl_get(db, number, &listed, &admin, ev, err) == -1)
		return -1;
	if (listed) {
		if (byadmin)
			return admin ? 0 : bl_set_admin(db, number, 1, reason,
			    err);
		return bl_set_state(db, number, source, reason, err);
	}
	km_time_iso(km_db_now(db), at);
	if ((st = km_db_stmt(db, q_add, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, byadmin);
	km_db_bind_text(st, 3, byadmin ? reason : NULL);
	km_db_bind_text(st, 4, byadmin ? NULL : source);
	km_db_bind_text(st, 5, byadmin ? NULL : reason);
	sqlite3_bind_text(st, 6, at, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, km_db_actor(db), -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return km_db_err(db, rc, "hotlist", err);
	if (sqlite3_changes(km_db_handle(db)) != 1)
		return km_errf(err, KM_ENOTFOUND, "no card '%s'", number);
	*changed = 1;
	if (bl_event(db, number, "+", err) == -1)
		return -1;
	snprintf(detail, sizeof(detail), "source=%s%s%s", source,
	    reason ? " reason=" : "", reason ? reason : "");
	return km_audit(db, "hotlist.add", number, detail, err);
}

/*
 * Takes back what source put on the list: an admin's listing ("admin") or
 * a lifecycle event's (a resume takes back "suspend"; "*" takes back any,
 * as expiry does).  The card leaves
 * the list when nothing else keeps it there.  An admin asking to remove a
 * card that its state keeps listed is refused.  Not listed: a no-op.  In
 * a transaction.
 */
int
km_bl_remove(struct km_db *db, const char *number, const char *source,
    int *changed, struct km_err *err)
{
	static const char q[] = "DELETE FROM hotlist WHERE number = ?1";
	sqlite3_stmt *st;
	char ev[16], detail[32];
	int rc, listed, admin, byadmin = strcmp(source, "admin") == 0;

	*changed = 0;
	if (bl_get(db, number, &listed, &admin, ev, err) == -1)
		return -1;
	if (!listed)
		return 0;
	if (byadmin && ev[0] != '\0')
		return km_errf(err, KM_EDATA, "card '%s' is listed because of "
		    "its state (%s): change the card's state instead", number,
		    ev);
	if (!byadmin && strcmp(source, "*") != 0 && strcmp(ev, source) != 0)
		return 0;
	if (!byadmin && admin)
		return bl_set_state(db, number, NULL, NULL, err);
	if ((st = km_db_stmt(db, q, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return km_db_err(db, rc, "hotlist", err);
	*changed = 1;
	if (bl_event(db, number, "-", err) == -1)
		return -1;
	snprintf(detail, sizeof(detail), "source=%s", source);
	return km_audit(db, "hotlist.remove", number, detail, err);
}

int
km_bl_list(struct km_db *db, struct km_bl_entry **ep, size_t *n,
    struct km_err *err)
{
	static const char q[] =
	    "SELECT number, COALESCE(reason, admin_reason, ''),"
	    " COALESCE(state_ev, 'admin'), since, actor, admin"
	    " FROM hotlist ORDER BY number";
	sqlite3_stmt *st;
	struct km_bl_entry *e = NULL, *ne;
	size_t cap = 0;
	char at[KM_TIME_BUFSZ];
	int rc;

	*ep = NULL;
	*n = 0;
	if ((st = km_db_stmt(db, q, err)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((ne = realloc(e, cap * sizeof(*e))) == NULL) {
				free(e);
				sqlite3_reset(st);
				return km_errf(err, KM_ESYS, "out of memory");
			}
			e = ne;
		}
		km_db_col(st, 0, e[*n].number, sizeof(e[*n].number));
		km_db_col(st, 1, e[*n].reason, sizeof(e[*n].reason));
		km_db_col(st, 2, e[*n].source, sizeof(e[*n].source));
		km_db_col(st, 3, at, sizeof(at));
		km_time_parse(at, &e[*n].since, NULL);
		km_db_col(st, 4, e[*n].actor, sizeof(e[*n].actor));
		e[*n].admin = sqlite3_column_int(st, 5);
		(*n)++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(e);
		*n = 0;
		return km_db_err(db, rc, "hotlist", err);
	}
	*ep = e;
	return 0;
}

/*
 * The cards whose membership differs between event seq and now, with '+'
 * (listed now) or '-' (taken off), sorted.  Calls fn for each; fn returns
 * 0 or -1.
 */
static int
bl_changes(struct km_db *db, long long seq,
    int (*fn)(const char *, char, void *), void *arg, struct km_err *err)
{
	static const char q[] =
	    "WITH touched AS (SELECT DISTINCT number FROM hotlist_event"
	    "  WHERE seq > ?1),"
	    " before AS (SELECT t.number, (SELECT e.op FROM hotlist_event e"
	    "  WHERE e.number = t.number AND e.seq <= ?1"
	    "  ORDER BY e.seq DESC LIMIT 1) AS op FROM touched t)"
	    " SELECT b.number, h.number IS NOT NULL FROM before b"
	    " LEFT JOIN hotlist h ON h.number = b.number"
	    " WHERE (h.number IS NOT NULL AND COALESCE(b.op, '-') = '-')"
	    " OR (h.number IS NULL AND b.op = '+')"
	    " ORDER BY b.number";
	sqlite3_stmt *st;
	int rc;

	if ((st = km_db_stmt(db, q, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, seq);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (fn((const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_int(st, 1) ? '+' : '-', arg) == -1) {
			sqlite3_reset(st);
			return km_errf(err, KM_ESYS, "hotlist: %s",
			    strerror(errno));
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return km_db_err(db, rc, "hotlist", err);
	return 0;
}

struct tally {
	FILE	*fp;
	size_t	 adds, removes;
};

static int
count_change(const char *number, char op, void *arg)
{
	struct tally *t = arg;

	if (op == '+')
		t->adds++;
	else
		t->removes++;
	return 0;
}

static int
write_change(const char *number, char op, void *arg)
{
	struct tally *t = arg;

	return fprintf(t->fp, "%s %c\n", number, op) < 0 ? -1 : 0;
}

/* Reads one integer column of one row; *v untouched if there is no row. */
static int
one_int(struct km_db *db, const char *sql, long long arg, long long *v,
    struct km_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = km_db_stmt(db, sql, err)) == NULL)
		return -1;
	if (arg >= 0)
		sqlite3_bind_int64(st, 1, arg);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return km_db_err(db, rc, "hotlist", err);
	return rc == SQLITE_ROW ? 1 : 0;
}

int
km_hotlist_publish(struct km_db *db, const struct km_cfg *cfg,
    long long base, int force, FILE *out, struct km_hotlist *hl,
    struct km_err *err)
{
	static const char q_last[] =
	    "SELECT version FROM hotlist_version ORDER BY version DESC LIMIT 1";
	static const char q_vseq[] =
	    "SELECT seq FROM hotlist_version WHERE version = ?1";
	static const char q_seq[] =
	    "SELECT COALESCE(MAX(seq), 0) FROM hotlist_event";
	static const char q_count[] = "SELECT COUNT(*) FROM hotlist";
	static const char q_full[] = "SELECT number FROM hotlist ORDER BY number";
	static const char q_add[] =
	    "INSERT INTO hotlist_version (version, base, seq, created_at, count,"
	    " adds, removes, sha256, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
	    " ?8, ?9)";
	struct km_key *key = NULL;
	struct tally t = { NULL, 0, 0 };
	sqlite3_stmt *st;
	long long last = 0, lastseq = 0, baseseq = 0, seq = 0, count = 0;
	char at[KM_TIME_BUFSZ], sha[65], *buf = NULL, *b64 = NULL;
	char detail[160];
	unsigned char *sig = NULL;
	size_t len = 0, siglen = 0;
	int rc, rv = -1;

	memset(hl, 0, sizeof(*hl));
	if (cfg->keys.hotlist_signer == NULL)
		return km_errf(err, KM_EDATA, "keys.hotlist_signer is not set "
		    "in '%s'", cfg->path);
	if (one_int(db, q_last, -1, &last, err) == -1 ||
	    one_int(db, q_seq, -1, &seq, err) == -1 ||
	    one_int(db, q_count, -1, &count, err) == -1)
		return -1;
	if (last > 0 && one_int(db, q_vseq, last, &lastseq, err) == -1)
		return -1;
	if (base > 0) {
		if ((rc = one_int(db, q_vseq, base, &baseseq, err)) == -1)
			return -1;
		if (rc == 0)
			return km_errf(err, KM_ENOTFOUND, "no hotlist version "
			    "%lld to make a delta against", base);
	}
	if (bl_changes(db, lastseq, count_change, &t, err) == -1)
		return -1;
	if (t.adds > (size_t)cfg->blacklist.max_add && !force)
		return km_errf(err, KM_EDATA, "version %lld would add %zu cards "
		    "at once, more than blacklist.max_add (%d): check the list, "
		    "or force it", last + 1, t.adds, cfg->blacklist.max_add);
	if (km_key_load(&key, cfg->keys.hotlist_signer, err) == -1)
		return -1;

	hl->version = last + 1;
	hl->base = base;
	hl->created = km_db_now(db);
	km_time_iso(hl->created, at);
	if ((t.fp = open_memstream(&buf, &len)) == NULL) {
		km_errf(err, KM_ESYS, "hotlist: %s", strerror(errno));
		goto out;
	}
	fprintf(t.fp, HL_MAGIC "version %lld\n", hl->version);
	if (base > 0)
		fprintf(t.fp, "type delta %lld\n", base);
	else
		fprintf(t.fp, "type full\n");
	fprintf(t.fp, "created %s\n", at);
	if (base > 0) {
		struct tally d = { NULL, 0, 0 };

		if (bl_changes(db, baseseq, count_change, &d, err) == -1)
			goto out;
		hl->count = d.adds + d.removes;
		hl->adds = d.adds;
		hl->removes = d.removes;
		fprintf(t.fp, "count %zu\n", hl->count);
		if (bl_changes(db, baseseq, write_change, &t, err) == -1)
			goto out;
	} else {
		hl->count = hl->adds = (size_t)count;
		fprintf(t.fp, "count %zu\n", hl->count);
		if ((st = km_db_stmt(db, q_full, err)) == NULL)
			goto out;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			fprintf(t.fp, "%s +\n", sqlite3_column_text(st, 0));
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			km_db_err(db, rc, "hotlist", err);
			goto out;
		}
	}
	if (fclose(t.fp) != 0) {
		t.fp = NULL;
		km_errf(err, KM_ESYS, "hotlist: %s", strerror(errno));
		goto out;
	}
	t.fp = NULL;
	if (km_sha256_hex(buf, len, sha) == -1 ||
	    km_key_sign(key, buf, len, &sig, &siglen, err) == -1 ||
	    km_b64_encode(sig, siglen, &b64, err) == -1)
		goto out;

	if ((st = km_db_stmt(db, q_add, err)) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, hl->version);
	if (base > 0)
		sqlite3_bind_int64(st, 2, base);
	sqlite3_bind_int64(st, 3, seq);
	sqlite3_bind_text(st, 4, at, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, (long long)hl->count);
	sqlite3_bind_int64(st, 6, (long long)t.adds);
	sqlite3_bind_int64(st, 7, (long long)t.removes);
	sqlite3_bind_text(st, 8, sha, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 9, km_db_actor(db), -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		km_db_err(db, rc, "hotlist", err);
		goto out;
	}
	snprintf(detail, sizeof(detail), "%s count=%zu new=%zu gone=%zu "
	    "sha256=%s", base > 0 ? "delta" : "full", hl->count, t.adds,
	    t.removes, sha);
	snprintf(at, sizeof(at), "v%lld", hl->version);
	if (km_audit(db, "hotlist.publish", at, detail, err) == -1)
		goto out;
	if (fwrite(buf, 1, len, out) != len ||
	    fprintf(out, "signature sha256 %s\n", b64) < 0 ||
	    fflush(out) == EOF) {
		km_errf(err, KM_ESYS, "hotlist: write: %s", strerror(errno));
		goto out;
	}
	rv = 0;
out:
	if (t.fp != NULL)
		fclose(t.fp);
	free(buf);
	free(sig);
	free(b64);
	km_key_free(key);
	return rv;
}

/* "WORD N\n" with N plain decimal digits, no sign or leading zero. */
static int
hl_number(const char **p, const char *end, const char *word, long long *v)
{
	size_t wl = strlen(word), n;
	const char *d;

	if ((size_t)(end - *p) <= wl || strncmp(*p, word, wl) != 0)
		return -1;
	d = *p + wl;
	for (n = 0; d + n < end && d[n] >= '0' && d[n] <= '9'; n++)
		;
	if (n == 0 || n > 18 || (n > 1 && d[0] == '0') || d + n >= end ||
	    d[n] != '\n')
		return -1;
	*v = strtoll(d, NULL, 10);
	*p = d + n + 1;
	return 0;
}

/*
 * Checks a published hotlist file: its signature with the configured key,
 * its header, and that its records are well formed, sorted and as many as
 * it says.  Fills *hl from the header.
 */
int
km_hotlist_verify(const struct km_cfg *cfg, const char *path,
    struct km_hotlist *hl, struct km_err *err)
{
	struct km_key *key = NULL;
	struct stat sb;
	FILE *fp = NULL;
	char *buf = NULL, *sigline, tsbuf[KM_TIME_BUFSZ];
	const char *p, *end, *prev = NULL;
	unsigned char *sig = NULL;
	size_t len, siglen, i;
	long long n;
	int rv = -1;

	memset(hl, 0, sizeof(*hl));
	if (cfg->keys.hotlist_signer == NULL && cfg->keys.hotlist_verify == NULL)
		return km_errf(err, KM_EDATA, "neither keys.hotlist_verify nor "
		    "keys.hotlist_signer is set in '%s'", cfg->path);
	if ((fp = fopen(path, "rb")) == NULL || fstat(fileno(fp), &sb) == -1) {
		km_errf(err, KM_EDATA, "cannot read hotlist '%s': %s", path,
		    strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		km_errf(err, KM_EDATA, "cannot read hotlist '%s': %s", path,
		    S_ISDIR(sb.st_mode) ? strerror(EISDIR) :
		    "not a regular file");
		goto out;
	}
	if (sb.st_size > HL_MAXFILE || sb.st_size < 1) {
		km_errf(err, KM_EDATA, "hotlist '%s': bad size", path);
		goto out;
	}
	len = (size_t)sb.st_size;
	if ((buf = malloc(len + 1)) == NULL) {
		km_errf(err, KM_ESYS, "out of memory");
		goto out;
	}
	if (fread(buf, 1, len, fp) != len) {
		km_errf(err, KM_ESYS, "cannot read hotlist '%s'", path);
		goto out;
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len) != NULL || buf[len - 1] != '\n') {
		km_errf(err, KM_EDATA, "hotlist '%s': not a hotlist", path);
		goto out;
	}
	buf[len - 1] = '\0';
	if ((sigline = strrchr(buf, '\n')) == NULL ||
	    strncmp(sigline + 1, "signature sha256 ", 17) != 0) {
		km_errf(err, KM_EDATA, "hotlist '%s': no signature", path);
		goto out;
	}
	sigline++;
	if (km_b64_decode(sigline + 17, &sig, &siglen, err) == -1 ||
	    (cfg->keys.hotlist_verify != NULL ?
	    km_key_load_public(&key, cfg->keys.hotlist_verify, err) :
	    km_key_load(&key, cfg->keys.hotlist_signer, err)) == -1 ||
	    km_key_verify(key, buf, (size_t)(sigline - buf), sig, siglen,
	    err) == -1) {
		km_errpre(err, "hotlist '%s'", path);
		goto out;
	}

	p = buf;
	end = sigline;
	if (strncmp(p, HL_MAGIC, strlen(HL_MAGIC)) != 0)
		goto bad;
	p += strlen(HL_MAGIC);
	if (hl_number(&p, end, "version ", &hl->version) == -1 ||
	    hl->version < 1)
		goto bad;
	if (strncmp(p, "type full\n", 10) == 0)
		p += 10;
	else if (hl_number(&p, end, "type delta ", &hl->base) == -1 ||
	    hl->base < 1 || hl->base >= hl->version)
		goto bad;
	if (end - p < 30 || strncmp(p, "created ", 8) != 0 || p[28] != '\n')
		goto bad;
	memcpy(tsbuf, p + 8, 20);
	tsbuf[20] = '\0';
	if (km_time_parse(tsbuf, &hl->created, NULL) == -1)
		goto bad;
	p += 29;
	if (hl_number(&p, end, "count ", &n) == -1)
		goto bad;
	if ((size_t)(end - p) != (size_t)n * HL_RECSZ)
		goto bad;
	hl->count = (size_t)n;
	for (i = 0; i < hl->count; i++, p += HL_RECSZ) {
		if (p[KM_CARDNO_LEN] != ' ' ||
		    (p[KM_CARDNO_LEN + 1] != '+' &&
		    p[KM_CARDNO_LEN + 1] != '-') ||
		    p[KM_CARDNO_LEN + 2] != '\n' ||
		    strspn(p, "0123456789") != KM_CARDNO_LEN ||
		    (hl->base == 0 && p[KM_CARDNO_LEN + 1] != '+') ||
		    (prev != NULL && memcmp(prev, p, KM_CARDNO_LEN) >= 0))
			goto bad;
		if (p[KM_CARDNO_LEN + 1] == '+')
			hl->adds++;
		else
			hl->removes++;
		prev = p;
	}
	rv = 0;
	goto out;
bad:
	km_errf(err, KM_EDATA, "hotlist '%s': malformed at byte %zu", path,
	    (size_t)(p - buf));
out:
	if (fp != NULL)
		fclose(fp);
	free(buf);
	free(sig);
	km_key_free(key);
	return rv;
}
